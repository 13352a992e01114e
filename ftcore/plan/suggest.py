"""The nearest configurations that fit when a plan does not: one accepted move at a time (checkpointing, a
smaller batch with accumulation, ZeRO stages, offload, 8-bit or factored optimizer states, stepping in backward)."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

from ftcore.messages import Join, Text
from ftcore.plan.memory import _SHARDING, GiB, PlanInput, estimate


def _move(p: PlanInput, move: str) -> tuple[PlanInput, Text]:
    if move == "checkpointing":
        return replace(p, gradient_checkpointing=True), Text("plan.checkpointing")
    if move == "adamw_8bit":
        return replace(p, optimizer="adamw_8bit"), Text("plan.adamw_8bit")
    if move == "in_backward":
        return replace(p, optimizer="adafactor", optimizer_in_backward=True), Text("plan.in_backward")
    if move in ("zero2", "zero3"):
        return replace(p, strategy=move), Text("plan.zero", stage=move[-1], n=p.nproc)
    strategy = p.strategy if p.strategy != "ddp" else "zero2"
    engine = "FSDP" if strategy == "fsdp" else f"DeepSpeed ZeRO-{strategy[-1]}"
    return replace(p, offload="optimizer", strategy=strategy), Text("plan.offload", engine=engine)


def _halve_batch(p: PlanInput) -> tuple[PlanInput, Text] | None:
    """Halve the batch until it fits, raising grad_accum so that the effective batch stays the same."""
    effective, batch = p.batch_size * p.grad_accum, p.batch_size
    while batch > 1:
        batch //= 2
        q = replace(p, batch_size=batch, grad_accum=math.ceil(effective / batch))
        if estimate(q).fits:
            return q, Text("plan.batch", old=p.batch_size, new=batch, old_accum=p.grad_accum, new_accum=q.grad_accum,
                           effective=batch * q.grad_accum)
    return None


def suggest(p: PlanInput, device_memory_gb: float) -> list[tuple[Text, PlanInput]]:
    """The nearest configurations that fit, least change first: fewest moves, then the cheaper moves
    (checkpointing, smaller batch, 8-bit AdamW, adafactor in backward, ZeRO-2/3, offload). Supersets of a fitting set are left out;
    an empty list means nothing fits."""
    p = replace(p, device_memory_gb=device_memory_gb)
    if estimate(p).fits:
        return [(Text("plan.no_change"), p)]
    adamw = p.optimizer in ("adamw_torch", "adamw_torch_fused")
    single = p.nproc == 1 and p.grad_accum == 1 and p.precision != "fp16" and not p.optimizer_in_backward
    # only moves the config validator accepts: offload needs ZeRO-2/3 and DeepSpeed's own AdamW (so not with
    # FSDP, 8-bit AdamW or adafactor in backward); in backward needs one plain process and no accumulation; the
    # L2 anchor needs whole weights on the device (no ZeRO-3, no offload)
    ladder = [move for move, ok in (
        ("checkpointing", not p.gradient_checkpointing), ("batch", p.batch_size > 1), ("adamw_8bit", adamw),
        ("in_backward", single and p.strategy == "ddp" and p.optimizer != "adalomo"),
        ("zero2", p.nproc > 1 and _SHARDING[p.strategy] < 2),
        ("zero3", p.nproc > 1 and _SHARDING[p.strategy] < 3 and not p.anchor),
        ("offload", p.offload == "none" and p.strategy != "fsdp" and adamw and not p.anchor)) if ok]
    found: list[tuple[set[str], Text, PlanInput]] = []
    for size in range(1, len(ladder) + 1):
        for combo in itertools.combinations(ladder, size):
            exclusive = ({"zero2", "zero3"}, {"batch", "in_backward"}, {"adamw_8bit", "in_backward"},
                         {"adamw_8bit", "offload"}, {"in_backward", "offload"}, {"in_backward", "zero2"},
                         {"in_backward", "zero3"})
            if any(pair <= set(combo) for pair in exclusive) or any(moves <= set(combo) for moves, _, _ in found):
                continue
            q, words = p, []
            for move in combo:
                if move != "batch":
                    q, word = _move(q, move)
                    words.append(word)
            if "batch" in combo:
                halved = _halve_batch(q)
                if halved is None:
                    continue
                q, word = halved
                words.insert(combo.index("batch"), word)
            plan = estimate(q)
            if plan.fits:
                found.append((set(combo), Text("plan.fits_with", moves=Join(words, " + "), total=plan.total / GiB,
                                               capacity=device_memory_gb), q))
    return [(text, q) for _, text, q in found]
