"""Tokens/s of `ftcore train` next to a bare PyTorch loop on the same model, data, batch and optimizer.

Both sides train the embedded model (fp32, fused AdamW, constant LR) for N steps on the barista demo with the
same batch size, max length and pad-to-longest batches (packing off on both sides); throughput counts non-padding
tokens between the end of step 1 and the end of step N, so loading and the first (warm-up) step are excluded. Prints the median of --repeats runs per side and
the ratio, and appends a dated row to bench/RESULTS.md.

    .venv/bin/python bench/train_overhead.py [--steps 20] [--batch-size 4] [--max-length 128] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _results import record  # noqa: E402

from ftcore import DEMOS, Settings, ensure_embedded, read_examples  # noqa: E402
from ftcore.data import tokenize_all  # noqa: E402

MODEL = "smollm2-135m-instruct"


def ftcore_run(settings: Settings, args) -> dict:
    env = {**os.environ, "FTCORE_HOME": str(settings.home)}
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "ftcore", "train", "--data", str(DEMOS["barista"].path), "--model", MODEL,
         "--max-steps", str(args.steps), "--batch-size", str(args.batch_size), "--max-length", str(args.max_length),
         "--lr", "2e-5", "train.scheduler=constant", "train.packing=false", "--name", "bench"],
        capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    if out.returncode:
        raise SystemExit(out.stderr)
    run_dir = sorted(settings.runs_dir.iterdir())[-1]
    steps = [json.loads(line) for line in (run_dir / "events.jsonl").read_text().splitlines()
             if '"type": "train"' in line]
    first, last = steps[0], steps[-1]
    tokens = last["num_input_tokens_seen"] - first["num_input_tokens_seen"]
    return {"tokens_per_s": tokens / (last["time"] - first["time"]), "wall_s": wall}


def bare_run(settings: Settings, args) -> dict:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, DataCollatorForSeq2Seq

    start = time.perf_counter()
    folder = settings.models_dir / MODEL
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32)
    model.config.use_cache = False
    model.train()
    rows = tokenize_all(read_examples(DEMOS["barista"].path), tokenizer, args.max_length).rows
    order = torch.randperm(len(rows), generator=torch.Generator().manual_seed(42)).tolist()
    collate = DataCollatorForSeq2Seq(tokenizer, padding=True, label_pad_token_id=-100)
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-5, weight_decay=0.0, fused=True)
    tokens, t0 = 0, None
    for step in range(args.steps):
        idx = [order[(step * args.batch_size + i) % len(order)] for i in range(args.batch_size)]
        batch = collate([rows[i] for i in idx])
        loss = model(**batch).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        loss.item()
        if step == 0:
            t0 = time.perf_counter()
        else:
            tokens += int(batch["attention_mask"].sum())
    return {"tokens_per_s": tokens / (time.perf_counter() - t0), "wall_s": time.perf_counter() - start}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-record", action="store_true", help="Do not append to bench/RESULTS.md.")
    args = parser.parse_args()

    settings = Settings(home=Path(os.environ.get("FTCORE_HOME") or tempfile.mkdtemp(prefix="ftbench-"))).ensure()
    t = time.perf_counter()
    ensure_embedded(MODEL, settings)
    print(f"embedded model ready in {time.perf_counter() - t:.1f} s")
    results = {"ftcore": [], "bare": []}
    for i in range(args.repeats):  # alternate the sides so that machine noise hits both alike
        for side, fn in (("ftcore", ftcore_run), ("bare", bare_run)):
            r = fn(settings, args)
            results[side].append(r)
            print(f"run {i + 1} {side:>6}: {r['tokens_per_s']:7.1f} tok/s  wall {r['wall_s']:6.1f} s", flush=True)
    med = {side: statistics.median(r["tokens_per_s"] for r in rs) for side, rs in results.items()}
    wall = {side: statistics.median(r["wall_s"] for r in rs) for side, rs in results.items()}
    ratio = med["ftcore"] / med["bare"]
    print(f"median ftcore {med['ftcore']:.1f} tok/s, bare loop {med['bare']:.1f} tok/s, ratio {ratio:.3f} "
          f"(target >= 0.95); median wall ftcore {wall['ftcore']:.1f} s, bare {wall['bare']:.1f} s")
    if not args.no_record:
        record(f"train_overhead --steps {args.steps} --batch-size {args.batch_size} --max-length {args.max_length} "
               f"x{args.repeats}", f"ftcore {med['ftcore']:.1f} tok/s, bare loop {med['bare']:.1f} tok/s; median "
               f"wall {wall['ftcore']:.0f} s vs {wall['bare']:.0f} s", f"{ratio:.3f}")


if __name__ == "__main__":
    main()
