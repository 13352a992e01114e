"""Data quality report before training: counts, token lengths, duplicates, label noise, language and label
balance, empty answers, suspicious personal data and train/validation leakage, with advice a user can act on.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections import Counter, defaultdict
from random import Random

from ..errors import UserError
from ..messages import Text, localize, message
from .read import Example
from .render import tokenize_document, tokenize_messages

MAX_ITEMS = 50
NEAR_THRESHOLD = 0.85
SHINGLE = 3
NEAR_CHARS = 2000
PERMUTATIONS, BANDS = 128, 16
BUCKET_CAP = 8
HASH_CHUNK = 1 << 15
LANGUAGE_WARNING = 0.9

_NOT_WORD = re.compile(r"[\W_]+")
_NOT_LETTER = re.compile(r"[\W\d_]+")
_NOT_CJK = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_NOT_KANA_HANGUL = re.compile(r"[^\u3040-\u30ff\uac00-\ud7af]+")
_NOT_LATIN = re.compile(r"[^A-Za-z]+")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_NUMBERISH = re.compile(r"[+(]?\d[\d ().-]{6,}\d[Xx]?")
# Tried in this order inside each number-like stretch; a span claimed by one kind is not matched again.
_NUMBERS = [
    ("cn_id", re.compile(r"(?<![0-9A-Za-z])[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
                         r"\d{3}[\dXx](?![0-9A-Za-z])")),
    ("card_number", re.compile(r"(?<![\d-])[2-6]\d{3}(?:[ -]?\d{2,6}){2,4}(?![\d-])")),
    ("phone", re.compile(r"(?<![\w+])\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{2,4}){1,4}"
                         r"(?!\d)")),
    ("phone", re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")),
    ("phone", re.compile(r"(?<!\d)(?:\(\d{3}\) ?|\d{3}[-.])\d{3}[-.]\d{4}(?!\d)")),
]
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def quality_report(train: list[Example], *, fmt: str, val: list[Example] | None = None, tokenizer=None,
                   max_length: int = 512) -> dict:
    """A JSON-serialisable report on `train` and its overlap with `val`. Lists hold at most MAX_ITEMS entries
    while the `*_rows`, `*_count` and `*_pairs` fields hold the totals; `warnings` says what to do."""
    lines = [e.line for e in train]
    parts = [_parts(e, fmt) for e in train]
    inputs, answers = [p[0] for p in parts], [p[2] for p in parts]
    normed = [_norm(a) for a in answers]
    report: dict = {"format": fmt, "rows": len(train)}
    if tokenizer is not None:
        report.update(_lengths(train, tokenizer, max_length))

    groups: dict[tuple, list[int]] = defaultdict(list)
    for i, e in enumerate(train):
        groups[tuple((m["role"], m["content"].strip()) for m in e.messages)].append(i)
    duplicates = [g for g in groups.values() if len(g) > 1]
    repeated = {i for g in duplicates for i in g[1:]}
    report.update(exact_duplicates=[[lines[i] for i in g[:MAX_ITEMS]] for g in duplicates[:MAX_ITEMS]],
                  exact_duplicate_rows=len(repeated))

    def conflict(i: int, j: int) -> bool:
        # Same input with another answer is reported as a conflict, not as a near duplicate as well.
        return inputs[i] == inputs[j] and normed[i] != normed[j]

    pairs = _near_duplicates([_norm(p[1])[:NEAR_CHARS] for p in parts], repeated, conflict)
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

    languages = Counter(_language(e) for e in train)
    report["languages"] = {k: round(languages[k] / max(len(train), 1), 4) for k in ("zh", "en", "other")}
    if fmt == "classification":
        report["labels"] = dict(Counter(answers).most_common())

    empty = [e.line for e in train
             if any(m["role"] == "assistant" and not m["content"].strip() for m in e.messages)]
    report.update(empty_answers=empty[:MAX_ITEMS], empty_answer_rows=len(empty))

    found = [{"row": e.line, "kind": kind, "value": value} for e in train for kind, value in _pii(e)]
    report.update(pii=found[:MAX_ITEMS], pii_rows=len({f["row"] for f in found}),
                  pii_kinds=dict(Counter(f["kind"] for f in found)))

    if val is not None:
        first: dict[str, int] = {}
        for line, key in zip(lines, inputs, strict=True):
            first.setdefault(key, line)
        leaks = [{"val_row": e.line, "train_row": first[key]} for e in val
                 if (key := _parts(e, fmt)[0]) in first]
        report.update(val_rows=len(val), leakage=leaks[:MAX_ITEMS], leakage_count=len(leaks))
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
    kinds = ", ".join(f"{k} {v}" for k, v in r["pii_kinds"].items())
    out.append(say("quality.pii_kinds", n=r["pii_rows"], kinds=kinds) if kinds else say("quality.pii", n=r["pii_rows"]))
    if "leakage" in r:
        leaks = (f"{x['val_row']}={x['train_row']}" for x in r["leakage"])
        out.append(say("quality.leakage", n=r["leakage_count"], examples=examples(leaks, "quality.examples_leak")))
    out.append(say("quality.warnings") if r["warnings"] else say("quality.no_warnings"))
    return "\n".join(out + [f"  - {localize(w, lang)}" for w in r["warnings"]])


def _norm(text: str) -> str:
    # Case, width, spacing and punctuation do not make a different example.
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text).casefold())


def _is_document(e: Example) -> bool:
    return e.meta.get("kind") == "text"


def _parts(e: Example, fmt: str) -> tuple[str, str, str]:
    """(normalised input, prompt compared for near duplicates, final answer or label) of one example."""
    if _is_document(e):
        # A raw document has no prompt or answer: the document itself must not repeat or leak.
        return "d" + _norm(e.messages[-1]["content"]), e.messages[-1]["content"], ""
    last = max((i for i, m in enumerate(e.messages) if m["role"] == "assistant"), default=len(e.messages) - 1)
    key = "\x00".join(m["role"][0] + _norm(m["content"]) for m in e.messages[:last])
    # The template is the same on every classification row and would make unrelated texts look alike.
    prompt = e.meta.get("text") or "\n".join(m["content"] for m in e.messages if m["role"] == "user")
    if fmt == "classification" and "label" in e.meta:
        return key, str(prompt), str(e.meta["label"])
    return key, str(prompt), e.messages[last]["content"]


def _lengths(examples: list[Example], tokenizer, max_length: int) -> dict:
    chats = [e for e in examples if not _is_document(e)]
    if chats and (not getattr(tokenizer, "is_fast", False) or not tokenizer.chat_template):
        raise UserError("quality.no_fast_tokenizer")
    # Rendered exactly as training renders it, but uncut, so the lengths show what max_length throws away.
    lengths = [len(tokenize_messages(e.messages, tokenizer, 10**9)[0]["input_ids"]) for e in chats]
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


def _shingles(text: str) -> set[str]:
    if len(text) <= SHINGLE:
        return {text}
    return {text[i : i + SHINGLE] for i in range(len(text) - SHINGLE + 1)}


def _near_duplicates(texts: list[str], skip: set[int], exclude) -> list[tuple[int, int]]:
    """Pairs (earlier, later) of texts whose character-trigram Jaccard is >= NEAR_THRESHOLD.

    A banded MinHash (128 hashes, 16 bands of 8) proposes candidates in linear time and an exact Jaccard
    confirms them. A row is paired with its first match only and a bucket keeps at most BUCKET_CAP
    representatives, so thousands of near-copies of one template stay linear; the pair count is the number
    of rows that near-copy an earlier one (what deduplication would drop).
    """
    import numpy as np  # here, not at the top: importing ftcore.data stays cheap

    signatures = _signatures(texts, np)
    buckets: dict[int, list[int]] = defaultdict(list)
    pairs = []
    for i, keys in enumerate(_band_keys(signatures, np).tolist()):
        if i in skip:
            continue
        candidates = sorted({j for key in keys for j in buckets.get(key, ())})
        match, mine = None, None
        if candidates:
            agree = (signatures[candidates] == signatures[i]).mean(axis=1).tolist()
            for j, estimate in zip(candidates, agree, strict=True):
                # The estimate's standard error is ~0.04; only clear misses skip the exact check.
                if estimate < NEAR_THRESHOLD - 0.2 or exclude(i, j):
                    continue
                mine, other = mine or _shingles(texts[i]), _shingles(texts[j])
                if len(mine & other) >= NEAR_THRESHOLD * len(mine | other):
                    match = j
                    break
        if match is not None:
            pairs.append((match, i))
            continue
        for key in keys:
            if len(bucket := buckets[key]) < BUCKET_CAP:
                bucket.append(i)
    return pairs


def _signatures(texts: list[str], np):
    rng = Random(0)
    a = np.array([rng.getrandbits(64) | 1 for _ in range(PERMUTATIONS)], dtype=np.uint64)[:, None]
    b = np.array([rng.getrandbits(64) for _ in range(PERMUTATIONS)], dtype=np.uint64)[:, None]
    out = np.empty((len(texts), PERMUTATIONS), dtype=np.uint32)
    start, hashes, offsets = 0, [], []
    for i, text in enumerate(texts):
        offsets.append(len(hashes))
        hashes.extend(map(zlib.crc32, map(str.encode, _shingles(text))))
        if len(hashes) >= HASH_CHUNK or i == len(texts) - 1:
            # Multiply-add-shift hashing: one 64-bit multiply per hash function, the top 32 bits are the hash.
            values = (a * np.array(hashes, dtype=np.uint64) + b) >> np.uint64(32)
            out[start : i + 1] = np.minimum.reduceat(values, offsets, axis=1).T
            start, hashes, offsets = i + 1, [], []
    return out


def _band_keys(signatures, np):
    # Multipliers differ per band, so the keys of all bands can share one dict.
    rng, rows = Random(1), PERMUTATIONS // BANDS
    mix = np.array([[rng.getrandbits(64) | 1 for _ in range(rows)] for _ in range(BANDS)], dtype=np.uint64)
    banded = signatures.astype(np.uint64).reshape(len(signatures), BANDS, rows)
    return (banded * mix).sum(axis=2, dtype=np.uint64)


def language_shares(examples: list[Example]) -> dict[str, float]:
    """Share of rows per language (zh, en, other), each row counted as what most of its content is."""
    counts = Counter(_language(e) for e in examples)
    return {lang: n / max(len(examples), 1) for lang, n in counts.items()}


def _language(e: Example) -> str:
    # Substituting away runs of what is not counted is far quicker than matching every character.
    letters = _NOT_LETTER.sub("", "\n".join(m["content"] for m in e.messages if m["role"] != "system"))
    cjk, kana = len(_NOT_CJK.sub("", letters)), len(_NOT_KANA_HANGUL.sub("", letters))
    latin = len(_NOT_LATIN.sub("", letters))
    # One ideograph carries about as much as three Latin letters; a row is what most of its content is.
    weights = {"zh": 3 * cjk, "en": latin, "other": len(letters) - cjk - kana - latin + 3 * kana}
    best = max(weights, key=weights.__getitem__)
    return best if weights[best] > sum(weights.values()) / 2 else "other"


def _pii(e: Example):
    text = "\n".join(m["content"] for m in e.messages)
    if "@" in text:
        yield from (("email", _mask(m.group())) for m in _EMAIL.finditer(text))
    # The number patterns run only inside number-like stretches, which most text has few of.
    for stretch in _NUMBERISH.finditer(text):
        claimed: list[tuple[int, int]] = []
        for kind, pattern in _NUMBERS:
            for m in pattern.finditer(text, *stretch.span()):
                if not any(s < m.end() and m.start() < t for s, t in claimed) and _valid(kind, m.group()):
                    claimed.append(m.span())
                    yield kind, _mask(m.group())


def _valid(kind: str, value: str) -> bool:
    digits = re.sub(r"\D", "", value)
    if kind == "cn_id":
        total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS, strict=True))
        return value[17].upper() == "10X98765432"[total % 11]
    if kind == "card_number":
        total = sum(int(d) if i % 2 == 0 else sum(divmod(2 * int(d), 10))
                    for i, d in enumerate(reversed(digits)))
        return 13 <= len(digits) <= 19 and total % 10 == 0
    return 8 <= len(digits) <= 15


def _mask(value: str) -> str:
    return "*" * len(value) if len(value) <= 6 else value[:2] + "*" * (len(value) - 4) + value[-2:]


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
    if r["pii_rows"]:
        out.append(Text("quality.personal_data", kinds=", ".join(r["pii_kinds"]), n=r["pii_rows"],
                        row=r["pii"][0]["row"]))
    if r.get("leakage_count"):
        x = r["leakage"][0]
        out.append(Text("quality.leaks", n=r["leakage_count"], val=x["val_row"], train=x["train_row"]))
    return out
