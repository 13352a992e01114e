"""Data quality report before training: counts, token lengths, duplicates, label noise, language and label
balance, empty answers, tool calls and reasoning traces, suspicious personal data and train/validation leakage,
with advice a user can act on.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor

from ftcore.data.quality.dedup import NEAR_CHARS, near_duplicates, normalize
from ftcore.data.quality.language import LANGUAGE_WARNING, row_language
from ftcore.data.quality.pii import find_pii
from ftcore.data.read import Example
from ftcore.data.render import BATCH, chat_text, check_tools, tokenize_document, uses_tools
from ftcore.errors import UserError
from ftcore.messages import Text, localize, message

MAX_ITEMS = 50
COUNT_ELSEWHERE_FROM = 20_000  # rows; from here the token lengths are counted in a second process


def quality_report(train: list[Example], *, fmt: str, val: list[Example] | None = None, tokenizer=None,
                   max_length: int = 512) -> dict:
    """A JSON-serialisable report on `train` and its overlap with `val`. Lists hold at most MAX_ITEMS entries
    while the `*_rows`, `*_count` and `*_pairs` fields hold the totals; `warnings` says what to do."""
    lines = [e.line for e in train]
    parts = [_parts(e, fmt) for e in train]
    inputs, answers = [p[0] for p in parts], [p[2] for p in parts]
    normed = [normalize(a) for a in answers]
    report: dict = {"format": fmt, "rows": len(train)}
    if tokenizer is not None:
        _can_count(train, tokenizer)  # a refusal comes before any work
    counting = _count_elsewhere(train, tokenizer, max_length) if tokenizer is not None else None

    groups: dict[tuple, list[int]] = defaultdict(list)
    for i, e in enumerate(train):
        groups[tuple((m["role"], _said(m)) for m in e.messages)].append(i)
    duplicates = [g for g in groups.values() if len(g) > 1]
    repeated = {i for g in duplicates for i in g[1:]}
    report.update(exact_duplicates=[[lines[i] for i in g[:MAX_ITEMS]] for g in duplicates[:MAX_ITEMS]],
                  exact_duplicate_rows=len(repeated))

    def conflict(i: int, j: int) -> bool:
        # Same input with another answer is reported as a conflict, not as a near duplicate as well.
        return inputs[i] == inputs[j] and normed[i] != normed[j]

    pairs = near_duplicates([normalize(p[1])[:NEAR_CHARS] for p in parts], repeated, conflict)
    report.update(near_duplicates=[[lines[i], lines[j]] for i, j in pairs[:MAX_ITEMS]],
                  near_duplicate_pairs=len(pairs))

    by_input: dict[str, list[int]] = defaultdict(list)
    for i, key in enumerate(inputs):
        by_input[key].append(i)
    conflicts = []
    for rows in by_input.values():
        distinct = {normed[i]: _short(answers[i]) for i in rows}
        if len(distinct) > 1:
            conflicts.append({"rows": [lines[i] for i in rows[:MAX_ITEMS]],
                              "answers": list(distinct.values())[:MAX_ITEMS]})
    report.update(conflicts=conflicts[:MAX_ITEMS], conflict_count=len(conflicts))

    languages = Counter(row_language(e) for e in train)
    report["languages"] = {k: round(languages[k] / max(len(train), 1), 4) for k in ("zh", "en", "other")}
    if fmt == "classification":
        report["labels"] = dict(Counter(answers).most_common())

    empty = [e.line for e in train
             if any(m["role"] == "assistant" and not _said(m) for m in e.messages)]
    report.update(empty_answers=empty[:MAX_ITEMS], empty_answer_rows=len(empty))
    report.update(_tools(train))

    found = [{"row": e.line, "kind": kind, "value": value} for e in train for kind, value in find_pii(e)]
    report.update(pii=found[:MAX_ITEMS], pii_rows=len({f["row"] for f in found}),
                  pii_kinds=dict(Counter(f["kind"] for f in found)))

    if val is not None:
        first: dict[str, int] = {}
        for line, key in zip(lines, inputs, strict=True):
            first.setdefault(key, line)
        leaks = [{"val_row": e.line, "train_row": first[key]} for e in val
                 if (key := _parts(e, fmt)[0]) in first]
        report.update(val_rows=len(val), leakage=leaks[:MAX_ITEMS], leakage_count=len(leaks))
    if tokenizer is not None:
        report.update(counting() if counting else _lengths(train, tokenizer, max_length))
    report["warnings"] = _warnings(report)
    return report


def format_report(report: dict, lang: str = "en") -> str:
    """The report as plain text in English ("en") or Chinese ("zh"): counts, a token-length histogram and the
    warnings (those read back from a JSON file stay in English)."""
    r = report

    def say(key: str, **values) -> str:
        return message(key, lang, **values)

    def examples(items, key: str = "quality.examples") -> str:
        shown = list(items)[:3]
        return say(key, items="; ".join(shown)) if shown else ""

    out = [say("quality.rows_val", rows=r["rows"], val=r["val_rows"]) if "val_rows" in r else
           say("quality.rows", rows=r["rows"])]
    if "tokens" in r:
        out.append(say("quality.tokens", tokens=r["tokens"], longest=r["longest"], share=_pct(r["truncated_share"]),
                       max_length=r["max_length"]))
        widest = max(b["count"] for b in r["length_histogram"]) or 1
        for b in r["length_histogram"]:
            bar = "#" * round(30 * b["count"] / widest)
            out.append(f"  {b['start']:>7}-{b['end'] - 1:<7} {bar:<30} {b['count']}")
    out.append(say("quality.exact", n=r["exact_duplicate_rows"],
                   examples=examples(", ".join(map(str, g)) for g in r["exact_duplicates"])))
    out.append(say("quality.near", n=r["near_duplicate_pairs"],
                   examples=examples(f"{a}~{b}" for a, b in r["near_duplicates"])))
    out.append(say("quality.conflicts", n=r["conflict_count"],
                   examples=examples(", ".join(map(str, c["rows"])) for c in r["conflicts"])))
    out.append(say("quality.languages", languages=", ".join(f"{k} {_pct(v)}" for k, v in r["languages"].items())))
    if "labels" in r:
        out.append(say("quality.labels", labels=", ".join(f"{k} {v}" for k, v in r["labels"].items())))
    out.append(say("quality.empty", n=r["empty_answer_rows"], examples=examples(map(str, r["empty_answers"]))))
    if r.get("tool_calls"):
        out.append(say("quality.tool_calls", n=r["tool_calls"], rows=r["tool_call_rows"],
                       names=", ".join(f"{k} {v}" for k, v in r["tools_called"].items())))
    if r.get("reasoning_rows"):
        out.append(say("quality.reasoning", n=r["reasoning_rows"]))
    kinds = ", ".join(f"{k} {v}" for k, v in r["pii_kinds"].items())
    out.append(say("quality.pii_kinds", n=r["pii_rows"], kinds=kinds) if kinds else say("quality.pii", n=r["pii_rows"]))
    if "leakage" in r:
        leaks = (f"{x['val_row']}={x['train_row']}" for x in r["leakage"])
        out.append(say("quality.leakage", n=r["leakage_count"], examples=examples(leaks, "quality.examples_leak")))
    out.append(say("quality.warnings") if r["warnings"] else say("quality.no_warnings"))
    return "\n".join(out + [f"  - {localize(w, lang)}" for w in r["warnings"]])


def _is_document(e: Example) -> bool:
    return e.meta.get("kind") == "text"


def _parts(e: Example, fmt: str) -> tuple[str, str, str]:
    """(normalised input, prompt compared for near duplicates, final answer or label) of one example."""
    if _is_document(e):
        # A raw document has no prompt or answer: the document itself must not repeat or leak.
        return "d" + normalize(e.messages[-1]["content"]), e.messages[-1]["content"], ""
    last = max((i for i, m in enumerate(e.messages) if m["role"] == "assistant"), default=len(e.messages) - 1)
    key = "\x00".join(m["role"][0] + normalize(m["content"]) for m in e.messages[:last])
    # The template is the same on every classification row and would make unrelated texts look alike.
    prompt = e.meta.get("text") or "\n".join(m["content"] for m in e.messages if m["role"] == "user")
    if fmt == "classification" and "label" in e.meta:
        return key, str(prompt), str(e.meta["label"])
    return key, str(prompt), e.messages[last]["content"]


def _can_count(examples: list[Example], tokenizer) -> None:
    chats = [e for e in examples if not _is_document(e)]
    if chats and (not getattr(tokenizer, "is_fast", False) or not tokenizer.chat_template):
        raise UserError("quality.no_fast_tokenizer")
    if any(uses_tools(e.messages, e.meta.get("tools")) for e in chats):
        check_tools(tokenizer)


def _count_elsewhere(examples: list[Example], tokenizer, max_length: int):
    """The token lengths counted in a second process while this one looks for duplicates (large files only: the
    process takes a few seconds to start); None to count here. The process is started with the module's own
    entry (not a fork of a server, not a re-run of the caller's main)."""
    if len(examples) < COUNT_ELSEWHERE_FROM or (os.cpu_count() or 1) < 2:
        return None
    data = pickle.dumps((examples, tokenizer, max_length))
    proc = subprocess.Popen([sys.executable, "-m", "ftcore.data.quality.count"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    pool = ThreadPoolExecutor(1)
    future = pool.submit(proc.communicate, data)
    pool.shutdown(wait=False)

    def result() -> dict:
        out, _ = future.result()
        if proc.returncode:  # it could not start or failed: count here
            return _lengths(examples, tokenizer, max_length)
        return pickle.loads(out)  # noqa: S301 - from our own child process, over its pipe

    return result


def _lengths(examples: list[Example], tokenizer, max_length: int) -> dict:
    chats = [e for e in examples if not _is_document(e)]

    # Rendered exactly as training renders it, but uncut, so the lengths show what max_length throws away; the
    # length needs no mask, so the texts are tokenized in batches without offsets.
    def count(texts: list[str]) -> list[int]:
        return [len(ids) for ids in tokenizer(texts, add_special_tokens=False)["input_ids"]]

    with ThreadPoolExecutor(1) as tokenizing:  # the next batch renders while this one tokenizes (no GIL there)
        batches = [tokenizing.submit(count, [chat_text(e.messages, tokenizer, e.meta.get("tools"))
                                             for e in chats[first:first + BATCH]])
                   for first in range(0, len(chats), BATCH)]
        lengths = [n for batch in batches for n in batch.result()]
    cut = sum(n > max_length for n in lengths)
    # Documents are split into max_length windows for training, so a long one loses nothing.
    documents = [e.messages[-1]["content"] for e in examples if _is_document(e)]
    lengths += [sum(len(w["input_ids"]) for w in tokenize_document(d, tokenizer, 10**9)) for d in documents]
    longest, shortest = max(lengths, default=0), min(lengths, default=0)
    spread = longest - shortest  # bins cover the observed range, not 0..longest
    step = 10 ** max(0, len(str(spread // 10)) - 1)
    width = next(step * m for m in (1, 2, 5, 10) if step * m * 10 >= spread)
    counts = Counter(n // width for n in lengths)
    return {"tokens": sum(lengths), "max_length": max_length, "longest": longest, "truncated_rows": cut,
            "truncated_share": round(cut / max(len(lengths), 1), 4),
            "length_histogram": [{"start": k * width, "end": (k + 1) * width, "count": counts[k]}
                                 for k in range(shortest // width, longest // width + 1)]}


def _said(message: dict) -> str:
    """What a turn says: its text and its tool calls (a turn that only calls a tool is not empty)."""
    calls = message.get("tool_calls")
    return message["content"].strip() + (json.dumps(calls, ensure_ascii=False, sort_keys=True) if calls else "")


def _tools(examples: list[Example]) -> dict:
    """Tool calls, the calls to a tool the row does not declare (a typo the model would learn), and rows with a
    reasoning trace."""
    calls, rows, unknown, names, reasoning = 0, 0, [], Counter(), 0
    for e in examples:
        declared = {t["function"]["name"] for t in e.meta.get("tools") or ()}
        found = [c["function"]["name"] for m in e.messages for c in m.get("tool_calls") or ()]
        calls, rows = calls + len(found), rows + bool(found)
        names.update(found)
        unknown += [{"row": e.line, "name": name} for name in found if name not in declared]
        reasoning += any(m.get("reasoning_content") or "<think>" in m["content"]
                         for m in e.messages if m["role"] == "assistant")
    return {"tool_calls": calls, "tool_call_rows": rows, "tools_called": dict(names.most_common(MAX_ITEMS)),
            "unknown_tools": unknown[:MAX_ITEMS], "unknown_tool_calls": len(unknown), "reasoning_rows": reasoning}


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _pct(share: float) -> str:
    return f"{share:.0%}" if share >= 0.1 or share == 0 else f"{share:.1%}"


def _warnings(r: dict) -> list[Text]:
    out, rows = [], max(r["rows"], 1)
    if r.get("truncated_rows"):
        out.append(Text("quality.truncated", share=_pct(r["truncated_share"]), max_length=r["max_length"],
                        longest=r["longest"]))
    if r["exact_duplicate_rows"]:
        out.append(Text("quality.repeats", n=r["exact_duplicate_rows"],
                        rows=", ".join(map(str, r["exact_duplicates"][0]))))
    if r["near_duplicate_pairs"]:
        a, b = r["near_duplicates"][0]
        out.append(Text("quality.near_repeats", n=r["near_duplicate_pairs"], a=a, b=b))
    if r["conflict_count"]:
        c = r["conflicts"][0]
        example = Text("quality.conflict_example", rows=", ".join(map(str, c["rows"][:4])),
                       answers=" vs ".join(map(repr, c["answers"][:3])))
        if r["format"] == "classification":
            out.append(Text("quality.label_noise", n=r["conflict_count"], example=example))
        else:
            out.append(Text("quality.answer_conflicts", n=r["conflict_count"], example=example))
    for lang, name, other in (("zh", Text("quality.lang_zh"), Text("quality.lang_en")),
                              ("en", Text("quality.lang_en"), Text("quality.lang_zh"))):
        if r["languages"][lang] > LANGUAGE_WARNING:
            out.append(Text("quality.one_language", share=_pct(r["languages"][lang]), name=name, other=other))
    labels = list(r.get("labels", {}).items())
    if len(labels) == 1:
        out.append(Text("quality.one_label", label=labels[0][0]))
    elif labels and (labels[0][1] > 3 * labels[-1][1] or labels[-1][1] < 0.05 * rows):
        (big, most), (small, least) = labels[0], labels[-1]
        out.append(Text("quality.imbalanced", big=big, most=most, small=small, least=least))
    if r["empty_answer_rows"]:
        out.append(Text("quality.empty_answers", n=r["empty_answer_rows"], row=r["empty_answers"][0]))
    if r.get("unknown_tool_calls"):
        x = r["unknown_tools"][0]
        out.append(Text("quality.unknown_tools", n=r["unknown_tool_calls"], name=x["name"], row=x["row"]))
    if r["pii_rows"]:
        out.append(Text("quality.personal_data", kinds=", ".join(r["pii_kinds"]), n=r["pii_rows"],
                        row=r["pii"][0]["row"]))
    if r.get("leakage_count"):
        x = r["leakage"][0]
        out.append(Text("quality.leaks", n=r["leakage_count"], val=x["val_row"], train=x["train_row"]))
    return out
