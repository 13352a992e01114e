"""Bytes per parameter of full fine-tuning's training state (weights + gradients + optimizer states) for every
optimizer the engine offers, measured against the planner; and the low-memory mode (adafactor stepped in the
backward pass, train.optimizer_in_backward) against its target of at most 6 bytes per parameter.

Each variant runs in its own process: the engine's Trainer (ftcore.train.engine, with the TrainingArguments that
ftcore.train.trainer builds) trains the embedded model for 2 steps on the barista demo. Measured in that process:
- weights: bytes of the model's parameters (a tied tensor once);
- gradients: the most gradient bytes alive at one time in backward (a hook on every weight, registered before the
  optimizer's own hooks, sums the gradients that exist when each one completes);
- optimizer states: bytes of every tensor the optimizer holds after a step (tensors shared by weights once);
- process check: on a GPU torch.cuda.memory_allocated after the step; on the CPU the resident memory after the step
  (freed blocks handed back with malloc_trim) less the resident memory before the model loaded, per parameter:
  weights + states at rest plus the run's Python objects, so a little above weights + states.
Planned: ftcore.plan.memory's weights + gradients + optimizer states for the same model and knobs. The tensor counts are
exact; the process check varies a little, hence --repeats (medians).

    .venv/bin/python bench/memory.py [--repeats 3] [--only adamw_torch_fused,adafactor+bwd]
"""

from __future__ import annotations

import argparse
import ctypes
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _results import record  # noqa: E402

from ftcore.config import OPTIMIZERS  # noqa: E402

MODEL = "smollm2-135m-instruct"
LOW_MEMORY = "adafactor+bwd"  # the low-memory mode: what ftcore/config/presets/low-memory.yaml sets
VARIANTS = [*OPTIMIZERS, LOW_MEMORY, "adamw_torch_fused+bwd", "adamw_8bit+bwd"]
TARGET = {"ratio": 0.10, "low_memory_bytes": 6.0}


def rss() -> int:
    return int(Path("/proc/self/status").read_text().split("VmRSS:")[1].split()[0]) * 1024


def trimmed_rss() -> int:
    import gc

    gc.collect()
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    return rss()


def tensor_bytes(obj, seen: set) -> int:
    """Bytes of the tensors in an optimizer state (dicts, lists, and the objects GaLore keeps its projector in)."""
    import torch

    if torch.is_tensor(obj):
        key = (obj.untyped_storage().data_ptr(), obj.device)
        if key in seen or obj.numel() == 0:
            return 0
        seen.add(key)
        return obj.untyped_storage().nbytes()
    if isinstance(obj, dict):
        return sum(tensor_bytes(v, seen) for v in obj.values())
    if isinstance(obj, (list, tuple)):
        return sum(tensor_bytes(v, seen) for v in obj)
    if hasattr(obj, "__dict__") and not isinstance(obj, type):
        return sum(tensor_bytes(v, seen) for v in vars(obj).values())
    return 0


