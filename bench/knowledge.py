"""Injecting facts: how many invented facts a fine-tuned model recalls when asked in other words.

The invented-facts demo (`ftcore/data/demo/facts.jsonl`: 72 one-turn conversations, each stating one invented fact
about one of 24 invented inventors) is trained with `ftcore train --epochs 4 --lr 1e-4` in several variants, each
changing one thing from FullTune's defaults. Each final model is then asked the facts in the words it was trained
on (`facts_trained_questions.jsonl`) and in other words written for the demo (`facts_questions.jsonl`), greedy,
through `ftcore probe`; recall is the share of answers that contain the fact. The base model's recall is 0.

Variants: defaults (batch 4, cosine to zero); constant schedule; batch 8; batch 8 + constant (a bare PyTorch
loop's usual settings); padded batches instead of packing; rule-based augmentation of the questions (`ftcore data
augment --ops synonym,reorder,swap --factor 3`); the `knowledge` preset; the preset + augmentation; model-based
paraphrase of the questions by the embedded model (`--ops paraphrase --paraphrase-model`), alone and with the preset. One seed per
variant by default (`--seeds` for more; the median is printed). Appends a dated row to bench/RESULTS.md.

    .venv/bin/python bench/knowledge.py [--variants default,constant,...] [--seeds 1] [--no-record]
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
sys.path.insert(0, str(ROOT / "bench"))

from _results import record  # noqa: E402

DEMO = ROOT / "ftcore" / "data" / "demo"
MODEL = "smollm2-135m-instruct"
BASE = ["--model", MODEL, "--epochs", "4", "--lr", "1e-4", "probe.suites=none", "probe.domain=false"]
VARIANTS = {
    "default": [],
    "constant": ["train.scheduler=constant"],
    "batch8": ["--batch-size", "8"],
    "batch8-constant": ["--batch-size", "8", "train.scheduler=constant"],
    "padded": ["train.packing=false"],
    "augmented": ["@augment"],
    "preset": ["--preset", "knowledge"],
    "preset-augmented": ["--preset", "knowledge", "@augment"],
    "paraphrased": ["@paraphrase"],
    "preset-paraphrased": ["--preset", "knowledge", "@paraphrase"],
}
# the embedded model rewrites the questions (`--ops paraphrase`); rewrites that lose a name or number or answer the
# question instead are not used, and the count of each is printed
PARAPHRASER = MODEL


def ftcore(args: list[str], env: dict) -> str:
    out = subprocess.run([sys.executable, "-m", "ftcore", *args], capture_output=True, text=True, env=env, cwd=ROOT)
    if out.returncode:
        raise SystemExit(f"ftcore {' '.join(args)} failed ({out.returncode}):\n{out.stdout[-2000:]}\n"
                         f"{out.stderr[-3000:]}")
    return out.stdout


def recall(run_id: str, env: dict) -> tuple[float, float]:
    out = ftcore(["probe", "--model", run_id, "--suite", str(DEMO / "facts_questions.jsonl"), "--suite",
                  str(DEMO / "facts_trained_questions.jsonl"), "--json"], env)
    scores = {Path(name).stem: r["score"] for name, r in json.loads(out)[run_id].items()}
    return scores["facts_questions"], scores["facts_trained_questions"]


def one(variant: str, seed: int, work: Path, env: dict) -> dict:
    extra = list(VARIANTS[variant])
    data = DEMO / "facts.jsonl"
    if "@augment" in extra:
        extra.remove("@augment")
        data = work / f"facts_aug_{seed}.jsonl"
        if not data.is_file():
            ftcore(["data", "augment", str(DEMO / "facts.jsonl"), "--ops", "synonym,reorder,swap", "--factor", "3",
                    "--seed", str(seed), "--out", str(data)], env)
    if "@paraphrase" in extra:
        extra.remove("@paraphrase")
        data = work / f"facts_para_{seed}.jsonl"
        if not data.is_file():
            out = ftcore(["data", "augment", str(DEMO / "facts.jsonl"), "--ops", "paraphrase", "--factor", "1",
                          "--paraphrase-model", PARAPHRASER, "--seed", str(seed), "--out", str(data)], env)
            print(f"{variant}: {out.strip().splitlines()[-1]}", flush=True)
    name = f"k-{variant}-{seed}"
    began = time.perf_counter()
    ftcore(["train", *BASE, "--data", str(data), "--seed", str(seed), "--name", name, *extra], env)
    seconds = time.perf_counter() - began
    run_id = sorted((Path(env["FTCORE_HOME"]) / "runs").glob(f"*{name}*"))[-1].name
    other, trained = recall(run_id, env)
    return {"variant": variant, "seed": seed, "other_words": other, "trained_words": trained, "seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--home", default=None, help="Workspace (default: a temporary folder; the embedded model "
                        "is converted once per workspace).")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    home = Path(args.home or tempfile.mkdtemp(prefix="knowledge-"))
    env = {**os.environ, "FTCORE_HOME": str(home)}
    rows = []
    for variant in args.variants.split(","):
        results = [one(variant, 42 + k, home, env) for k in range(args.seeds)]
        row = {"variant": variant, "other_words": statistics.median(r["other_words"] for r in results),
               "trained_words": statistics.median(r["trained_words"] for r in results),
               "seconds": statistics.median(r["seconds"] for r in results), "runs": len(results)}
        rows.append(row)
        print(f"{variant:<18} recall in other words {row['other_words']:5.1f}%  in trained words "
              f"{row['trained_words']:5.1f}%  train {row['seconds']:5.0f} s  (median of {row['runs']})", flush=True)
    if not args.no_record:
        numbers = "; ".join(f"{r['variant']} {r['other_words']:.0f}% / {r['trained_words']:.0f}%" for r in rows)
        record(f"bench/knowledge.py --seeds {args.seeds} (recall in other words / in trained words)", numbers)


if __name__ == "__main__":
    main()
