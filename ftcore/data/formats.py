"""Turn one raw row of any supported format into canonical chat messages.

Formats: messages (OpenAI/TRL, ShareGPT `conversations`), alpaca, prompt_completion, text (continued
pre-training), classification (text + label through a template). Column mapping renames source columns first.
"""

from __future__ import annotations

from typing import Any

from ftcore.errors import DataError

FORMATS = ("messages", "alpaca", "prompt_completion", "text", "classification")
ROLES = {"system", "user", "assistant"}
SHAREGPT_ROLES = {"system": "system", "human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant",
                  "model": "assistant", "bot": "assistant"}
TOOL_ROLES = {"tool", "function", "ipython", "function_call", "observation"}
DEFAULT_TEMPLATE = "{text}"


class RowProblem(Exception):
    """A problem in one row; the reader adds the file and row number. `problem` and `fix` are catalog keys
    (ftcore.messages) sharing the values."""

    def __init__(self, field: str | None, problem: str, fix: str, **values: Any):
        super().__init__(problem)
        self.field, self.problem, self.fix, self.values = field, problem, fix, values

    def at(self, path: str, row: int) -> DataError:
        return DataError(path, row, self.problem, self.fix, field=self.field, **self.values)


def map_columns(row: dict, columns: dict[str, str] | None) -> dict:
    """Rename source columns to the names a format expects: columns = {"text": "clause", "label": "risk"}."""
    if not columns:
        return row
    mapped = {k: v for k, v in row.items() if k not in columns.values()}
    for target, source in columns.items():
        if source not in row:
            raise RowProblem(source, "row.column_missing", "row.fix_mapping", source=source, target=target,
                             columns=sorted(row)[:8])
        mapped[target] = row[source]
    return mapped


def detect(row: dict) -> str | None:
    if "messages" in row or "conversations" in row:
        return "messages"
    if "instruction" in row and "output" in row:
        return "alpaca"
    if "prompt" in row and "completion" in row:
        return "prompt_completion"
    if "text" in row and "label" in row:
        return "classification"
    if "text" in row:
        return "text"
    return None


def to_messages(row: dict, fmt: str, template: str | None = None) -> list[dict[str, str]]:
    if fmt == "messages":
        return _messages(row)
    if fmt == "alpaca":
        return _alpaca(row)
    if fmt == "prompt_completion":
        return _prompt_completion(row)
    if fmt == "classification":
        return _classification(row, template or DEFAULT_TEMPLATE)
    if fmt == "text":
        return [{"role": "assistant", "content": _text(row, "text", "row.fix_document")}]
    raise RowProblem(None, "row.unknown_format", "row.use_formats", format=fmt, formats=", ".join(FORMATS))


def _text(row: dict, key: str, fix: str, *, required: bool = True, allow_blank: bool = False) -> str:
    """The text in column `key`; `fix` is the catalog key of what to do when it is not usable text."""
    value = row.get(key)
    if value is None and not required:
        return ""
    if value is None:
        raise RowProblem(key, "row.missing_or_null", fix)
    if isinstance(value, int | float) and not isinstance(value, bool) and key == "label":
        return str(value)
    if not isinstance(value, str):
        raise RowProblem(key, "row.not_text", fix, type=type(value).__name__)
    if not allow_blank and required and not value.strip():
        raise RowProblem(key, "row.blank", fix)
    return value


def _messages(row: dict) -> list[dict[str, str]]:
    if "messages" not in row and "conversations" not in row:
        raise RowProblem("messages", "row.no_messages", "row.fix_messages", columns=sorted(row)[:6])
    key = "messages" if "messages" in row else "conversations"
    turns = row[key]
    if not isinstance(turns, list) or not turns:
        raise RowProblem(key, "row.missing_or_empty", "row.fix_turns")
    messages = [_turn(key, i, turn) for i, turn in enumerate(turns)]
    _check_turns(key, messages)
    return messages


