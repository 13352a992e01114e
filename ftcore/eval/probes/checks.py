"""Scoring one reply: answer matching rules (contains, exact, regex, choice) and checkable format constraints
(word and line counts, bullets, case, JSON, language, ...). Pure functions over strings."""

from __future__ import annotations

import json
import re
from typing import Any

MATCHES = ("contains", "exact", "regex", "choice")
CHECKS = ("max_words", "min_words", "max_chars", "line_count", "starts_with", "ends_with", "contains",
          "not_contains", "lowercase", "uppercase", "json", "json_keys", "bullets", "language", "no_commas",
          "non_empty")
_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().strip(".。!！").lower()


def match_answer(reply: str, answer: str, rule: str = "contains") -> bool:
    if rule == "contains":
        return _norm(answer) in _norm(reply)
    if rule == "exact":
        return _norm(reply) == _norm(answer)
    if rule == "regex":
        return re.search(answer, reply) is not None
    if rule == "choice":  # the first option letter the reply names, e.g. "B", "B)", "(B)", "答案是B"
        found = re.search(r"(?<![A-Za-z])([A-Da-d])(?![A-Za-z])", reply)
        return bool(found) and found.group(1).upper() == answer.strip().upper()
    raise ValueError(f"unknown match rule {rule!r}")


def language_of(text: str) -> str:
    cjk, latin = len(_CJK.findall(text)), len(_LATIN.findall(text))
    if not cjk and not latin:
        return "other"
    return "zh" if cjk >= latin / 3 else "en"  # one Chinese character carries about a word


def _json_object(reply: str) -> dict | None:
    text = reply.strip()
    fenced = re.search(r"```(?:json)?\s*(.*?)```", text, flags=re.S)
    if fenced:
        text = fenced.group(1).strip()
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def check_reply(reply: str, check: dict[str, Any]) -> bool:
    kind, value = check["type"], check.get("value")
    lines = [line for line in reply.splitlines() if line.strip()]
    words = reply.split()
    low, high = check.get("min", 0), check.get("max", 10**9)
    if kind == "max_words":
        return len(words) <= value
    if kind == "min_words":
        return len(words) >= value
    if kind == "max_chars":
        return len(reply.strip()) <= value
    if kind == "line_count":
        return low <= len(lines) <= high
    if kind == "starts_with":
        return reply.lstrip().lower().startswith(value.lower())
    if kind == "ends_with":
        return reply.rstrip().lower().endswith(value.lower())
    if kind == "contains":
        return all(v.lower() in reply.lower() for v in value)
    if kind == "not_contains":
        return not any(v.lower() in reply.lower() for v in value)
    if kind == "lowercase":
        return any(c.isalpha() for c in reply) and reply == reply.lower()
    if kind == "uppercase":
        return any(c.isalpha() for c in reply) and reply == reply.upper()
    if kind == "json":
        return _json_object(reply) is not None
    if kind == "json_keys":
        obj = _json_object(reply)
        return obj is not None and all(k in obj for k in value)
    if kind == "bullets":
        count = sum(1 for line in lines if line.lstrip().startswith(("- ", "* ", "• ")))
        return low <= count <= high
    if kind == "language":
        return language_of(reply) == value
    if kind == "no_commas":
        return "," not in reply and "，" not in reply
    if kind == "non_empty":
        return bool(reply.strip())
    raise ValueError(f"unknown check {kind!r}")
