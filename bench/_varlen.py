"""Section 6 of bench/gpu_check.py: packed rows through the engine's per-document attention against the two
other ways to train them.

- engine: ftcore.train.packed_attention as the trainer switches it on (use_packed_attention): on CUDA in bf16,
  torch.nn.attention.varlen.varlen_attn over the whole row (flash-attn's varlen when that package is there);
  on the CPU, causal scaled_dot_product_attention document by document;
- sdpa_mask: transformers' plain sdpa, which masks the packed row with one block-diagonal T x T mask;
- separate: each document run on its own (the reference), its loss weighted by its share of the targets.

The same weights and documents (lengths varied over [max_length/8, max_length]) for all three; the loss and the
gradients of one step must agree with the reference within TOLERANCE (bf16 autocast on CUDA as the engine trains,
fp32 on the CPU), then each trains --steps steps (fused AdamW, clipping at 1.0) for step time, tokens/s and MFU."""

from __future__ import annotations

import inspect
import statistics

import torch
from _gpu import (
    build,
    llama_config,
    loss_and_grads,
    mfu,
    mfu_text,
    packed_batch,
    real_ftcore,
    relative_gap,
    step_flops,
    step_parts,
    varied_docs,
)

MODES = ("engine", "sdpa_mask", "separate")
TOLERANCE = {"bf16": {"loss": 1e-2, "grad": 5e-2}, "fp32": {"loss": 1e-5, "grad": 1e-4}}  # relative


def kernel_of(chosen: str | None, device: torch.device, mixed: bool) -> str:
    from ftcore.train.packed_attention import NAME, varlen_available

    if chosen == "flash_attention_2":
        return "flash-attn varlen (flash_attention_2)"
    if chosen == NAME and mixed and varlen_available(device.type):
        from torch.nn.attention.varlen import varlen_attn

        accepted = set(inspect.signature(varlen_attn).parameters)
        missing = {"window_size", "enable_gqa"} - accepted
        return "torch varlen_attn" + (f" (this torch's varlen_attn lacks {sorted(missing)})" if missing else "")
    if chosen == NAME:
        return "per-document SDPA"
    return f"unchanged ({chosen})"


def run(args, device: torch.device, peak: float | None, ceiling: float | None) -> dict:
    real_ftcore()
    from ftcore.train.packed_attention import use_packed_attention

    mixed = device.type == "cuda"  # the engine: bf16 autocast on a GPU with bf16, fp32 on the CPU
    precision = "bf16" if mixed else "fp32"
    config = llama_config(args.shape, args.max_length)
    model = build(config, device, torch.float32, "sdpa")
    docs = varied_docs(args.batch_size * args.max_length, args.max_length, config.vocab_size)
    tokens = sum(len(d) for d in docs)
    targets = sum(len(d) - 1 for d in docs)
    chosen = use_packed_attention(model, device.type, precision)  # what ftcore.train.trainer does for packed rows
    parts = {"engine": (chosen, [(packed_batch(docs, device, boundaries=True), 1.0)]),
             "sdpa_mask": ("sdpa", [(packed_batch(docs, device), 1.0)]),
             "separate": ("sdpa", [({"input_ids": torch.tensor([d], device=device),
                                     "labels": torch.tensor([d], device=device)}, (len(d) - 1) / targets)
                                   for d in docs])}
    out = {"precision": precision, "attention": chosen, "kernel": kernel_of(chosen, device, mixed),
           "documents": len(docs), "tokens": tokens, "tolerance": TOLERANCE[precision], "modes": {}}
    print(f"{len(docs)} documents, {tokens} tokens in one packed row ({min(map(len, docs))}-{max(map(len, docs))} "
          f"each), {precision}; engine attention: {chosen} -> {out['kernel']}")
    model.set_attn_implementation("sdpa")
    ref_loss, reference = loss_and_grads(model, parts["separate"][1], mixed)
    out["modes"]["separate"] = {"loss": ref_loss}
    for mode in ("engine", "sdpa_mask"):
        impl, batch = parts[mode]
        model.set_attn_implementation(impl)
        loss, grads = loss_and_grads(model, batch, mixed)
        out["modes"][mode] = {"loss": loss, "loss_rel_gap": abs(loss - ref_loss) / abs(ref_loss),
                              "grad_rel_gap": relative_gap(grads, reference)}
        del grads
    del reference
    tol = TOLERANCE[precision]
    out["equal"] = all(out["modes"][m]["loss_rel_gap"] <= tol["loss"] and out["modes"][m]["grad_rel_gap"] <= tol["grad"]
                       for m in ("engine", "sdpa_mask"))
    for mode in ("engine", "sdpa_mask"):
        m = out["modes"][mode]
        print(f"{mode}: loss {m['loss']:.6f} vs separate {ref_loss:.6f} (rel gap {m['loss_rel_gap']:.1e}), "
              f"gradients rel gap {m['grad_rel_gap']:.1e}")
    print(f"same loss and gradients as each document on its own: {'PASS' if out['equal'] else 'FAIL'} "
          f"(tolerance {tol['loss']:g} loss, {tol['grad']:g} gradients, relative, {precision})")

    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5, weight_decay=0.0, fused=True)
    flops = step_flops(model, config, docs)  # useful work: causal attention within each document
    for mode in MODES:
        impl, batch = parts[mode]
        model.set_attn_implementation(impl)
        step_parts(model, optimizer, batch, args.warmup, device, mixed)
        step_s = statistics.median(step_parts(model, optimizer, batch, args.steps, device, mixed))
        m = out["modes"][mode]
        m.update(step_s=step_s, tokens_per_s=tokens / step_s, tflops=flops / step_s / 1e12)
        m.update(mfu(m["tflops"], peak, ceiling))
        print(f"{mode}: median step {step_s * 1e3:.1f} ms over {args.steps} -> {m['tokens_per_s']:,.0f} tok/s, "
              f"{m['tflops']:.1f} TFLOP/s{mfu_text(m)}")
    return out


def lines(result: dict) -> list[str]:
    if result.get("status") != "ok":
        return [f"varlen: {result.get('status')} ({result.get('error', '')})"]
    modes = result["modes"]
    speed = ", ".join(f"{m} {modes[m]['tokens_per_s']:,.0f} tok/s" for m in MODES)
    gaps = ", ".join(f"{m} loss {modes[m]['loss_rel_gap']:.0e}/grad {modes[m]['grad_rel_gap']:.0e}"
                     for m in ("engine", "sdpa_mask"))
    verdict = "PASS" if result["equal"] else "FAIL"
    ratio = modes["engine"]["tokens_per_s"] / modes["sdpa_mask"]["tokens_per_s"]
    return [f"varlen ({result['kernel']}, {result['precision']}): {speed}; engine/sdpa_mask {ratio:.2f}x{mfu_text(modes['engine'])}; "
            f"same loss+grads as separate docs: {verdict} ({gaps})"]
