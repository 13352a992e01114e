"""The memory planner's prediction against the measured peak of real `ftcore train` runs on the embedded model.

Configurations on the CPU (fp32, the planner's CPU case), each trained for --steps optimizer steps. A-C on
generated plain-text rows longer than max_length (every sequence full length: the worst case), D-E on real short
rows (the first 72 barista demo conversations, about 58 tokens each), where the planner predicts from the run's
own token counts (plan.json's basis "data"):

    A  adamw_torch_fused, batch 4, length 256
    B  adamw_torch_fused, batch 4, length 512, gradient checkpointing
    C  sgd,               batch 8, length 256
    D  adamw_torch_fused, batch 4, length 512, short chat rows (the defaults a first CPU run gets)
    E  adamw_torch_fused, batch 8, length 1024, short chat rows

Each run writes plan.json at launch (the planner's per-device bytes) and adds the measured peak when it ends: on the
CPU that is the worker's peak RSS (VmHWM), which also holds the Python runtime with torch and transformers loaded
(the planner's CPU note: about 0.4 GB). The comparison is therefore measured against predicted total + 0.4 GiB;
the target is within 15%. Prints the median of --repeats runs per configuration and appends a dated row to
bench/RESULTS.md.

    .venv/bin/python bench/plan_vs_measured.py [--steps 2] [--repeats 3]
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

from ftcore import Settings, ensure_embedded  # noqa: E402
from ftcore.plan.advice import CPU_RUNTIME_GB  # noqa: E402

MODEL = "smollm2-135m-instruct"
GiB = 2**30
CONFIGS = {
    "A": {"optimizer": "adamw_torch_fused", "batch": 4, "length": 256, "checkpointing": False},
    "B": {"optimizer": "adamw_torch_fused", "batch": 4, "length": 512, "checkpointing": True},
    "C": {"optimizer": "sgd", "batch": 8, "length": 256, "checkpointing": False},
    "D": {"optimizer": "adamw_torch_fused", "batch": 4, "length": 512, "checkpointing": False, "data": "chat"},
    "E": {"optimizer": "adamw_torch_fused", "batch": 8, "length": 1024, "checkpointing": False, "data": "chat"},
}
WORDS = ("coffee", "grinder", "roast", "espresso", "water", "temperature", "milk", "crema", "bean", "origin",
         "acidity", "body", "sweet", "bitter", "extraction", "pressure", "shot", "cup", "filter", "kettle",
         "morning", "guest", "recipe", "balance", "aroma", "finish", "dose", "yield", "ratio", "minute")


def write_rows(path: Path, rows: int, seed: int) -> None:
    """Plain-text rows of ~1,000 words: longer than every configuration's max length once tokenized."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as handle:
        for _ in range(rows):
            text = " ".join(rng.choice(WORDS) for _ in range(1000))
            handle.write(json.dumps({"text": text}) + "\n")


def write_chat(path: Path, rows: int = 72) -> None:
    """The first `rows` barista demo conversations: short real chat rows."""
    lines = (ROOT / "ftcore" / "data" / "demo" / "barista.jsonl").read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines[:rows]) + "\n", encoding="utf-8")


