#!/usr/bin/env bash
# The GPU machine's one command: install carried wheels (no network), show the stack, run bench/gpu_check.py.
# Where $OUT is set (the device tool), the log, a JSON of every number and bench/RESULTS.md are copied there.
#   bash bench/gpu_check.sh [gpu_check.py flags]          fill bench/wheels first: see README.md, Benchmarks
set -uo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-$(command -v python3 || command -v python)}"

shopt -s nullglob
wheels=(bench/wheels/*.whl)
if ((${#wheels[@]})); then
  site=/tmp/gpu_check_site
  if "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$site" "${wheels[@]}"; then
    export PYTHONPATH="$site${PYTHONPATH:+:$PYTHONPATH}"
    echo "installed carried wheels: ${wheels[*]##*/}"
  else
    echo "could not install the carried wheels; going on without them"
  fi
fi

nvidia-smi -L 2>/dev/null || echo "nvidia-smi: not found"
"$PY" -c 'import sys, torch, transformers, accelerate; print(f"python {sys.version.split()[0]}, torch {torch.__version__} (CUDA {torch.version.cuda}), transformers {transformers.__version__}, accelerate {accelerate.__version__}")'

export PYTHONUNBUFFERED=1
if [[ -n "${OUT:-}" ]]; then
  "$PY" bench/gpu_check.py --json "$OUT/gpu_check.json" "$@" 2>&1 | tee "$OUT/gpu_check.log"
  rc=${PIPESTATUS[0]}
  cp bench/RESULTS.md "$OUT/RESULTS.md"
else
  "$PY" bench/gpu_check.py "$@"
  rc=$?
fi
exit "$rc"
