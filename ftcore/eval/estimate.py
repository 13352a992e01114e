"""How long an end-of-run report will take, said before it starts: the work it holds (each suite's items, the
tokens they read, the tokens they may write, the domain examples) priced with times measured on this device with
the loaded base model. Generation is priced at its longest (every batch writing max_new_tokens): the estimate is an
upper bound, and readers correct it with the pace once the first suites are done."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from ftcore.eval.probes.runner import MAX_NEW_TOKENS
from ftcore.eval.probes.suites import Suite

BATCH = 16  # generate()'s and run_suite()'s batch size
DECODE_STEPS = 6  # new tokens in the timed generation (a few: the measurement must stay cheap)


@dataclass(frozen=True)
class Speed:
    """Seconds per token read in one forward pass over a batch, and per new token of a whole batch."""

    read_s: float
    write_s: float

    def generation(self, prompt_tokens: list[int], max_new_tokens: int) -> float:
        """Greedy answers to prompts of these lengths in batches of BATCH, each batch writing max_new_tokens."""
        batches = math.ceil(len(prompt_tokens) / BATCH)
        return sum(prompt_tokens) * self.read_s + batches * max_new_tokens * self.write_s


def measure(model, tokenizer, prompts: list[str]) -> Speed:
    """Two greedy generations on one batch of real prompts (after one untimed), one new token and
    1 + DECODE_STEPS: the first times the forward pass over the prompts, the difference the tokens written after
    it."""
    import torch

    side, tokenizer.padding_side = tokenizer.padding_side, "left"
    try:
        texts = [_chat(tokenizer, p) for p in (prompts or ["Hello"])[:BATCH]]
        enc = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(model.device)
    finally:
        tokenizer.padding_side = side
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    seconds = []
    for new in (1, 1, 1 + DECODE_STEPS):  # the first call is not timed: it pays for one-time set-up
        began = time.perf_counter()
        with torch.inference_mode():  # min_new_tokens: no early end, the steps timed are the steps asked for
            model.generate(**enc, max_new_tokens=new, min_new_tokens=new, do_sample=False, pad_token_id=pad)
        seconds.append(time.perf_counter() - began)
    seconds = seconds[1:]
    read = seconds[0] / max(int(enc["attention_mask"].sum()), 1)
    return Speed(read_s=read, write_s=max(seconds[1] - seconds[0], 0.0) / DECODE_STEPS)


def calibration_prompts(suites: list[Suite], examples: dict[str, list]) -> list[str]:
    """Prompts like the ones the report will answer: a generating suite's, else the domain's, else any."""
    for suite in suites:
        if suite.kind in ("qa", "checks"):
            return [item["question" if suite.kind == "qa" else "prompt"] for item in suite.items[:BATCH]]
    chats = [e for task in examples.values() for e in task][:BATCH]
    if chats:
        return [e.messages[0]["content"] for e in chats]
    return [item.get("prompt") or item.get("text", "") for s in suites for item in s.items][:BATCH]


def suite_seconds(speed: Speed, tokenizer, suite: Suite, max_new_tokens: int = 0) -> float:
    """One suite on one model."""
    if suite.kind in ("qa", "checks"):
        prompts = [item["question" if suite.kind == "qa" else "prompt"] for item in suite.items]
        return speed.generation(_lengths(tokenizer, [_chat(tokenizer, p) for p in prompts]),
                                max_new_tokens or MAX_NEW_TOKENS[suite.kind])
    if suite.kind == "ppl":
        return sum(min(n, 512) for n in _lengths(tokenizer, [item["text"] for item in suite.items])) * speed.read_s
    if suite.kind == "harness":  # lm-eval: each choice read after its context, or an answer generated
        texts = [item["prompt"] + " " + choice for item in suite.items for choice in item["choices"] or [""]]
        written = sum(1 for item in suite.items if not item["choices"])
        return (sum(_lengths(tokenizer, texts)) * speed.read_s
                + math.ceil(written / BATCH) * MAX_NEW_TOKENS["checks"] * speed.write_s)
    # kl: one prompt at a time through both models
    return 2 * sum(_lengths(tokenizer, [_chat(tokenizer, item["prompt"]) for item in suite.items])) * speed.read_s


def domain_seconds(speed: Speed, tokenizer, examples: dict[str, list], max_new_tokens: int = 64) -> float:
    """evaluate_domain on every task: the loss over whole examples, then an answer to each chat example."""
    total = 0.0
    for task in examples.values():
        whole = [tokenizer.apply_chat_template(e.messages, tokenize=False) for e in task]
        total += sum(_lengths(tokenizer, whole)) * speed.read_s
        chats = [e for e in task if e.meta.get("kind") != "text" and e.messages[-1]["role"] == "assistant"]
        prompts = ["\n\n".join(m["content"] for m in e.messages[:-1] if m["role"] in ("user", "system"))
                   for e in chats]
        if prompts:
            total += speed.generation(_lengths(tokenizer, [_chat(tokenizer, p) for p in prompts]), max_new_tokens)
    return total


def plan(speed: Speed, tokenizer, suites: list[Suite], examples: dict[str, list], candidates: list[str], *,
         base_cached: bool, load_s: float, max_new_tokens: int = 0, fewshot: int = 0) -> dict:
    """The report's parts in the order make_report does them, each with its predicted seconds: (model, suite)
    for each suite evaluation (suite "domain" for the domain metric), and the total."""
    per_suite = {s.name: round(suite_seconds(speed, tokenizer, s, max_new_tokens), 2) for s in suites}
    domain = round(domain_seconds(speed, tokenizer, examples), 2) if examples else 0.0
    parts = []
    if domain:  # the few-shot baseline is the domain once more, with longer prompts
        parts.append({"model": "base", "suite": "domain", "seconds": round(domain * (2 if fewshot else 1), 2)})
    if not base_cached:
        parts += [{"model": "base", "suite": s.name, "seconds": per_suite[s.name]} for s in suites if s.kind != "kl"]
    for name in candidates:
        parts.append({"model": name, "suite": "load", "seconds": round(load_s, 2)})
        if domain:
            parts.append({"model": name, "suite": "domain", "seconds": domain})
        parts += [{"model": name, "suite": s.name, "seconds": per_suite[s.name]} for s in suites]
    return {"parts": parts, "estimate_s": round(sum(p["seconds"] for p in parts), 1),
            "read_ms_per_token": round(speed.read_s * 1000, 4), "write_ms_per_step": round(speed.write_s * 1000, 3)}


def _chat(tokenizer, prompt: str) -> str:
    return tokenizer.apply_chat_template([{"role": "user", "content": prompt}], tokenize=False,
                                         add_generation_prompt=True)


def _lengths(tokenizer, texts: list[str]) -> list[int]:
    return [len(ids) for ids in tokenizer(texts, add_special_tokens=False)["input_ids"]] if texts else []
