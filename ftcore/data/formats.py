"""Turn one raw row of any supported format into canonical chat messages.

Formats: messages (OpenAI/TRL, ShareGPT `conversations`), alpaca, prompt_completion, text (continued
pre-training), classification (text + label through a template). Column mapping renames source columns first.
"""

from __future__ import annotations

from ftcore.data.turns import RowProblem, conversation

FORMATS = ("messages", "alpaca", "prompt_completion", "text", "classification")
DEFAULT_TEMPLATE = "{text}"


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


def to_messages(row: dict, fmt: str, template: str | None = None, *, train_on_input: bool = False,
                reasoning: str = "keep") -> list[dict]:
    """Canonical messages (ftcore.data.turns) of one row. `train_on_input`: user turns are learned too;
    `reasoning`: keep or drop the assistant's reasoning traces."""
    options = {"train_on_input": train_on_input, "reasoning": reasoning}
    if fmt == "messages":
        return _messages(row, options)
    if fmt == "alpaca":
        return _learn_input(_alpaca(row), train_on_input)
    if fmt == "prompt_completion":
        return _prompt_completion(row, options)
    if fmt == "classification":
        return _learn_input(_classification(row, template or DEFAULT_TEMPLATE), train_on_input)
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


def _messages(row: dict, options: dict) -> list[dict]:
    if "messages" not in row and "conversations" not in row:
        raise RowProblem("messages", "row.no_messages", "row.fix_messages", columns=sorted(row)[:6])
    key = "messages" if "messages" in row else "conversations"
    return conversation(key, row[key], **options)


def _learn_input(messages: list[dict], train_on_input: bool) -> list[dict]:
    if train_on_input:
        for message in messages:
            if message["role"] == "user":
                message["train"] = True
    return messages


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


def _prompt_completion(row: dict, options: dict) -> list[dict]:
    prompt, completion = row.get("prompt"), row.get("completion")
    if isinstance(prompt, list) or isinstance(completion, list):  # TRL's conversational prompt-completion
        if not isinstance(prompt, list) or not isinstance(completion, list):
            raise RowProblem("completion", "row.mixed_kinds", "row.fix_same_kind")
        if not prompt:
            raise RowProblem("prompt", "row.missing_or_empty", "row.fix_turns")
        # TRL learns the completion only: the prompt's turns carry no loss unless a turn says so
        turns = [{**t, "train": t.get("train", options["train_on_input"] and t.get("role") == "user")}
                 if isinstance(t, dict) else t for t in prompt]
        return conversation("completion", turns + completion, **options)
    return _learn_input([{"role": "user", "content": _text(row, "prompt", "row.fix_prompt")},
                         {"role": "assistant", "content": _text(row, "completion", "row.fix_completion")}],
                        options["train_on_input"])


def _classification(row: dict, template: str) -> list[dict[str, str]]:
    text = _text(row, "text", "row.fix_input_text")
    label = _text(row, "label", "row.fix_label")
    return [{"role": "user", "content": template.replace("{text}", text)},
            {"role": "assistant", "content": label.strip()}]
