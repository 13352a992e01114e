"""One-command check of the engine's full fine-tuning path on a GPU machine (H100/H200, one GPU).

0. The practical ceiling: TFLOP/s of one 8192^3 bf16 matrix product on this device. Every MFU is given against
   the dense bf16 peak (the datasheet's, --peak-tflops) and against this measured ceiling.
1. bf16 full fine-tuning of a ~1.1B Llama built from a config (random weights) in a loop written as the engine
   trains: fp32 weights under bf16 autocast, padding-free packing (one packed row of batch_size documents of
   max_length tokens per step), fused AdamW, grad clipping at 1.0. Median tokens/s and MFU over --steps steps
   after --warmup; target MFU >= 50% of the dense peak.
2. The same with torch.compile (decoder layers, or the whole model), Liger kernels (if the wheel was carried), both,
   and flex attention. Each variant also checks that packed documents stay apart (not with --compile-mode full).
3. The planner (ftcore.plan.memory, loaded without ftcore's __init__) against torch.cuda.max_memory_allocated of run 1.
4. Whether one step of an 8B Llama (Llama-3-8B shape) with the low-memory preset fits an 80 GB card, the
   allocator capped to --fit-gib: the preset as the engine runs it (fp32 weights, autocast, checkpointing, batch
   1 x 2048, 2 accumulated micro-batches), with adafactor when bitsandbytes is absent, and with bf16 weights.
5. The product (bench/_product.py): `python -m ftcore train` itself on a random-weight Llama and a tokenizer built
   offline, barista chats, packing, precision auto, probes, in a temporary FTCORE_HOME: with the default AdamW
   (probes general_en,arithmetic and the domain metric), then adafactor stepped in backward (the low-memory
   mode; no probes unless --product-probes all). From the run folder: time to first step and each phase,
   training tokens/s and MFU, the attention the engine chose, the planner against max_memory_allocated
   (plan.json), the report's seconds; then one reply streamed from the final model (ModelCache + stream_chat):
   time to first token and tokens/s.
6. varlen (bench/_varlen.py): one packed row of documents of varied lengths through the engine's per-document
   attention (ftcore.train.packed_attention: torch varlen_attn on CUDA), transformers' sdpa with the block-diagonal
   mask, and each document on its own: same loss and gradients within a stated tolerance, then tokens/s of each.

Each section reports its own failure and the rest go on; a summary block and one dated bench/RESULTS.md row end
the run. Order: 0, 1, 3, 5, 6, 4, 2 (compile times are the least predictable), inside --budget-s: a section that
needs more than is left is skipped ("budget: ..."). With --json the JSON of every number is rewritten after each
section, and on SIGTERM (a timeout) what was measured is written, summarised and recorded before the exit.

Section 5 needs the engine's packages (transformers>=5.24,<6, accelerate, datasets, evaluate, pyyaml,
safetensors, huggingface_hub, filelock, tokenizers, tqdm and what they need); the header says in one line what
this machine lacks, and the section skips. A GPU image without network gets them as wheels in bench/wheels
(gpu_check.sh installs those), fetched here with the device's platform flags: `python bench/_product.py` prints
that pip command (the names and versions are _product.WHEELS; README.md, Benchmarks, says more).

    bash bench/gpu_check.sh [--budget-s 360] [--sections 1,5,6] [--steps 10]   (GPU machine)
    .venv/bin/python bench/gpu_check.py --smoke            (CPU, tiny shapes, every section, nothing recorded)
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import signal
import statistics
import sys
import time
import traceback
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from _gpu import (  # noqa: E402
    BLOCKED,
    GiB,
    build,
    cap_memory,
    compile_model,
    deadline,
    liger_missing,
    llama_config,
    load_planner,
    low_memory_preset,
    matmul_ceiling,
    mfu,
    mfu_text,
    packed_batch,
    packing_check,
    peak_tflops,
    planner_import_isolated,
    random_docs,
    step_flops,
    train_steps,
)
from _product import CARRY, VARIANTS, Product, needs_line, problems  # noqa: E402
from _product import SMOKE as PRODUCT_SMOKE  # noqa: E402
from _product import add_arguments as add_product_arguments  # noqa: E402
from _results import RESULTS, record  # noqa: E402
from _summary import summary  # noqa: E402
from _varlen import run as varlen_run  # noqa: E402

SHAPE_1B = "2048,16,32,8,8192,32000"  # hidden, layers, heads, kv heads, intermediate, vocab: 1.104B, untied
SHAPE_8B = "4096,32,32,8,14336,128256"  # Llama-3-8B: 8.030B
VARIANTS_2 = ("compile", "flex", "liger", "liger+compile")
SMOKE = {"shape": "64,2,4,2,128,256", "big_shape": "128,2,4,2,256,512", "batch_size": 2, "max_length": 32,
         "big_length": 32, "steps": 2, "warmup": 1, "compile_backend": "aot_eager",
         "variants": "compile,liger,liger+compile", **PRODUCT_SMOKE}  # flex on the CPU takes minutes


class Terminated(BaseException):
    """SIGTERM: not an Exception, so no section records it as its own failure."""


class Check:
    def __init__(self, args, device: torch.device):
        self.args, self.device, self.start = args, device, time.perf_counter()
        self.results: dict[str, dict] = {}
        self.peak, self.peak_source = peak_tflops(args.peak_tflops, device)
        self.ceiling: float | None = None  # measured by section 0
        self.current: str | None = None  # the section running now (a SIGTERM marks it interrupted)
        self.current_start = self.start
        self.state = "running"

    def save(self) -> None:
        """The JSON of everything so far (--json), replaced whole so that a kill mid-write keeps the last one."""
        if not self.args.json:
            return
        payload = {"state": self.state, "elapsed_s": round(time.perf_counter() - self.start, 1),
                   "peak": {"tflops": self.peak, "source": self.peak_source}, "ceiling_tflops": self.ceiling,
                   "args": {k: sorted(v) if isinstance(v, set) else v for k, v in vars(self.args).items()},
                   "results": self.results}
        path = Path(self.args.json)
        partial = path.with_name(path.name + ".partial")
        partial.write_text(json.dumps(payload, indent=2, default=str), encoding="utf-8")
        os.replace(partial, path)

    def left(self) -> float:
        return self.args.budget_s - (time.perf_counter() - self.start)

    def run(self, key: str, title: str, fn, need_s: float | None = 0.0) -> dict:
        """Run one section under the remaining budget (need_s None: run it anyway, it is arithmetic); a failure
        is printed and recorded, never raised."""
        t0, left = time.perf_counter(), self.left()
        print(f"\n== {title}  [{t0 - self.start:.0f} s in, {left:.0f} s of budget left]", flush=True)
        self.current, self.current_start = key, t0
        if need_s is not None and left < (0 if self.args.smoke else need_s):
            result = {"status": "skipped", "error": f"budget: {left:.0f} s left, this needs ~{need_s:.0f} s"}
        else:
            try:
                with deadline(left):
                    result = {"status": "ok", **fn()}
            except Exception as exc:  # one section's failure must not stop the others
                print("\n".join(traceback.format_exc().splitlines()[-8:]))
                result = {"status": "failed", "error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}"}
        torch.compiler.reset()  # compiled graphs keep their own buffers alive
        gc.collect()
        if self.device.type == "cuda":
            torch.cuda.empty_cache()
        result["seconds"] = round(time.perf_counter() - t0, 1)
        note = f": {result['error']}" if "error" in result else ""
        print(f"-- {title}: {result['status']}{note} ({result['seconds']:.1f} s)", flush=True)
        self.results[key], self.current = result, None
        self.save()
        return result

    def skip(self, key: str, title: str, why: str) -> None:
        print(f"\n== {title}\nskipped: {why}")
        self.results[key] = {"status": "skipped", "error": why}
        self.save()

    def ceiling_check(self) -> dict:
        out = matmul_ceiling(self.device, self.args.ceiling_n or None)
        self.ceiling = out["tflops"]
        peak = f"; dense peak {self.peak:g} ({out['tflops'] / self.peak:.1%} of it)" if self.peak else ""
        print(f"{out['n']}^3 {out['dtype']} matrix product: {out['tflops']:.4g} TFLOP/s, mean of {out['repeats']} "
              f"after warm-ups{peak}")
        return out

    def memory(self) -> int | None:
        return torch.cuda.max_memory_allocated() if self.device.type == "cuda" else None

    def variant(self, name: str) -> dict:
        a, device = self.args, self.device
        config = llama_config(a.shape, a.max_length)
        if self.device.type == "cuda":
            torch.cuda.reset_peak_memory_stats()
        model = build(config, device, torch.float32, "flex_attention" if name == "flex" else a.attn)
        if "liger" in name:
            from liger_kernel.transformers import apply_liger_kernel_to_llama

            apply_liger_kernel_to_llama(model=model)
        graphs = torch._dynamo.utils.counters["stats"]["unique_graphs"]
        if "compile" in name:
            compile_model(model, a)
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5, weight_decay=0.0, fused=True)
        docs = random_docs(a.batch_size, a.max_length, config.vocab_size)
        batch = packed_batch(docs, device)
        warm, _ = train_steps(model, optimizer, batch, a.warmup, device, mixed=True)
        times, losses = train_steps(model, optimizer, batch, a.steps, device, mixed=True)
        step_s, flops = statistics.median(times), step_flops(model, config, docs)
        out = {"params": sum(p.numel() for p in model.parameters()), "tokens_per_step": len(docs) * a.max_length,
               "step_s": step_s, "tokens_per_s": len(docs) * a.max_length / step_s, "tflops": flops / step_s / 1e12,
               "warmup_s": sum(warm), "loss": [round(losses[0], 3), round(losses[-1], 3)], "peak_bytes": self.memory()}
        out.update(mfu(out["tflops"], self.peak, self.ceiling))
        out["graphs"] = torch._dynamo.utils.counters["stats"]["unique_graphs"] - graphs  # recompiles show here
        full = "compile" in name and a.compile_mode == "full"  # a new forward signature would recompile
        out["packing_rel_change"] = (None if full else
                                     packing_check(model, batch, a.max_length, config.vocab_size, device))
        peak = f", peak {out['peak_bytes'] / GiB:.2f} GiB" if out["peak_bytes"] else ""
        rel = out["packing_rel_change"]
        apart = ("not checked (full compile)" if rel is None else
                 f"{'apart' if rel < 1e-2 else 'MIXED'} (last document moves by {rel:.1e} when the first changes)")
        print(f"{name}: {out['params'] / 1e6:,.1f}M params, {out['tokens_per_step']} tokens/step, median step "
              f"{step_s * 1e3:.1f} ms over {a.steps} -> {out['tokens_per_s']:,.0f} tok/s, {out['tflops']:.1f} TFLOP/s"
              f"{mfu_text(out)}{peak}; warm-up {out['warmup_s']:.1f} s ({out['graphs']} graphs compiled); "
              f"loss {out['loss'][0]} -> {out['loss'][1]}; packed documents {apart}")
        return out

    def planner(self) -> dict:
        a, plan = self.args, load_planner()
        config = llama_config(a.shape, a.max_length)
        memory = torch.cuda.get_device_properties(0).total_memory / GiB if self.device.type == "cuda" else None
        # as ftcore.plan.advice.plan_input builds it for this run: bf16 = autocast, fused AdamW, one process
        p = plan.plan_from_config(config, batch_size=a.batch_size, grad_accum=1, max_length=a.max_length,
                                  precision="bf16", optimizer="adamw_torch_fused", gradient_checkpointing=False,
                                  device_memory_gb=memory, nproc=1, strategy="ddp", offload="none")
        est = plan.estimate(p)
        print(plan.format_plan(est))
        measured = (self.results.get("1") or {}).get("peak_bytes")
        out = {"planned_bytes": est.total, "measured_bytes": measured, "planned_gib": round(est.total / GiB, 2)}
        if measured:
            out["ratio"] = est.total / measured
            out["ratio_without_context"] = (est.total - plan.CUDA_OVERHEAD) / measured
            print(f"planned {est.total / GiB:.2f} GiB vs measured max_memory_allocated {measured / GiB:.2f} GiB: "
                  f"{out['ratio']:.3f}x ({out['ratio_without_context']:.3f}x without the planner's 0.5 GiB CUDA "
                  f"context, which max_memory_allocated does not see); target within 10-15%")
        else:
            print("measured: n/a (no CUDA peak from section 1)")
        return out

    def big(self, mode: str) -> dict:
        a, device, plan = self.args, self.device, load_planner()
        preset = low_memory_preset()
        config = llama_config(a.big_shape, a.big_length)
        optim, in_backward = preset["optimizer"], preset["optimizer_in_backward"]
        if optim == "adamw_8bit":
            try:
                import bitsandbytes as bnb
            except ImportError:
                optim = "adafactor"  # no bitsandbytes on the GPU image: the engine's other low-state optimizer
        micro = 1 if in_backward else a.big_micro  # a step in backward accumulates nothing
        fp32 = mode == "engine"
        cap = cap_memory(a.fit_gib) if device.type == "cuda" else "no cap (CPU)"
        knobs = dict(batch_size=preset["batch_size"], grad_accum=micro, max_length=a.big_length,
                     optimizer_in_backward=in_backward,
                     precision="bf16", gradient_checkpointing=preset["gradient_checkpointing"],
                     device_memory_gb=a.fit_gib, nproc=1, strategy="ddp", offload="none")
        planned = {name: plan.estimate(plan.plan_from_config(config, optimizer=name, **knobs))
                   for name in dict.fromkeys((optim, preset["optimizer"]))}
        out = {"mode": mode, "optimizer": optim, "cap": cap, "fits": None, "peak_bytes": None,
               "planned_gib": {k: round(v.total / GiB, 2) for k, v in planned.items()} if fp32 else None}
        weights = "fp32 weights + bf16 autocast (the engine on one GPU)" if fp32 else "bf16 weights, no autocast"
        stepping = "stepped in backward" if in_backward else f"{micro} micro-batches accumulated"
        print(f"{mode}: {weights}, {optim} {stepping}, checkpointing {preset['gradient_checkpointing']}, "
              f"{preset['batch_size']} x {a.big_length} tokens; {cap}")
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats()
        try:
            model = build(config, device, torch.float32 if fp32 else torch.bfloat16)
            if preset["gradient_checkpointing"]:
                enable = getattr(model, "activation_checkpointing_enable", None) or model.gradient_checkpointing_enable
                enable()
            from transformers.optimization import Adafactor

            cls, kwargs = ((bnb.optim.AdamW8bit, {"lr": 1e-5}) if optim == "adamw_8bit" else
                           (Adafactor, {"lr": 1e-5, "scale_parameter": False, "relative_step": False}))
            if in_backward:  # the engine's wrapper (ftcore/optim_backward.py needs only torch)
                wrapper = importlib.import_module("ftcore.train.optim_backward").OptimizerInBackward
                optimizer = wrapper(list(model.named_parameters()), cls, kwargs, 0.0, set())
            else:
                optimizer = cls(model.parameters(), **kwargs)
            batch = packed_batch(random_docs(preset["batch_size"], a.big_length, config.vocab_size), device)
            times, losses = train_steps(model, optimizer, batch, a.big_steps, device, mixed=fp32, micro=micro)
            out.update(fits=True, step_s=[round(t, 2) for t in times], loss=round(losses[-1], 3))
        except torch.cuda.OutOfMemoryError as exc:
            out.update(fits=False, error=str(exc).splitlines()[0][:200])
        finally:
            out["peak_bytes"] = self.memory()
            if device.type == "cuda":
                torch.cuda.set_per_process_memory_fraction(1.0)
        peak = f"peak {out['peak_bytes'] / GiB:.2f} GiB" if out["peak_bytes"] else "peak n/a on CPU"
        plans = ", ".join(f"{k} {v.total / GiB:.2f} GiB ({'fits' if v.fits else 'does not fit'})"
                          for k, v in planned.items())
        print(f"{mode}: {'fits' if out['fits'] else 'does not fit'}, {peak}"
              + (f"; planner: {plans}" if fp32 else "; planner: not modelled (the engine keeps fp32 weights here)")
              + (f"; {out['error']}" if out.get("error") else ""))
        return out


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="CPU, tiny shapes, every code path; records nothing.")
    parser.add_argument("--no-record", action="store_true", help="Do not append to bench/RESULTS.md.")
    parser.add_argument("--json", help="Also write every number to this JSON file.")
    parser.add_argument("--budget-s", type=float, default=360.0, help="Skip what is left after this many seconds "
                        "(360: the whole call, start-up and transfers included, fits about 7 minutes).")
    parser.add_argument("--sections", default="1,2,3,4,5,6", help="Which sections to run, e.g. 1,5,6 (the "
                        "ceiling, 0, always runs).")
    parser.add_argument("--shape", default=SHAPE_1B, help="hidden,layers,heads,kv_heads,intermediate,vocab")
    parser.add_argument("--batch-size", type=int, default=8, help="Documents packed into one row per step.")
    parser.add_argument("--max-length", type=int, default=2048, help="Tokens per document.")
    parser.add_argument("--steps", type=int, default=10, help="Timed steps (median) after the warm-up.")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--attn", default="sdpa", help="Attention of sections 1-3 (the engine's default: sdpa).")
    parser.add_argument("--variants", default=",".join(VARIANTS_2), help=f"Section 2, any of {', '.join(VARIANTS_2)}.")
    parser.add_argument("--compile-mode", choices=("regional", "full"), default="regional",
                        help="regional: each decoder layer (compiled once, reused); full: the whole model.")
    parser.add_argument("--compile-backend", default="inductor")
    parser.add_argument("--peak-tflops", type=float, help="Dense bf16 peak for MFU (default: from the device name).")
    parser.add_argument("--ceiling-n", type=int, default=0, help="Size of section 0's square matmul (0: 8192 on "
                        "a GPU, 512 on the CPU).")
    parser.add_argument("--big-shape", default=SHAPE_8B, help="Section 4's model (Llama-3-8B by default).")
    parser.add_argument("--big-length", type=int, default=low_memory_preset()["max_length"])
    parser.add_argument("--big-micro", type=int, default=2, help="Micro-batches accumulated per step (the preset "
                        "accumulates more; the peak is reached from the second on).")
    parser.add_argument("--big-steps", type=int, default=1)
    parser.add_argument("--big-modes", default="engine,bf16",
                        help="engine: fp32 weights + autocast (as the engine trains); bf16: bf16 weights.")
    parser.add_argument("--fit-gib", type=float, default=79.19, help="Card to emulate, in GiB as torch counts: an "
                        "H100 80GB HBM3 reports total_memory=81089MB.")
    add_product_arguments(parser)
    args = parser.parse_args(argv)
    if args.smoke:
        parser.set_defaults(**SMOKE)
        args = parser.parse_args(argv)
    args.variants = [v for v in args.variants.split(",") if v]
    args.big_modes = [m for m in args.big_modes.split(",") if m]
    args.sections = set(args.sections.split(","))
    args.product_variants = [v for v in args.product_variants.split(",") if v]
    unknown = set(args.variants) - set(VARIANTS_2)
    if unknown:
        parser.error(f"unknown variants {sorted(unknown)}: use {', '.join(VARIANTS_2)}")
    unknown = set(args.product_variants) - set(VARIANTS)
    if unknown:
        parser.error(f"unknown product variants {sorted(unknown)}: use {', '.join(VARIANTS)}")
    return args


def sections(check: Check, product: Product | None) -> None:
    """Every section asked for, in the order of the docstring (the ceiling first: every MFU uses it)."""
    args = check.args
    check.run("ceiling", "0. practical ceiling: one large matrix product", check.ceiling_check, 5)
    if product is not None:
        product.ceiling = check.ceiling
    if args.smoke:
        check.run("import", f"planner import with {', '.join(BLOCKED)} blocked", planner_import_isolated)
    if "1" in args.sections:
        check.run("1", "1. bf16 full fine-tuning, packed, fused AdamW (eager)", lambda: check.variant("eager"), 30)
    if "3" in args.sections:
        check.run("3", "3. planner vs measured (run 1)", check.planner, None)
    if product is not None:
        needs = check.results["5:needs"]
        for i, name in enumerate(args.product_variants):
            title = f"5. the product: python -m ftcore train ({name})"
            probes = args.product_probes == "all" or i == 0
            if needs["status"] != "ok":
                check.skip(f"5:{name}", title, "needs: " + "; ".join(needs["problems"]))
            else:
                check.run(f"5:{name}", title, lambda n=name, pr=probes: product.variant(n, pr), 90 if probes else 45)
        if product.runs:
            check.run("5:chat", "5. the product: one streamed reply (ModelCache + stream_chat)", product.chat, 20)
        else:
            check.skip("5:chat", "5. the product: one streamed reply", "no finished product run")
    if "6" in args.sections:
        check.run("6", "6. varlen: engine per-document attention vs sdpa mask vs separate documents",
                  lambda: varlen_run(args, check.device, check.peak, check.ceiling), 45)
    if "4" in args.sections:
        for mode in args.big_modes:
            check.run(f"4:{mode}", f"4. one low-memory step of {args.big_shape} ({mode})",
                      lambda mode=mode: check.big(mode), 45)
    if "2" in args.sections:
        missing = liger_missing()
        # Liger patches transformers' Llama module for every model built after it: its variants go last
        for variant in sorted(args.variants, key=lambda v: "liger" in v):
            if "liger" in variant and missing:
                check.skip(f"2:{variant}", f"2. {variant}", f"liger {missing}")
                continue
            need = 90 if variant in ("compile", "liger+compile", "flex") else 30
            check.run(f"2:{variant}", f"2. {variant}", lambda v=variant: check.variant(v), need)


def main() -> None:
    args = parse_args()
    cuda = torch.cuda.is_available() and not args.smoke
    if not cuda and not args.smoke:
        raise SystemExit("gpu_check: no CUDA device here; run it on the GPU machine, or with --smoke on the CPU.")
    found = problems() if "5" in args.sections else []  # before anything imports transformers here
    try:
        import transformers
    except Exception as exc:  # a carried transformers without what it needs, say
        if found:
            print(needs_line(found))
        raise SystemExit(f"gpu_check: transformers does not import here ({type(exc).__name__}: "
                         f"{str(exc).splitlines()[0][:300]}); {CARRY}") from None

    device = torch.device("cuda" if cuda else "cpu")
    check = Check(args, device)
    name = torch.cuda.get_device_name(0) if cuda else "CPU (smoke)"
    total = f", {torch.cuda.get_device_properties(0).total_memory / GiB:.1f} GiB" if cuda else ""
    print(f"gpu_check on {name}{total}; torch {torch.__version__}, transformers {transformers.__version__}; "
          f"budget {args.budget_s:.0f} s; order 0, 1, 3, 5, 6, 4, 2")
    print(f"MFU peak: {check.peak or 'n/a'} TFLOP/s ({check.peak_source}), and the ceiling measured in 0; model "
          f"{args.shape} (hidden,layers,heads,kv,intermediate,vocab), {args.batch_size} docs x {args.max_length} "
          f"tokens packed per step, attention {args.attn}")
    if args.attn == "sdpa" and args.batch_size > 1:
        tokens = args.batch_size * args.max_length
        print(f"note: sdpa with a packed-document mask has no flash kernel and computes the full {tokens}x{tokens} "
              f"scores: {2 * args.batch_size:g}x the causal per-document attention that MFU counts")
    product = None
    if "5" in args.sections:
        print(needs_line(found))
        check.results["5:needs"] = {"status": "missing" if found else "ok", "problems": found}
        product = Product(args, device, check.peak, None)

    def on_term(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # one is enough; the cleanup must not be cut short
        if check.current:
            check.results[check.current] = {"status": "interrupted", "error": "SIGTERM",
                                            "seconds": round(time.perf_counter() - check.current_start, 1)}
        check.state = "interrupted"
        check.save()  # first: whatever follows may be cut short by a SIGKILL
        if product is not None:
            product.stop()
        raise Terminated()

    signal.signal(signal.SIGTERM, on_term)
    try:
        sections(check, product)
        check.state = "done"
    except Terminated:
        print(f"\n-- SIGTERM after {time.perf_counter() - check.start:.0f} s: stopped; what was measured is kept")
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # the summary and the row take a moment: let them be
        if product is not None:
            product.cleanup()
    finish(check, name)
    if check.state == "interrupted":
        sys.exit(143)


def finish(check: Check, name: str) -> None:
    """The summary, the JSON and the RESULTS.md row (also after a SIGTERM: what was measured stands)."""
    args = check.args
    lines, numbers, ratio = summary(check)
    elapsed = time.perf_counter() - check.start
    print(f"\n===== summary: {name}, {elapsed:.0f} s of {args.budget_s:.0f} s budget"
          + (" (interrupted by SIGTERM)" if check.state == "interrupted" else ""))
    print("\n".join(lines) or "nothing measured")
    check.save()
    if args.smoke or args.no_record:
        print("(not recorded: --smoke / --no-record)")
        return
    stopped = f", SIGTERM after {elapsed:.0f} s" if check.state == "interrupted" else ""
    record(f"gpu_check {args.shape} {args.batch_size}x{args.max_length} --steps {args.steps} "
           f"{args.compile_mode} compile; product {args.product_shape} b{args.product_batch} "
           f"x{args.product_steps}{stopped}", numbers, ratio)
    print("RESULTS.md row: " + RESULTS.read_text(encoding="utf-8").splitlines()[-1])


if __name__ == "__main__":
    main()