def _turn(key: str, index: int, turn) -> dict[str, str]:
    where = f"{key}[{index}]"
    if not isinstance(turn, dict):
        raise RowProblem(where, "row.not_a_turn", "row.fix_turn")
    if "from" in turn and "role" not in turn:
        speaker, content = str(turn["from"]), turn.get("value")
        role = SHAREGPT_ROLES.get(speaker)
        if role is None:
            raise RowProblem(f"{where}.from", "row.tool_role" if speaker in TOOL_ROLES else "row.unknown_role",
                             "row.fix_sharegpt_role", role=speaker)
        field = f"{where}.value"
    else:
        role, content, field = turn.get("role"), turn.get("content"), f"{where}.content"
        if role not in ROLES:
            raise RowProblem(f"{where}.role", "row.tool_role" if str(role) in TOOL_ROLES else "row.unknown_role",
                             "row.fix_role", role=role)
    if isinstance(content, list):
        parts = [p for p in content if isinstance(p, dict)]
        if len(parts) != len(content) or any(p.get("type", "text") != "text" for p in parts):
            raise RowProblem(field, "row.text_parts_only", "row.fix_text_parts")
        content = "".join(p.get("text") or "" for p in parts)
    if content is None:
        raise RowProblem(field, "row.missing_or_null", "row.fix_turn_text")
    if not isinstance(content, str):
        raise RowProblem(field, "row.not_text", "row.fix_turn_text", type=type(content).__name__)
    return {"role": role, "content": content}


def _check_turns(key: str, messages: list[dict[str, str]]) -> None:
    for i, message in enumerate(messages):
        if message["role"] == "system" and i != 0:
            raise RowProblem(f"{key}[{i}].role", "row.system_not_first", "row.fix_move_or_drop")
    if not any(m["role"] == "assistant" and m["content"].strip() for m in messages):
        raise RowProblem(key, "row.no_answer", "row.fix_add_answer")
    if messages[-1]["role"] != "assistant":
        raise RowProblem(key, "row.last_not_assistant", "row.fix_end_with_answer", role=messages[-1]["role"])
    for i, message in enumerate(messages):
        if message["role"] == "assistant" and not message["content"].strip():
            raise RowProblem(f"{key}[{i}].content", "row.blank_answer", "row.fix_write_answer")


def _alpaca(row: dict) -> list[dict[str, str]]:
    instruction = _text(row, "instruction", "row.fix_task")
    extra = _text(row, "input", "row.fix_input", required=False)
    output = _text(row, "output", "row.fix_answer")
    messages = []
    system = _text(row, "system", "row.fix_system", required=False)
    if system.strip():
        messages.append({"role": "system", "content": system})
    history = row.get("history") or []
    if not isinstance(history, list):
        raise RowProblem("history", "row.history_not_list", "row.fix_or_drop")
    for i, pair in enumerate(history):
        if not (isinstance(pair, list | tuple) and len(pair) == 2 and all(isinstance(x, str) for x in pair)):
            raise RowProblem(f"history[{i}]", "row.history_not_pair", "row.fix_or_drop")
        messages += [{"role": "user", "content": pair[0]}, {"role": "assistant", "content": pair[1]}]
    prompt = f"{instruction}\n\n{extra}" if extra.strip() else instruction
    return [*messages, {"role": "user", "content": prompt}, {"role": "assistant", "content": output}]


def _prompt_completion(row: dict) -> list[dict[str, str]]:
    prompt, completion = row.get("prompt"), row.get("completion")
    if isinstance(prompt, list) or isinstance(completion, list):  # TRL's conversational prompt-completion
        if not isinstance(prompt, list) or not isinstance(completion, list):
            raise RowProblem("completion", "row.mixed_kinds", "row.fix_same_kind")
        messages = [_turn("prompt", i, t) for i, t in enumerate(prompt)]
        messages += [_turn("completion", i, t) for i, t in enumerate(completion)]
        _check_turns("completion", messages)
        return messages
    return [{"role": "user", "content": _text(row, "prompt", "row.fix_prompt")},
            {"role": "assistant", "content": _text(row, "completion", "row.fix_completion")}]


def _classification(row: dict, template: str) -> list[dict[str, str]]:
    text = _text(row, "text", "row.fix_input_text")
    label = _text(row, "label", "row.fix_label")
    return [{"role": "user", "content": template.replace("{text}", text)},
            {"role": "assistant", "content": label.strip()}]
