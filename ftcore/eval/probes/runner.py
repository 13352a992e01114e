"""Running suites on a loaded model: batched greedy generation for answers and constraints, perplexity on
reference texts, and the KL divergence of next-token distributions between a base and a tuned model."""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from ftcore.eval.probes.checks import check_reply, match_answer
from ftcore.eval.probes.suites import Suite

MAX_NEW_TOKENS = {"qa": 48, "checks": 160}


class Stopped(Exception):
    """A stop was asked for while suites ran (the report ends between two batches)."""


@dataclass
class SuiteResult:
    suite: str
    kind: str
    score: float  # % correct (qa, checks), perplexity (ppl) or nats (kl)
    n: int
    seconds: float
    items: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def generate(model, tokenizer, prompts: list[str], max_new_tokens: int, batch_size: int = 16, stop=None
             ) -> list[str]:
    """Greedy answers to single-turn chat prompts, in batches (left padding so the prompts end together).
    `stop`: a callable checked before each batch; true raises Stopped."""
    import torch

    side, tokenizer.padding_side = tokenizer.padding_side, "left"
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    replies: list[str] = []
    try:
        # longest prompts first: batches of similar length waste less padding
        order = sorted(range(len(prompts)), key=lambda i: -len(prompts[i]))
        out: dict[int, str] = {}
        for start in range(0, len(order), batch_size):
            if stop is not None and stop():
                raise Stopped
            chunk = order[start:start + batch_size]
            texts = [tokenizer.apply_chat_template([{"role": "user", "content": prompts[i]}], tokenize=False,
                                                   add_generation_prompt=True) for i in chunk]
            enc = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(model.device)
            with torch.inference_mode():
                ids = model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False, pad_token_id=pad)
            for i, row in zip(chunk, ids[:, enc["input_ids"].shape[1]:], strict=True):
                out[i] = tokenizer.decode(row, skip_special_tokens=True).strip()
        replies = [out[i] for i in range(len(prompts))]
    finally:
        tokenizer.padding_side = side
    return replies


def perplexity(model, tokenizer, texts: list[str], batch_size: int = 8, max_length: int = 512) -> float:
    """exp of the mean negative log-likelihood per predicted token over all texts."""
    import torch

    total, count = 0.0, 0
    for start in range(0, len(texts), batch_size):
        enc = tokenizer(texts[start:start + batch_size], return_tensors="pt", padding=True, truncation=True,
                        max_length=max_length).to(model.device)
        labels = enc["input_ids"].masked_fill(enc["attention_mask"] == 0, -100)
        with torch.inference_mode():
            logits = model(**enc).logits[:, :-1].float()
        target = labels[:, 1:]
        nll = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), target.reshape(-1),
                                                ignore_index=-100, reduction="sum")
        total += nll.item()
        count += int((target != -100).sum())
    return math.exp(total / max(count, 1))


def next_token_kl(base, tuned, tokenizer, prompts: list[str]) -> float:
    """Mean KL(base || tuned) of the next-token distribution at the end of each chat prompt, in nats."""
    import torch

    values = []
    for prompt in prompts:
        text = tokenizer.apply_chat_template([{"role": "user", "content": prompt}], tokenize=False,
                                             add_generation_prompt=True)
        enc = tokenizer(text, return_tensors="pt", add_special_tokens=False)
        with torch.inference_mode():  # the two models may sit on different devices
            p = torch.log_softmax(base(**enc.to(base.device)).logits[0, -1].float(), -1)
            q = torch.log_softmax(tuned(**enc.to(tuned.device)).logits[0, -1].float(), -1).to(p.device)
        values.append(float(torch.sum(p.exp() * (p - q))))
    return sum(values) / max(len(values), 1)


def run_suite(model, tokenizer, suite: Suite, *, base=None, batch_size: int = 16,
              max_new_tokens: int | None = None, stop=None) -> SuiteResult:
    """Score one suite. `base` (a model sharing the tokenizer) is needed for the kl kind only."""
    began = time.perf_counter()
    items: list[dict[str, Any]] = []
    if suite.kind in ("qa", "checks"):
        prompts = [item["question" if suite.kind == "qa" else "prompt"] for item in suite.items]
        replies = generate(model, tokenizer, prompts, max_new_tokens or MAX_NEW_TOKENS[suite.kind], batch_size,
                           stop)
        for item, prompt, reply in zip(suite.items, prompts, replies, strict=True):
            if suite.kind == "qa":
                ok = match_answer(reply, item["answer"], item.get("match", "contains"))
            else:
                ok = all(check_reply(reply, check) for check in item["checks"])
            items.append({"prompt": prompt, "reply": reply, "ok": ok})
        score = 100.0 * sum(i["ok"] for i in items) / max(len(items), 1)
    elif suite.kind == "ppl":
        score = perplexity(model, tokenizer, [item["text"] for item in suite.items])
    else:
        if base is None:
            raise ValueError("the kl suite compares two models: pass base=")
        score = next_token_kl(base, model, tokenizer, [item["prompt"] for item in suite.items])
    return SuiteResult(suite.name, suite.kind, round(score, 4), len(suite.items),
                       round(time.perf_counter() - began, 2), items)
