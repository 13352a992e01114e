"""Split examples into train and validation, deterministically for a seed.

Stratified by label when every row has one. Augmented rows never enter validation; copies of a row that did are
dropped, because training on them would leak that validation row.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from ftcore.data.read import Example
from ftcore.errors import UserError

MAX_VAL_RATIO = 0.9


@dataclass(frozen=True)
class SplitResult:
    """Train and validation rows (each in input order) and how many augmented rows were dropped."""

    train: list[Example]
    val: list[Example]
    dropped_augmented: int = 0
    """Augmented copies of validation rows, left out of both sides to avoid leakage."""


def split_examples(examples: list[Example], val_ratio: float, seed: int = 42,
                   stratify: bool | None = None) -> SplitResult:
    """Hold out about `val_ratio` of the original rows; stratify=None stratifies when every row has a label."""
    if not 0 < val_ratio <= MAX_VAL_RATIO:
        raise UserError("split.bad_ratio", ratio=val_ratio, limit=MAX_VAL_RATIO)
    originals = [i for i, example in enumerate(examples) if "augmented_from" not in example.meta]
    if len(originals) < 2:
        raise UserError("split.too_few", n=len(originals))
    labelled = all("label" in examples[i].meta for i in originals)
    by_label = labelled if stratify is None else stratify
    if by_label and not labelled:
        raise UserError("split.unlabelled")
    groups: dict[object, list[int]] = {}
    for i in originals:
        groups.setdefault(examples[i].meta["label"] if by_label else None, []).append(i)
    n_val = min(len(originals) - 1, max(1, round(len(originals) * val_ratio)))
    counts = _allocate([len(members) for members in groups.values()], n_val)
    if not sum(counts):
        raise UserError("split.single_rows")
    rng = random.Random(seed)
    held_out: set[int] = set()
    for members, count in zip(groups.values(), counts, strict=True):
        shuffled = list(members)
        rng.shuffle(shuffled)
        held_out.update(shuffled[:count])
    return _assemble(examples, held_out)


def _allocate(sizes: list[int], total: int) -> list[int]:
    """Largest-remainder share of `total` validation rows per group, each group keeping at least one train row."""
    whole = sum(sizes)
    quotas = [size * total / whole for size in sizes]
    counts = [math.floor(q) for q in quotas]  # below size - 1 already, since total < sum(sizes)
    order = sorted(range(len(sizes)), key=lambda i: (math.floor(quotas[i]) - quotas[i], i))
    remaining = total - sum(counts)
    while remaining > 0:
        progressed = False
        for i in order:
            if remaining and counts[i] < sizes[i] - 1:
                counts[i] += 1
                remaining -= 1
                progressed = True
        if not progressed:
            break
    return counts


def _assemble(examples: list[Example], held_out: set[int]) -> SplitResult:
    val_lines = {examples[i].line for i in held_out}
    train, val, dropped = [], [], 0
    for i, example in enumerate(examples):
        if i in held_out:
            val.append(example)
        elif example.meta.get("augmented_from", object()) in val_lines:
            dropped += 1
        else:
            train.append(example)
    return SplitResult(train, val, dropped)


__all__ = ["MAX_VAL_RATIO", "SplitResult", "split_examples"]
