"""Domain evaluation on a labelled file: loss and perplexity on the answer tokens; accuracy and macro-F1 for
classification; exact match, contains and ROUGE-L for answers (computed through `evaluate` with metric modules
shipped in the package, so it works offline)."""

from __future__ import annotations

import math
import time
from importlib import resources

from ftcore.data import tokenize_all
from ftcore.eval.probes.runner import generate

MAX_EXAMPLES = 100


def _metric(name: str):
    import evaluate

    return evaluate.load(str(resources.files("ftcore") / "eval" / "metrics" / name))


def answer_loss(model, tokenizer, examples, max_length: int = 512, batch_size: int = 8) -> float:
    """Mean cross-entropy over the tokens that training would learn (assistant turns)."""
    import torch

    rows = tokenize_all(examples, tokenizer, max_length).rows
    total, count = 0.0, 0
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    for start in range(0, len(rows), batch_size):
        chunk = rows[start:start + batch_size]
        width = max(len(r["input_ids"]) for r in chunk)
        ids = torch.tensor([r["input_ids"] + [pad] * (width - len(r["input_ids"])) for r in chunk])
        labels = torch.tensor([r["labels"] + [-100] * (width - len(r["labels"])) for r in chunk])
        mask = torch.tensor([[1] * len(r["input_ids"]) + [0] * (width - len(r["input_ids"])) for r in chunk])
        with torch.inference_mode():
            logits = model(input_ids=ids.to(model.device), attention_mask=mask.to(model.device)).logits[:, :-1].float()
        target = labels[:, 1:].to(logits.device)
        total += torch.nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), target.reshape(-1),
                                                   ignore_index=-100, reduction="sum").item()
        count += int((target != -100).sum())
    return total / max(count, 1)


def evaluate_domain(model, tokenizer, examples, max_length: int = 512, max_new_tokens: int = 64,
                    generate_answers: bool = True, stop=None) -> dict:
    """Metrics for chat or classification examples (the last assistant turn is the reference)."""
    began = time.perf_counter()
    examples = list(examples)[:MAX_EXAMPLES]
    loss = answer_loss(model, tokenizer, examples, max_length)
    result = {"examples": len(examples), "loss": round(loss, 4), "perplexity": round(math.exp(min(loss, 50)), 3)}
    chats = [e for e in examples if e.meta.get("kind") != "text" and e.messages[-1]["role"] == "assistant"]
    if generate_answers and chats:
        classification = all("label" in e.meta for e in chats)
        prompts = [_prompt(e.messages[:-1]) for e in chats]
        references = [e.messages[-1]["content"].strip() for e in chats]
        budget = max(len(tokenizer(r, add_special_tokens=False)["input_ids"]) for r in references) + 4
        replies = generate(model, tokenizer, prompts, min(max_new_tokens, budget) if classification else
                           max_new_tokens, stop=stop)
        if classification:
            labels = sorted(set(references), key=len, reverse=True)
            predictions = [_label_of(reply, labels) for reply in replies]
            scores = _metric("classification").compute(predictions=predictions, references=references)
        else:
            scores = _metric("text_match").compute(predictions=replies, references=references)
        result.update({k: round(v, 2) for k, v in scores.items()})
        result["samples"] = [{"prompt": p, "reference": r, "reply": y}
                             for p, r, y in list(zip(prompts, references, replies, strict=True))[:5]]
    result["seconds"] = round(time.perf_counter() - began, 2)
    return result


def _prompt(messages: list[dict]) -> str:
    """Single-turn prompts for generation: the user turns joined (system and earlier turns included as text)."""
    return "\n\n".join(m["content"] for m in messages if m["role"] in ("user", "system"))


def _label_of(reply: str, labels: list[str]) -> str:
    """The label a reply names: an exact first line, else the first (longest) label it contains."""
    first = reply.strip().splitlines()[0].strip().strip("。.") if reply.strip() else ""
    if first in labels:
        return first
    for label in labels:
        if label in reply:
            return label
    return first