def one(variant: str, args) -> dict:
    """Train 2 steps with one optimizer in this process; the measurements as a dict."""
    import torch
    from datasets import Dataset
    from transformers import TrainerCallback

    from ftcore import DEMOS, Settings, ensure_embedded, read_examples
    from ftcore.config import RunConfig
    from ftcore.data import tokenize_all
    from ftcore.models import load
    from ftcore.plan.advice import plan_input
    from ftcore.plan.memory import estimate
    from ftcore.train.arguments import collator, training_arguments
    from ftcore.train.engine import trainer_class

    name, bwd = variant.removesuffix("+bwd"), variant.endswith("+bwd")
    settings = Settings.from_env().ensure()
    ensure_embedded(MODEL, settings)
    cuda = torch.cuda.is_available()
    base = torch.cuda.memory_allocated() if cuda else trimmed_rss()
    model, tokenizer = load(MODEL, settings)
    model.config.use_cache = False
    if cuda:
        model.cuda()
    config = RunConfig.from_dict({
        "model": {"ref": MODEL}, "data": {"train": str(DEMOS["barista"].path), "max_length": args.max_length},
        "train": {"optimizer": name, "optimizer_in_backward": bwd, "max_steps": 2, "batch_size": args.batch_size,
                  "precision": "fp32", "save_steps": 0, "scheduler": "constant", "learning_rate": 1e-5,
                  "weight_decay": 0.01}}).validate()
    params = list({id(p): p for p in model.parameters()}.values())
    weights = sum(p.numel() * p.element_size() for p in params)
    count = sum(p.numel() for p in params)
    peak_grads = [0]

    def live_gradients(_):
        peak_grads[0] = max(peak_grads[0], sum(p.grad.numel() * p.grad.element_size()
                                               for p in params if p.grad is not None))

    for p in params:  # before the Trainer builds the optimizer, so these hooks run first
        p.register_post_accumulate_grad_hook(live_gradients)
    state = {}

    class AfterStep(TrainerCallback):
        def on_optimizer_step(self, targs, tstate, control, optimizer=None, **kwargs):
            opt = getattr(trainer.optimizer, "optimizer", trainer.optimizer)
            inner = getattr(opt, "inner", None)
            parts = list(inner.values()) if inner else [opt]
            seen = {(p.untyped_storage().data_ptr(), p.device) for p in params}  # a weight is not state
            state["bytes"] = sum(tensor_bytes(o.state, seen) for o in parts)

        def on_step_end(self, targs, tstate, control, **kwargs):
            state["process"] = (torch.cuda.memory_allocated() if cuda else trimmed_rss()) - base

    rows = tokenize_all(read_examples(DEMOS["barista"].path, "auto")[: 2 * args.batch_size], tokenizer,
                        args.max_length).rows
    with tempfile.TemporaryDirectory() as tmp:
        trainer = trainer_class()(model=model, args=training_arguments(config, Path(tmp), False, "fp32", model),
                                  train_dataset=Dataset.from_list(rows), data_collator=collator(config, tokenizer),
                                  processing_class=tokenizer, callbacks=[AfterStep()], optimizer_in_backward=bwd)
        trainer.train()
    plan = estimate(plan_input(config, model.config, "fp32", None))
    return {"variant": variant, "params": count, "weights": weights, "gradients": peak_grads[0],
            "optimizer": state["bytes"], "process": state["process"],
            "planned": {"weights": plan.weights, "gradients": plan.gradients, "optimizer": plan.optimizer}}


def run_variant(variant: str, args) -> dict:
    cmd = [sys.executable, __file__, "--one", variant, "--batch-size", str(args.batch_size),
           "--max-length", str(args.max_length)]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode:
        lines = [x for x in out.stderr.strip().splitlines() if x.strip()]
        return {"variant": variant, "error": lines[-1][:160] if lines else f"exit {out.returncode}"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=2)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--only", default="", help=f"Comma-separated subset of {', '.join(VARIANTS)}.")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args)))
        return
    variants = [v for v in args.only.split(",") if v] or VARIANTS
    header = (f"{'variant':24}{'weights':>9}{'grads':>8}{'states':>8}{'total':>8}{'planned':>9}{'ratio':>7}"
              f"{'process':>9}   bytes per parameter")
    print(header)
    cells, worst, totals = [], 0.0, {}
    for variant in variants:
        runs = [run_variant(variant, args) for _ in range(args.repeats)]
        ok = [r for r in runs if "error" not in r]
        if not ok:
            print(f"{variant:24}not measured: {runs[0]['error']}")
            cells.append(f"{variant} n/a ({runs[0]['error'][:80]})")
            continue
        r, n = ok[0], ok[0]["params"]
        measured = (r["weights"] + r["gradients"] + r["optimizer"]) / n
        planned = sum(r["planned"].values()) / n
        process = statistics.median(x["process"] for x in ok) / n
        ratio = planned / measured
        worst, totals[variant] = max(worst, abs(ratio - 1)), measured
        print(f"{variant:24}{r['weights'] / n:9.2f}{r['gradients'] / n:8.2f}{r['optimizer'] / n:8.2f}"
              f"{measured:8.2f}{planned:9.2f}{ratio:7.3f}{process:9.2f}")
        cells.append(f"{variant} {measured:.2f} B/param (planned {planned:.2f}, {ratio:.3f}x; process {process:.2f})")
    verdict = f"worst planner gap {worst:.1%} ({'PASS' if worst <= TARGET['ratio'] else 'FAIL'} at 10%)"
    low = totals.get(LOW_MEMORY)
    if low is not None:
        verdict += (f"; low-memory mode {low:.2f} B/param "
                    f"({'PASS' if low <= TARGET['low_memory_bytes'] else 'FAIL'} at <= 6)")
    print(verdict)
    record(f"memory --batch-size {args.batch_size} --max-length {args.max_length} x{args.repeats} "
           "(SmolLM2-135M, fp32 weights)", "; ".join(cells), verdict)


if __name__ == "__main__":
    main()
