"""Tokens/s of `ftcore train` with padding-free packing against pad-to-longest batches, on a skewed length mix.

Both sides train the embedded model (fp32, constant LR, same seed, same batch size, same steps) on one generated
chat JSONL where about 80% of the rows are short (~45-70 tokens, the chat template's 32 included) and about 20% are long
(~300-500 tokens). Side "packing" is the engine default (`train.packing=true`, transformers'
DataCollatorWithFlattening); side "padding" is `train.packing=false` (pad to the longest row of each batch).
Throughput counts non-padding tokens between the end of step 1 and the end of the last step, so model loading and
the first (warm-up) step are excluded; the token counts come from `num_input_tokens_seen` in the run's
events.jsonl. The end-of-run probes and domain evaluation are switched off (they run after training and do not
touch the throughput, only the wall time). Both sides see the same batches in the same order, so their first-step losses must agree (checked to
--loss-rtol). Prints the median of --repeats runs per side, the packing/padding ratio (target >= 1.5) and the loss
check, and appends a dated row to bench/RESULTS.md.

A note on the packed side's count: flattened batches carry no attention_mask, so the Trainer counts
`input_ids != pad_token_id`; this model's pad token is its end-of-turn token, which every row holds a fixed number
of times. The script adds those tokens back (and checks, step by step, that both sides then count the same tokens).

    .venv/bin/python bench/packing.py [--steps 8] [--batch-size 8] [--max-length 512] [--rows 160] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
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

from ftcore import Settings, ensure_embedded, read_examples  # noqa: E402
from ftcore.data import tokenize_all  # noqa: E402

MODEL = "smollm2-135m-instruct"
SIDES = {"packing": "train.packing=true", "padding": "train.packing=false"}

SUBJECTS = ("the barista", "our roaster", "a new trainee", "the head chef", "the night baker", "every guest",
            "the delivery driver", "a regular customer", "the shop owner", "the tasting panel", "my neighbour",
            "the quality lead", "the café manager", "a visiting farmer", "the espresso machine", "the grinder")
VERBS = ("prepares", "checks", "adjusts", "describes", "tastes", "measures", "cleans", "orders", "compares",
         "records", "warms", "pours", "weighs", "explains", "stores", "replaces")
OBJECTS = ("the milk jug", "a fresh batch of beans", "the morning dose", "the water filter", "a cold brew",
           "the crema on each shot", "the grind setting", "a flat white", "the pastry display", "the weekly order",
           "the oat milk", "a decaf blend", "the steam wand", "the cup warmer", "a pour-over kettle",
           "the tamping station")
ENDINGS = ("before the doors open", "after the lunch rush", "with great care", "twice a day", "every Monday",
           "when the hopper runs low", "to keep the taste steady", "without any fuss", "for the tasting notes",
           "as the recipe asks", "once the room is quiet", "while the kettle heats", "in under a minute",
           "at the end of the shift", "so nothing goes to waste", "by the side window")
QUESTIONS = ("How should I", "Why do we", "When is it best to", "Can you explain how to", "What is the right way to",
             "Is it fine to", "Who decides when to", "Where do we")
TASKS = ("dial in the grinder", "steam milk for a latte", "store opened beans", "clean the group head",
         "weigh a double shot", "plan the weekly order", "taste a new roast", "set the water temperature",
         "train a new barista", "keep the pastries fresh", "adjust the dose", "serve a cold brew")


def sentence(rng: random.Random, ending: bool = True) -> str:
    tail = f" {rng.choice(ENDINGS)}" if ending else ""
    return f"{rng.choice(SUBJECTS).capitalize()} {rng.choice(VERBS)} {rng.choice(OBJECTS)}{tail}."


def chat_length(tokenizer, messages: list[dict[str, str]]) -> int:
    return len(tokenizer.apply_chat_template(messages, tokenize=True, return_dict=True)["input_ids"])


def generate(path: Path, rows: int, seed: int, tokenizer) -> None:
    """About 80% short rows (45-70 tokens) and 20% long rows (300-500 tokens), lengths counted with the model's
    chat template; the long rows sit at seeded random positions."""
    rng = random.Random(seed)
    long_rows = set(rng.sample(range(rows), round(rows * 0.2)))
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(rows):
            target = rng.randint(300, 500) if i in long_rows else rng.randint(45, 60)
            question = f"{rng.choice(QUESTIONS)} {rng.choice(TASKS)}?"
            if i in long_rows:
                question += " " + " ".join(sentence(rng) for _ in range(rng.randint(1, 3)))
            answer = sentence(rng, ending=False)
            messages = [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]
            while chat_length(tokenizer, messages) < target:
                messages[1]["content"] += " " + sentence(rng, ending=i in long_rows)
            handle.write(json.dumps({"messages": messages}, ensure_ascii=False) + "\n")


def describe(rows: list[dict]) -> str:
    """One line on the length mix of the tokenized rows."""
    import numpy as np

    lengths = np.array([len(r["input_ids"]) for r in rows])
    short, long_ = lengths[lengths < 200], lengths[lengths >= 200]
    line = (f"{len(rows)} rows: {len(short)} short ({short.min()}-{short.max()} tokens, median "
            f"{int(np.median(short))}), {len(long_)} long ({long_.min()}-{long_.max()}, median {int(np.median(long_))})")
    return line


def ftcore_run(settings: Settings, args, data: Path, side: str, pad_per_row: int) -> dict:
    env = {**os.environ, "FTCORE_HOME": str(settings.home)}
    before = set(settings.runs_dir.iterdir())
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "ftcore", "train", "--data", str(data), "--model", MODEL,
         "--max-steps", str(args.steps), "--batch-size", str(args.batch_size), "--max-length", str(args.max_length),
         "--lr", "2e-5", "--seed", str(args.seed), "train.scheduler=constant", "train.precision=fp32",
         "probe.suites=none", "probe.domain=false", SIDES[side], "--name", f"bench-{side}"],
        capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    if out.returncode:
        raise SystemExit(out.stdout + out.stderr)
    (run_dir,) = set(settings.runs_dir.iterdir()) - before
    events = [json.loads(line) for line in (run_dir / "events.jsonl").read_text().splitlines()]
    begin = next(e for e in events if e["type"] == "train_begin")
    steps = [e for e in events if e["type"] == "train"]
    if len(steps) != args.steps:
        raise SystemExit(f"{run_dir}: {len(steps)} train events, expected {args.steps}")
    seen = [e["num_input_tokens_seen"] for e in steps]
    if side == "packing":  # the Trainer's count skips pad-id tokens that are real tokens here (see the docstring)
        seen = [n + pad_per_row * args.batch_size * (k + 1) for k, n in enumerate(seen)]
    first, last = steps[0], steps[-1]
    return {"tokens_per_s": (seen[-1] - seen[0]) / (last["time"] - first["time"]), "wall_s": wall,
            "train_s": last["time"] - begin["time"], "loss1": first["loss"], "grad_norm1": first.get("grad_norm"),
            "per_step": [b - a for a, b in zip([0, *seen[:-1]], seen, strict=True)]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--max-length", type=int, default=512)
    parser.add_argument("--rows", type=int, default=160, help="Rows in the generated data (>= steps x batch size).")
    parser.add_argument("--seed", type=int, default=42, help="Seed of the data and of the training runs.")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--loss-rtol", type=float, default=1e-3, help="Allowed relative gap of first-step losses.")
    parser.add_argument("--no-record", action="store_true", help="Do not append to bench/RESULTS.md.")
    args = parser.parse_args()
    if args.rows < args.steps * args.batch_size:
        parser.error("--rows must be at least --steps x --batch-size, so that every step sees a full batch")

    settings = Settings(home=Path(os.environ.get("FTCORE_HOME") or tempfile.mkdtemp(prefix="ftbench-"))).ensure()
    t = time.perf_counter()
    folder = ensure_embedded(MODEL, settings)
    print(f"embedded model ready in {time.perf_counter() - t:.1f} s")
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    total_start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="ftbench-packing-") as tmp:
        data = Path(tmp) / "skewed.jsonl"
        generate(data, args.rows, args.seed, tokenizer)
        rows = tokenize_all(read_examples(data), tokenizer, args.max_length).rows
        line = describe(rows)
        pads = {sum(t == tokenizer.pad_token_id for t in r["input_ids"]) for r in rows}
        if len(pads) != 1:
            raise SystemExit(f"rows hold different numbers of pad-id tokens {sorted(pads)}; cannot correct the count")
        pad_per_row = pads.pop()
        print(f"data: {line}; pad id {tokenizer.pad_token_id} occurs {pad_per_row}x in every row")
        results = {side: [] for side in SIDES}
        for i in range(args.repeats):  # alternate the sides so that machine noise hits both alike
            for side in SIDES:
                r = ftcore_run(settings, args, data, side, pad_per_row)
                results[side].append(r)
                print(f"run {i + 1} {side:>7}: {r['tokens_per_s']:7.1f} tok/s  train {r['train_s']:6.1f} s  "
                      f"wall {r['wall_s']:6.1f} s  step-1 loss {r['loss1']:.6f}", flush=True)

    same_tokens = all(p["per_step"] == q["per_step"] for p, q in zip(results["packing"], results["padding"], strict=True))
    med = {side: statistics.median(r["tokens_per_s"] for r in rs) for side, rs in results.items()}
    train = {side: statistics.median(r["train_s"] for r in rs) for side, rs in results.items()}
    loss = {side: statistics.median(r["loss1"] for r in rs) for side, rs in results.items()}
    ratio = med["packing"] / med["padding"]
    gap = abs(loss["packing"] - loss["padding"])
    rel = gap / abs(loss["padding"])
    loss_ok = rel <= args.loss_rtol
    for side in SIDES:
        print(f"median {side:>7}: {med[side]:.1f} effective tok/s, train {train[side]:.1f} s, step-1 loss "
              f"{loss[side]:.6f}")
    print(f"per-step non-padding token counts identical on both sides: {'yes' if same_tokens else 'NO'}")
    print(f"ratio packing/padding {ratio:.3f} (target >= 1.5): {'PASS' if ratio >= 1.5 else 'FAIL'}")
    print(f"step-1 loss gap {gap:.2e} abs, {rel:.2e} rel (tolerance {args.loss_rtol:g} rel): "
          f"{'PASS' if loss_ok else 'FAIL'}")
    print(f"total {time.perf_counter() - total_start:.0f} s")
    if not args.no_record:
        record(f"packing --steps {args.steps} --batch-size {args.batch_size} --max-length {args.max_length} "
               f"--rows {args.rows} x{args.repeats}",
               f"packing {med['packing']:.1f} tok/s, padding {med['padding']:.1f} tok/s (non-padding tokens; 80% "
               f"short / 20% long rows); median train {train['packing']:.0f} s vs {train['padding']:.0f} s; step-1 "
               f"loss rel gap {rel:.1e} ({'PASS' if loss_ok else 'FAIL'} at {args.loss_rtol:g})", f"{ratio:.3f}")


if __name__ == "__main__":
    main()
