"""The prompting baseline: the base model with a system prompt and k worked examples drawn from the training
split (never from validation), so a run can show whether fine-tuning beat good prompting on the user's own data."""

from __future__ import annotations

import random

from ftcore.data import Example

SYSTEM = "You are an assistant for this task. Answer in the same style as the examples."


def draw_shots(train: list[Example], k: int, seed: int = 42) -> list[Example]:
    """k training examples with a final assistant answer, drawn with a fixed seed."""
    usable = [e for e in train if e.messages and e.messages[-1]["role"] == "assistant"]
    return random.Random(seed).sample(usable, min(k, len(usable)))


def shots_text(shots: list[Example]) -> str:
    blocks = []
    for i, shot in enumerate(shots, 1):
        question = "\n".join(m["content"] for m in shot.messages[:-1] if m["role"] == "user")
        blocks.append(f"Example {i}\nInput: {question}\nAnswer: {shot.messages[-1]['content']}")
    return "\n\n".join(blocks)


def with_shots(examples: list[Example], shots: list[Example], system: str = SYSTEM) -> list[Example]:
    """The same examples, each behind one system message that holds the instruction, the data's own system
    prompt (if any) and the worked examples; the answer being scored stays the last assistant turn."""
    out = []
    for e in examples:
        own = [m["content"] for m in e.messages if m["role"] == "system"]
        rest = [m for m in e.messages if m["role"] != "system"]
        head = "\n\n".join([system, *own, "Worked examples:", shots_text(shots)])
        out.append(Example([{"role": "system", "content": head}, *rest], e.line, dict(e.meta)))
    return out
