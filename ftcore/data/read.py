"""Read training files into canonical chat examples, with row-level errors a user can fix.

Formats: `messages` (OpenAI/TRL conversational, or ShareGPT `conversations` with from/value) and
`classification` (text + label rendered through a prompt template).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DataError, UserError

MAX_PROBLEMS = 20
MAX_LINE_BYTES = 10_000_000
ROLES = {"system", "user", "assistant"}
SHAREGPT_ROLES = {"system": "system", "human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant"}
DEFAULT_TEMPLATE = "{text}"


@dataclass
class Example:
    """One canonical training example: chat messages, the 1-based row it came from, and metadata
    (`label` and `text` for classification rows; `augmented_from` for rows made by augmentation)."""

    messages: list[dict[str, str]]
    line: int
    meta: dict = field(default_factory=dict)


class DataProblems(UserError):
    """Several row-level problems in one file, printed one per line (at most MAX_PROBLEMS)."""

    def __init__(self, problems: list[DataError], total: int):
        self.problems, self.total = problems, total
        lines = [str(p) for p in problems]
        if total > len(problems):
            lines.append(f"... and {total - len(problems)} more problems.")
        super().__init__("\n".join(lines))


def read_examples(path: str | Path, fmt: str = "auto", template: str | None = None) -> list[Example]:
    """Read a .jsonl file; raise DataProblems listing every bad row (up to 20) and nothing else."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: no such file.")
    if path.suffix.lower() not in (".jsonl", ".json"):
        raise DataError(str(path), None, f"unsupported file type '{path.suffix}'",
                        "give a .jsonl file with one JSON object per line")
    examples, problems, total = [], [], 0
    detected = None if fmt == "auto" else fmt
    for number, raw in _lines(path):
        try:
            row = _parse(path, number, raw)
            if row is None:
                continue
            detected = detected or _detect(path, number, row)
            messages = _to_messages(path, number, row, detected, template)
            meta = {"label": messages[-1]["content"], "text": row["text"]} if detected == "classification" else {}
            examples.append(Example(messages, number, meta))
        except DataError as problem:
            total += 1
            if len(problems) < MAX_PROBLEMS:
                problems.append(problem)
    if total:
        raise DataProblems(problems, total)
    if not examples:
        raise DataError(str(path), None, "the file has no examples", "add one JSON object per line")
    return examples


def _lines(path: Path):
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if len(raw) > MAX_LINE_BYTES:
                raise DataError(str(path), number, f"line is longer than {MAX_LINE_BYTES} bytes",
                                "split very long documents")
            yield number, raw


def _parse(path: Path, number: int, raw: bytes) -> dict | None:
    if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(str(path), number, f"not UTF-8 (byte {exc.start})", "save the file as UTF-8") from None
    if not text.strip():
        return None
    try:
        row = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(str(path), number, f"not valid JSON ({exc.msg} at column {exc.colno})",
                        "each line must be one complete JSON object") from None
    except RecursionError:
        raise DataError(str(path), number, "JSON nested too deeply", "flatten the row") from None
    if not isinstance(row, dict):
        raise DataError(str(path), number, f"expected a JSON object, got {type(row).__name__}",
                        'write rows like {"messages": [...]}')
    return row


def _detect(path: Path, number: int, row: dict) -> str:
    if "messages" in row or "conversations" in row:
        return "messages"
    if "text" in row and "label" in row:
        return "classification"
    raise DataError(str(path), number, f"cannot tell the format from the keys {sorted(row)[:6]}",
                    'use {"messages": [...]} rows or {"text": ..., "label": ...} rows')


def _to_messages(path: Path, number: int, row: dict, fmt: str, template: str | None) -> list[dict[str, str]]:
    if fmt == "classification":
        return _classification(path, number, row, template or DEFAULT_TEMPLATE)
    if fmt != "messages":
        raise UserError(f"Unknown format '{fmt}': use auto, messages or classification.")
    if "messages" not in row and "conversations" not in row:
        raise DataError(str(path), number, f"missing (the row has {sorted(row)[:6]}), but the file is in the "
                        "messages format", 'give every row a "messages" list', field="messages")
    key = "messages" if "messages" in row else "conversations"
    turns = row.get(key)
    if not isinstance(turns, list) or not turns:
        raise DataError(str(path), number, "missing or empty", "give a list of {role, content} turns",
                        field=key)
    messages = [_turn(path, number, key, i, turn) for i, turn in enumerate(turns)]
    for i, message in enumerate(messages):
        if message["role"] == "system" and i != 0:
            raise DataError(str(path), number, "a system turn may only come first", "move or drop it",
                            field=f"{key}[{i}].role")
    if not any(m["role"] == "assistant" and m["content"].strip() for m in messages):
        raise DataError(str(path), number, "no assistant turn with content",
                        "add the answer the model should learn as a turn with role 'assistant'", field=key)
    if messages[-1]["role"] != "assistant":
        raise DataError(str(path), number, f"the last turn is '{messages[-1]['role']}', not 'assistant'",
                        "end each conversation with the assistant's answer", field=key)
    return messages


def _turn(path: Path, number: int, key: str, index: int, turn) -> dict[str, str]:
    where = f"{key}[{index}]"
    if not isinstance(turn, dict):
        raise DataError(str(path), number, "expected an object with role and content", field=where)
    if "from" in turn and "role" not in turn:
        role, content = SHAREGPT_ROLES.get(str(turn["from"])), turn.get("value")
        if role is None:
            raise DataError(str(path), number, f"unknown speaker '{turn['from']}'",
                            "use human, gpt or system", field=f"{where}.from")
    else:
        role, content = turn.get("role"), turn.get("content")
        if role not in ROLES:
            raise DataError(str(path), number, f"unknown role {role!r}", "use system, user or assistant",
                            field=f"{where}.role")
    if isinstance(content, list):
        parts = [p.get("text") for p in content if isinstance(p, dict) and p.get("type", "text") == "text"]
        content = "".join(p for p in parts if isinstance(p, str)) if parts else None
    if not isinstance(content, str):
        raise DataError(str(path), number, "missing or not text", "give the turn's text as a string",
                        field=f"{where}.content")
    return {"role": role, "content": content}


def _classification(path: Path, number: int, row: dict, template: str) -> list[dict[str, str]]:
    text, label = row.get("text"), row.get("label")
    if not isinstance(text, str) or not text.strip():
        raise DataError(str(path), number, "missing or empty", "give the input text", field="text")
    if isinstance(label, int | float) and not isinstance(label, bool):
        label = str(label)
    if not isinstance(label, str) or not label.strip():
        raise DataError(str(path), number, "missing or empty", "give the label as text", field="label")
    return [{"role": "user", "content": template.format(text=text)}, {"role": "assistant", "content": label}]
