"""How long a Stop takes: a run of the embedded model (or --model) on the barista demo, with a validation file and
evaluations due, is stopped at a given step with `ftcore stop`; measured from the request to the run's final
status (cancelled), and how much of it the checkpoint took. Medians of --repeat runs; one row in bench/RESULTS.md.

    .venv/bin/python bench/stop_time.py --repeat 3
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _results import record  # noqa: E402


def once(home: Path, model: str, at_step: int, env: dict) -> tuple[float, float, str]:
    from ftcore import DEMOS, RunStore, Settings
    from ftcore.data import read_examples, write_jsonl

    data = DEMOS["barista"]
    rows = read_examples(data.path, data.format, data.template)
    train, val = home / "train.jsonl", home / "val.jsonl"
    write_jsonl(rows[:120], train)
    write_jsonl(rows[120:], val)
    cmd = [sys.executable, "-m", "ftcore", "train", "--data", str(train), "--val", str(val), "--model", model,
           "--max-steps", "1000", "--batch-size", "4", "--max-length", "256", "train.eval_steps=1000",
           "probe.suites=quick", "--detach", "--name", "stop-time"]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    settings = Settings.from_env(env)
    run = RunStore(settings).get(out.stdout.split()[-1])
    while run.status().get("step", 0) < at_step:
        if run.status().get("state") in ("failed", "done", "cancelled"):
            raise SystemExit(f"the run ended before step {at_step}: {run.status()}")
        time.sleep(0.2)
    asked = time.time()
    subprocess.run([sys.executable, "-m", "ftcore", "stop", run.id], capture_output=True, text=True, env=env,
                   cwd=ROOT, check=True)
    took = time.time() - asked
    status = run.status()
    checkpoints = sorted((run.dir / "checkpoints").glob("checkpoint-*"), key=lambda p: p.stat().st_mtime)
    checkpoint = checkpoints[-1].stat().st_mtime - asked if checkpoints else float("nan")
    return took, checkpoint, status.get("state", "?")


def main() -> int:
    import os

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2-135m-instruct")
    parser.add_argument("--at-step", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    results = []
    for i in range(args.repeat):
        with tempfile.TemporaryDirectory() as folder:
            home = Path(folder)
            env = {**os.environ, "FTCORE_HOME": str(os.environ.get("FTCORE_HOME") or home / "ws"),
                   "HF_HUB_OFFLINE": "1"}
            took, checkpoint, state = once(home, args.model, args.at_step, env)
            print(f"run {i + 1}: stop took {took:.1f} s (checkpoint written {checkpoint:.1f} s after the request), "
                  f"ended {state}")
            results.append((took, checkpoint, state))
    took = statistics.median(r[0] for r in results)
    checkpoint = statistics.median(r[1] for r in results)
    states = ",".join(sorted({r[2] for r in results}))
    numbers = f"stop to final status {took:.1f} s, checkpoint at {checkpoint:.1f} s, state {states}"
    print(f"median of {args.repeat}: {numbers}")
    record(f"stop_time --model {args.model} --at-step {args.at_step} x{args.repeat}", numbers,
               f"{took - checkpoint:.1f} s after the checkpoint")
    return 0


if __name__ == "__main__":
    sys.exit(main())
