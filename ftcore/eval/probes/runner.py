"""Running suites on a loaded model: batched greedy generation for answers and constraints, perplexity on
reference texts, and the KL divergence of next-token distributions between a base and a tuned model."""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from ftcore.eval.probes.checks import check_reply, match_answer
from ftcore.eval.probes.suites import Suite

# a right short answer is out by token ~18 (measured on the embedded model); a cap keeps wrong ones from running on
MAX_NEW_TOKENS = {"qa": 32, "checks": 160}


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
    # every item's outcome, in suite order (items may be cut for size; these never are): what the paired
    # intervals of ftcore.eval.compare are computed from
    oks: list[int] = field(default_factory=list)  # 1 right / 0 wrong per item (qa, checks)
    nll: list[float] = field(default_factory=list)  # summed negative log-likelihood per text (ppl)
    tokens: list[int] = field(default_factory=list)  # predicted tokens per text (ppl)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def end_of_turn_ids(model, tokenizer) -> list[int]:
    """The ids that end a reply: the model's generation eos id(s), the tokenizer's eos, and the token the chat
    template closes an assistant turn with (<|im_end|> for ChatML, <|eot_id|> for Llama 3), which a base model's
    generation config often does not name."""
    eos = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    ids = [*(eos if isinstance(eos, list | tuple) else [eos]), tokenizer.eos_token_id]
    marker = "FTCOREREPLYEND"
    try:
        text = tokenizer.apply_chat_template([{"role": "user", "content": "q"},
                                              {"role": "assistant", "content": marker}], tokenize=False)
        after = tokenizer(text.split(marker, 1)[1], add_special_tokens=False)["input_ids"]
    except Exception:  # a template that cannot render this turn: the eos ids alone
        after = []
    special = set(tokenizer.all_special_ids) | {i for i, t in tokenizer.added_tokens_decoder.items() if t.special}
    if after and after[0] in special:
        ids.append(after[0])
    return list(dict.fromkeys(i for i in ids if i is not None))


def generate(model, tokenizer, prompts: list[str], max_new_tokens: int, batch_size: int = 16, stop=None
             ) -> list[str]:
    """Greedy answers to single-turn chat prompts, in batches (left padding so the prompts end together). A row
    ends at its end-of-turn token (end_of_turn_ids) and the batch when every row has ended. `stop`: a callable
    checked before each batch; true raises Stopped."""
    import torch

    side, tokenizer.padding_side = tokenizer.padding_side, "left"
    ends = end_of_turn_ids(model, tokenizer)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else next(iter(ends), None)
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
                ids = model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False, pad_token_id=pad,
                                     eos_token_id=ends or None)
            for i, row in zip(chunk, ids[:, enc["input_ids"].shape[1]:].tolist(), strict=True):
                # what follows a row's end (the padding of a finished row) is never part of its reply
                cut = next((n for n, token in enumerate(row) if token in ends), len(row))
                out[i] = tokenizer.decode(row[:cut], skip_special_tokens=True).strip()
        replies = [out[i] for i in range(len(prompts))]
    finally:
        tokenizer.padding_side = side
    return replies


def text_nll(model, tokenizer, texts: list[str], batch_size: int = 8, max_length: int = 512
             ) -> tuple[list[float], list[int]]:
    """Per text: the summed negative log-likelihood of its predicted tokens, and how many there are."""
    import torch

    sums: list[float] = []
    counts: list[int] = []
    for start in range(0, len(texts), batch_size):
        enc = tokenizer(texts[start:start + batch_size], return_tensors="pt", padding=True, truncation=True,
                        max_length=max_length).to(model.device)
        labels = enc["input_ids"].masked_fill(enc["attention_mask"] == 0, -100)
        with torch.inference_mode():
            logits = model(**enc).logits[:, :-1].float()
        target = labels[:, 1:]
        nll = torch.nn.functional.cross_entropy(logits.transpose(1, 2), target, ignore_index=-100,
                                                reduction="none")
        sums += nll.sum(1).tolist()
        counts += (target != -100).sum(1).tolist()
    return sums, counts


def perplexity(model, tokenizer, texts: list[str], batch_size: int = 8, max_length: int = 512) -> float:
    """exp of the mean negative log-likelihood per predicted token over all texts."""
    sums, counts = text_nll(model, tokenizer, texts, batch_size, max_length)
    return math.exp(sum(sums) / max(sum(counts), 1))


def next_token_logprobs(model, tokenizer, prompts: list[str]) -> list:
    """The log-probabilities of the next token at the end of each chat prompt (fp32, on the CPU): the training
    watch's batched pass (ftcore.train.forgetting), which the report's kl suite and the blend search share."""
    from ftcore.train.forgetting import next_token_logprobs as batched

    ids = [tokenizer(tokenizer.apply_chat_template([{"role": "user", "content": prompt}], tokenize=False,
                                                   add_generation_prompt=True), add_special_tokens=False)["input_ids"]
           for prompt in prompts]
    return list(batched(model, ids))


def next_token_kl(base, tuned, tokenizer, prompts: list[str], base_logprobs: list | None = None) -> float:
    """Mean KL(base || tuned) of the next-token distribution at the end of each chat prompt, in nats.
    `base_logprobs`: the base's, computed once (next_token_logprobs) for several tuned models."""
    import torch

    values = []
    base_logprobs = base_logprobs or next_token_logprobs(base, tokenizer, prompts)
    for p, q in zip(base_logprobs, next_token_logprobs(tuned, tokenizer, prompts), strict=True):
        q = q.to(p.device)  # the two models may sit on different devices
        values.append(float(torch.sum(p.exp() * (p - q))))
    return sum(values) / max(len(values), 1)


def run_suite(model, tokenizer, suite: Suite, *, base=None, batch_size: int = 16,
              max_new_tokens: int | None = None, stop=None) -> SuiteResult:
    """Score one suite. `base` (a model sharing the tokenizer) is needed for the kl kind only."""
    began = time.perf_counter()
    items: list[dict[str, Any]] = []
    nll: list[float] = []
    tokens: list[int] = []
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
    elif suite.kind == "harness":
        from ftcore.eval.probes.harness import run

        items = run(model, tokenizer, suite, batch_size=batch_size, stop=stop)
        score = 100.0 * sum(i["ok"] for i in items) / max(len(items), 1)
    elif suite.kind == "ppl":
        nll, tokens = text_nll(model, tokenizer, [item["text"] for item in suite.items])
        score = math.exp(sum(nll) / max(sum(tokens), 1))
    else:
        if base is None:
            raise ValueError("the kl suite compares two models: pass base=")
        score = next_token_kl(base, model, tokenizer, [item["prompt"] for item in suite.items])
    kind = "qa" if suite.kind == "harness" else suite.kind  # an lm-eval task is compared as % correct answers
    return SuiteResult(suite.name, kind, round(score, 4), len(suite.items), round(time.perf_counter() - began, 2),
                       items, oks=[int(bool(i["ok"])) for i in items if "ok" in i],
                       nll=[round(v, 4) for v in nll], tokens=tokens)
