#!/usr/bin/env bash
# The GPU machine's one command: install carried wheels (no network), show the stack, run bench/gpu_check.py.
# Where $OUT is set (the device tool), the log, a JSON of every number and bench/RESULTS.md are copied there; the
# JSON is rewritten after every section, and a SIGTERM (a timeout) still leaves the log, the JSON and the row.
#   bash bench/gpu_check.sh [gpu_check.py flags]          fill bench/wheels first: see README.md, Benchmarks
#   (`python3 bench/_product.py` prints the pip command for the wheels the product section needs)
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
"$PY" -c 'import sys, torch; print(f"python {sys.version.split()[0]}, torch {torch.__version__} (CUDA {torch.version.cuda})")' 2>&1 | tail -n 1
"$PY" -c 'import transformers, accelerate; print(f"transformers {transformers.__version__}, accelerate {accelerate.__version__}")' \
  2>&1 | tail -n 1

export PYTHONUNBUFFERED=1
if [[ -n "${OUT:-}" ]]; then
  # a SIGTERM (the call's timeout) goes on to gpu_check.py, which writes what it measured, prints the summary
  # and exits; this shell waits for it, and tee (which ignores the signal) keeps logging until then
  "$PY" bench/gpu_check.py --json "$OUT/gpu_check.json" "$@" > >(trap '' TERM; exec tee "$OUT/gpu_check.log") 2>&1 &
  pid=$!
  trap 'kill -TERM "$pid" 2>/dev/null' TERM
  wait "$pid"
  rc=$?
  while kill -0 "$pid" 2>/dev/null; do  # wait was cut short by the signal: wait for the real exit
    wait "$pid"
    rc=$?
  done
  cp bench/RESULTS.md "$OUT/RESULTS.md"
else
  "$PY" bench/gpu_check.py "$@"
  rc=$?
fi
exit "$rc"