def run_once(env: dict, runs_dir: Path, data: dict[str, Path], name: str, cfg: dict, steps: int) -> dict:
    before = set(runs_dir.iterdir())
    start = time.perf_counter()
    kind = cfg.get("data", "text")
    out = subprocess.run(
        [sys.executable, "-m", "ftcore", "train", "--data", str(data[kind]), "--format",
         "messages" if kind == "chat" else "text", "--model", MODEL,
         "--max-steps", str(steps), "--batch-size", str(cfg["batch"]), "--max-length", str(cfg["length"]),
         "--lr", "1e-5", "train.precision=fp32", f"train.optimizer={cfg['optimizer']}",
         f"train.gradient_checkpointing={str(cfg['checkpointing']).lower()}", "probe.suites=none",
         "probe.domain=false", "--name", f"bench-plan-{name}"],
        capture_output=True, text=True, env=env, cwd=ROOT)
    wall = time.perf_counter() - start
    if out.returncode:
        raise SystemExit(f"config {name} failed:\n{out.stdout[-2000:]}\n{out.stderr[-3000:]}")
    (run_dir,) = set(runs_dir.iterdir()) - before
    plan = json.loads((run_dir / "plan.json").read_text(encoding="utf-8"))
    if not plan.get("predicted") or not plan.get("measured_peak_bytes"):
        raise SystemExit(f"{run_dir}/plan.json lacks a prediction or a measured peak: {plan}")
    return {"predicted": plan["predicted"], "measured": plan["measured_peak_bytes"], "wall": wall,
            "basis": plan.get("basis", "max_length"), "worst_case": (plan.get("worst_case") or {}).get("total")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--tolerance", type=float, default=0.15)
    parser.add_argument("--no-record", action="store_true", help="Do not append to bench/RESULTS.md.")
    args = parser.parse_args()

    settings = Settings(home=Path(os.environ.get("FTCORE_HOME") or tempfile.mkdtemp(prefix="ftbench-"))).ensure()
    env = {**os.environ, "FTCORE_HOME": str(settings.home)}
    ensure_embedded(MODEL, settings)
    results: dict[str, list[dict]] = {name: [] for name in CONFIGS}
    with tempfile.TemporaryDirectory(prefix="ftbench-plan-") as tmp:
        data = {"text": Path(tmp) / "long.jsonl", "chat": Path(tmp) / "chat.jsonl"}
        write_rows(data["text"], rows=8 * args.steps + 8, seed=0)
        write_chat(data["chat"])
        for i in range(args.repeats):
            for name, cfg in CONFIGS.items():
                r = run_once(env, settings.runs_dir, data, name, cfg, args.steps)
                results[name].append(r)
                print(f"run {i + 1} {name}: predicted {r['predicted']['total'] / GiB:.2f} GiB + runtime, "
                      f"measured {r['measured'] / GiB:.2f} GiB ({r['wall']:.0f} s)", flush=True)

    runtime = CPU_RUNTIME_GB * GiB
    print(f"\n{'config':<46}{'weights':>8}{'grads':>7}{'optim':>7}{'activ':>7}{'buffers':>8}{'+runtime':>9}"
          f"{'predicted':>10}{'measured':>9}{'pred/meas':>10}")
    ratios, cells = [], []
    for name, cfg in CONFIGS.items():
        p = results[name][0]["predicted"]
        predicted = p["total"] + runtime
        measured = statistics.median(r["measured"] for r in results[name])
        ratio = predicted / measured
        ratios.append(ratio)
        label = (f"{name} {cfg['optimizer']} b{cfg['batch']} L{cfg['length']}"
                 + (" +ckpt" if cfg["checkpointing"] else "") + (" short rows" if cfg.get("data") else ""))
        print(f"{label:<46}" + "".join(f"{p[k] / GiB:>{w}.2f}" for k, w in
                                       (("weights", 8), ("gradients", 7), ("optimizer", 7), ("activations", 7),
                                        ("buffers", 8)))
              + f"{runtime / GiB:>9.2f}{predicted / GiB:>10.2f}{measured / GiB:>9.2f}{ratio:>10.3f}")
        worst_case = results[name][0]["worst_case"]
        if cfg.get("data") and worst_case:  # the max_length plan beside the data plan: what it used to say
            print(f"{'':<46}worst case (every row at max_length): {(worst_case + runtime) / GiB:.2f} GiB, "
                  f"{(worst_case + runtime) / measured:.2f}x the measured peak")
        cells.append(f"{label}: planned {predicted / GiB:.2f} GiB, measured {measured / GiB:.2f} GiB ({ratio:.2f}x)")
    worst = max(abs(r - 1) for r in ratios)
    verdict = "PASS" if worst <= args.tolerance else "FAIL"
    print(f"\nGiB; measured = median peak RSS of {args.repeats} runs; worst gap {worst:.1%} "
          f"(target within {args.tolerance:.0%}): {verdict}")
    if not args.no_record:
        record(f"plan_vs_measured --steps {args.steps} x{args.repeats}", "; ".join(cells),
               f"worst gap {worst:.1%} ({verdict} at {args.tolerance:.0%})")


if __name__ == "__main__":
    main()
