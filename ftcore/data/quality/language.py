"""The language of a row by its script (CJK, kana/hangul, Latin), and the language mix of a dataset."""

from __future__ import annotations

import re
from collections import Counter

from ftcore.data.read import Example

LANGUAGE_WARNING = 0.9


_NOT_LETTER = re.compile(r"[\W\d_]+")


_NOT_CJK = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


_NOT_KANA_HANGUL = re.compile(r"[^\u3040-\u30ff\uac00-\ud7af]+")


_NOT_LATIN = re.compile(r"[^A-Za-z]+")


def language_shares(examples: list[Example]) -> dict[str, float]:
    """Share of rows per language (zh, en, other), each row counted as what most of its content is."""
    counts = Counter(row_language(e) for e in examples)
    return {lang: n / max(len(examples), 1) for lang, n in counts.items()}


def row_language(e: Example) -> str:
    # Substituting away runs of what is not counted is far quicker than matching every character.
    letters = _NOT_LETTER.sub("", "\n".join(m["content"] for m in e.messages if m["role"] != "system"))
    cjk, kana = len(_NOT_CJK.sub("", letters)), len(_NOT_KANA_HANGUL.sub("", letters))
    latin = len(_NOT_LATIN.sub("", letters))
    # One ideograph carries about as much as three Latin letters; a row is what most of its content is.
    weights = {"zh": 3 * cjk, "en": latin, "other": len(letters) - cjk - kana - latin + 3 * kana}
    best = max(weights, key=weights.__getitem__)
    return best if weights[best] > sum(weights.values()) / 2 else "other"
