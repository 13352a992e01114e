"""Rows/s of `ftcore data check` on a generated JSONL (default 200k chat rows); target >= 10k rows/s.

Times the real CLI (process start included) several times and prints the median; appends to bench/RESULTS.md.

    .venv/bin/python bench/data_check.py [--rows 200000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _results import record  # noqa: E402


def generate(path: Path, rows: int) -> None:
    rng = random.Random(0)
    words = "espresso milk crema grind dose yield tamp pour latte art shot ratio 合同 违约金 付款 解除".split()
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(rows):
            turns = [{"role": "user", "content": " ".join(rng.choices(words, k=rng.randint(5, 40))) + f" #{i}"},
                     {"role": "assistant", "content": " ".join(rng.choices(words, k=rng.randint(5, 80)))}]
            if i % 3 == 0:
                turns.insert(0, {"role": "system", "content": "You are a barista."})
            handle.write(json.dumps({"messages": turns}, ensure_ascii=False) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.jsonl"
        generate(path, args.rows)
        size_mb = path.stat().st_size / 2**20
        times = []
        for i in range(args.repeats):
            start = time.perf_counter()
            out = subprocess.run([sys.executable, "-m", "ftcore", "data", "check", str(path)], capture_output=True,
                                 text=True)
            times.append(time.perf_counter() - start)
            if out.returncode:
                raise SystemExit(out.stderr)
            print(f"run {i + 1}: {times[-1]:.2f} s, {args.rows / times[-1]:,.0f} rows/s", flush=True)
    median = statistics.median(times)
    rate = args.rows / median
    print(f"median {median:.2f} s for {args.rows:,} rows ({size_mb:.0f} MB): {rate:,.0f} rows/s, "
          f"{rate / 10_000:.2f}x the 10k rows/s target")
    if not args.no_record:
        record(f"data_check --rows {args.rows} x{args.repeats}", f"{rate:,.0f} rows/s ({size_mb:.0f} MB file)",
               f"{rate / 10_000:.2f}x target")


if __name__ == "__main__":
    main()
