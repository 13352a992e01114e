"""Turn one raw row of any supported format into canonical chat messages.

Formats: messages (OpenAI/TRL, ShareGPT `conversations`), alpaca, prompt_completion, text (continued
pre-training), classification (text + label through a template). Column mapping renames source columns first.
"""

from __future__ import annotations

from ..errors import DataError

FORMATS = ("messages", "alpaca", "prompt_completion", "text", "classification")
ROLES = {"system", "user", "assistant"}
SHAREGPT_ROLES = {"system": "system", "human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant",
                  "model": "assistant", "bot": "assistant"}
TOOL_ROLES = {"tool", "function", "ipython", "function_call", "observation"}
DEFAULT_TEMPLATE = "{text}"


class RowProblem(Exception):
    """A problem in one row; the reader adds the file and row number."""

    def __init__(self, field: str | None, problem: str, fix: str):
        super().__init__(problem)
        self.field, self.problem, self.fix = field, problem, fix

    def at(self, path: str, row: int) -> DataError:
        return DataError(path, row, self.problem, self.fix, field=self.field)


def map_columns(row: dict, columns: dict[str, str] | None) -> dict:
    """Rename source columns to the names a format expects: columns = {"text": "clause", "label": "risk"}."""
    if not columns:
        return row
    mapped = {k: v for k, v in row.items() if k not in columns.values()}
    for target, source in columns.items():
        if source not in row:
            raise RowProblem(source, f"column '{source}' (mapped to '{target}') is missing",
                             f"the row has {sorted(row)[:8]}; fix the column mapping")
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
        return [{"role": "assistant", "content": _text(row, "text", "give the document text")}]
    raise RowProblem(None, f"unknown format '{fmt}'", f"use one of {', '.join(FORMATS)}")


def _text(row: dict, key: str, fix: str, *, required: bool = True, allow_blank: bool = False) -> str:
    value = row.get(key)
    if value is None and not required:
        return ""
    if value is None:
        raise RowProblem(key, "missing or null", fix)
    if isinstance(value, int | float) and not isinstance(value, bool) and key == "label":
        return str(value)
    if not isinstance(value, str):
        raise RowProblem(key, f"must be text, got {type(value).__name__}", fix)
    if not allow_blank and required and not value.strip():
        raise RowProblem(key, "empty or only whitespace", fix)
    return value


def _messages(row: dict) -> list[dict[str, str]]:
    if "messages" not in row and "conversations" not in row:
        raise RowProblem("messages", f"missing (the row has {sorted(row)[:6]}), but the file is in the messages "
                         "format", 'give every row a "messages" list')
    key = "messages" if "messages" in row else "conversations"
    turns = row[key]
    if not isinstance(turns, list) or not turns:
        raise RowProblem(key, "missing or empty", "give a list of {role, content} turns")
    messages = [_turn(key, i, turn) for i, turn in enumerate(turns)]
    _check_turns(key, messages)
    return messages


def _turn(key: str, index: int, turn) -> dict[str, str]:
    where = f"{key}[{index}]"
    if not isinstance(turn, dict):
        raise RowProblem(where, "expected an object with role and content", 'write {"role": ..., "content": ...}')
    if "from" in turn and "role" not in turn:
        speaker, content = str(turn["from"]), turn.get("value")
        role = SHAREGPT_ROLES.get(speaker)
        if role is None:
            raise RowProblem(f"{where}.from", _role_problem(speaker), "use human, gpt or system")
        field = f"{where}.value"
    else:
        role, content, field = turn.get("role"), turn.get("content"), f"{where}.content"
        if role not in ROLES:
            raise RowProblem(f"{where}.role", _role_problem(role), "use system, user or assistant")
    if isinstance(content, list):
        parts = [p for p in content if isinstance(p, dict)]
        if len(parts) != len(content) or any(p.get("type", "text") != "text" for p in parts):
            raise RowProblem(field, "only text parts are supported", 'keep parts like {"type": "text", "text": ...}')
        content = "".join(p.get("text") or "" for p in parts)
    if content is None:
        raise RowProblem(field, "missing or null", "give the turn's text as a string")
    if not isinstance(content, str):
        raise RowProblem(field, f"must be text, got {type(content).__name__}", "give the turn's text as a string")
    return {"role": role, "content": content}


def _role_problem(role) -> str:
    if str(role) in TOOL_ROLES:
        return f"tool role '{role}' is not supported for training yet"
    return f"unknown role {role!r}"


def _check_turns(key: str, messages: list[dict[str, str]]) -> None:
    for i, message in enumerate(messages):
        if message["role"] == "system" and i != 0:
            raise RowProblem(f"{key}[{i}].role", "a system turn may only come first", "move or drop it")
    if not any(m["role"] == "assistant" and m["content"].strip() for m in messages):
        raise RowProblem(key, "no assistant turn with content",
                         "add the answer the model should learn as a turn with role 'assistant'")
    if messages[-1]["role"] != "assistant":
        raise RowProblem(key, f"the last turn is '{messages[-1]['role']}', not 'assistant'",
                         "end each conversation with the assistant's answer")
    for i, message in enumerate(messages):
        if message["role"] == "assistant" and not message["content"].strip():
            raise RowProblem(f"{key}[{i}].content", "empty or whitespace-only answer",
                             "write the answer, or drop the turn")


def _alpaca(row: dict) -> list[dict[str, str]]:
    instruction = _text(row, "instruction", "give the task as text")
    extra = _text(row, "input", "give the input as text (or leave it out)", required=False)
    output = _text(row, "output", "give the answer the model should learn")
    messages = []
    system = _text(row, "system", "give the system prompt as text", required=False)
    if system.strip():
        messages.append({"role": "system", "content": system})
    history = row.get("history") or []
    if not isinstance(history, list):
        raise RowProblem("history", "must be a list of [question, answer] pairs", "fix or drop it")
    for i, pair in enumerate(history):
        if not (isinstance(pair, list | tuple) and len(pair) == 2 and all(isinstance(x, str) for x in pair)):
            raise RowProblem(f"history[{i}]", "must be a [question, answer] pair of strings", "fix or drop it")
        messages += [{"role": "user", "content": pair[0]}, {"role": "assistant", "content": pair[1]}]
    prompt = f"{instruction}\n\n{extra}" if extra.strip() else instruction
    return [*messages, {"role": "user", "content": prompt}, {"role": "assistant", "content": output}]


def _prompt_completion(row: dict) -> list[dict[str, str]]:
    prompt, completion = row.get("prompt"), row.get("completion")
    if isinstance(prompt, list) or isinstance(completion, list):  # TRL's conversational prompt-completion
        if not isinstance(prompt, list) or not isinstance(completion, list):
            raise RowProblem("completion", "prompt and completion must both be texts or both be message lists",
                             "use the same kind for both")
        messages = [_turn("prompt", i, t) for i, t in enumerate(prompt)]
        messages += [_turn("completion", i, t) for i, t in enumerate(completion)]
        _check_turns("completion", messages)
        return messages
    return [{"role": "user", "content": _text(row, "prompt", "give the prompt as text")},
            {"role": "assistant", "content": _text(row, "completion", "give the completion the model should learn")}]


def _classification(row: dict, template: str) -> list[dict[str, str]]:
    text = _text(row, "text", "give the input text")
    label = _text(row, "label", "give the label as text")
    return [{"role": "user", "content": template.replace("{text}", text)},
            {"role": "assistant", "content": label.strip()}]
