"""Multi-task mixtures: how many training examples each task gets, and each task's share of the tokens."""

from __future__ import annotations

from ftcore.config import TaskConfig
from ftcore.data import read_examples, tokenize_all


def mixture_counts(tasks: dict[str, tuple[int, float]]) -> dict[str, int]:
    """Training examples per task: the total row count split by weight (each task keeps at least one)."""
    total = sum(rows for rows, _ in tasks.values())
    weights = sum(w for _, w in tasks.values())
    return {name: max(1, round(total * w / weights)) for name, (rows, w) in tasks.items()}


def sample_to(examples: list, count: int, seed: int) -> list:
    """`count` examples: whole copies of the list, then a seeded sample of the rest (no row twice in it)."""
    import random

    rng = random.Random(seed)
    copies, rest = divmod(count, len(examples))
    return examples * copies + rng.sample(examples, rest)


def mixture_share(tasks: list[TaskConfig], tokenizer, max_length: int) -> list[dict]:
    """Per task: rows, examples after weighting, mean tokens per example and share of the training tokens."""
    read = {t.name: read_examples(t.train, t.format, t.template, t.columns) for t in tasks}
    counts = mixture_counts({t.name: (len(read[t.name]), t.weight) for t in tasks})
    rows = []
    for task in tasks:
        tokens = tokenize_all(read[task.name], tokenizer, max_length)
        mean = tokens.tokens / max(len(tokens.rows), 1)
        rows.append({"task": task.name, "weight": task.weight, "rows": len(read[task.name]),
                     "examples": counts[task.name], "mean_tokens": round(mean, 1), "tokens": round(mean * counts[task.name])})
    total = sum(r["tokens"] for r in rows) or 1
    for r in rows:
        r["token_share"] = round(100 * r["tokens"] / total, 1)
    return rows
