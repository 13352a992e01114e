"""Suspicious personal data in a row: e-mail addresses and numbers that pass a checksum (cards, IBANs, ID numbers),
shown masked."""

from __future__ import annotations

import re

from ftcore.data.read import Example

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


def find_pii(e: Example):
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
