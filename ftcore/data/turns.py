"""One conversation of any common chat layout, in canonical form.

Layouts read: OpenAI/TRL messages (content a string or a list of typed parts, assistant `tool_calls`, `tool`
answers, legacy `function_call`/`function`), ShareGPT `conversations` (`function_call` and `observation` turns),
LLaMA-Factory's typed parts ({"type": "text", "value": ...}) with a per-message `loss_weight`.

A canonical message is {"role", "content"} with, where they apply:
- "train": True/False where it differs from the role's default (an assistant turn is learned, no other turn is);
- "tool_calls": [{"type": "function", "function": {"name", "arguments": dict}}] on an assistant turn;
- "reasoning_content": the assistant's reasoning trace;
- "name", "tool_call_id" on a tool answer.
So whether a turn is learned is decided here, once, when the row is read (`trained`). Tool answers are never learned.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ftcore.errors import DataError

ROLES = {"system": "system", "developer": "system", "user": "user", "assistant": "assistant", "tool": "tool",
         "function": "tool", "ipython": "tool"}
SHAREGPT_ROLES = {"system": "system", "human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant",
                  "model": "assistant", "bot": "assistant", "function_call": "call", "observation": "tool",
                  "tool": "tool", "function": "tool", "ipython": "tool"}
TEXT_PARTS = {"text", "input_text", "output_text"}
REASONING_PARTS = {"reasoning", "thinking", "think"}
CALL_PARTS = {"tool_call", "function_call"}
WEIGHT_KEYS = ("loss_weight", "weight", "train")
REASONING_KEYS = ("reasoning_content", "reasoning", "thinking")
THINK = re.compile(r"<think>.*?</think>\s*", re.S)


class RowProblem(Exception):
    """A problem in one row; the reader adds the file and row number. `problem` and `fix` are catalog keys
    (ftcore.messages) sharing the values."""

    def __init__(self, field: str | None, problem: str, fix: str, **values: Any):
        super().__init__(problem)
        self.field, self.problem, self.fix, self.values = field, problem, fix, values

    def at(self, path: str, row: int) -> DataError:
        return DataError(path, row, self.problem, self.fix, field=self.field, **self.values)


def trained(message: dict) -> bool:
    """Whether the loss covers this turn."""
    return message.get("train", message["role"] == "assistant")


def conversation(key: str, turns, *, train_on_input: bool = False, reasoning: str = "keep") -> list[dict]:
    """Canonical messages of a `messages`/`conversations` list; raises RowProblem naming the turn and field."""
    if not isinstance(turns, list) or not turns:
        raise RowProblem(key, "row.missing_or_empty", "row.fix_turns")
    messages: list[dict] = []
    for i, turn in enumerate(turns):
        message = _turn(f"{key}[{i}]", turn)
        if message["role"] == "call":  # a ShareGPT function_call turn: the calls of an assistant turn
            previous = messages[-1] if messages else None
            if previous and previous["role"] == "assistant" and "tool_calls" not in previous:
                previous["tool_calls"] = message["tool_calls"]  # text, then the call: one assistant turn
                continue
            message["role"] = "assistant"
        messages.append(message)
    for message in messages:
        _settle(message, train_on_input, reasoning)
    check(key, messages)
    return messages


def _turn(where: str, turn) -> dict:
    if not isinstance(turn, dict):
        raise RowProblem(where, "row.not_a_turn", "row.fix_turn")
    if "from" in turn and "role" not in turn:
        speaker = str(turn["from"])
        role = SHAREGPT_ROLES.get(speaker)
        if role is None:
            raise RowProblem(f"{where}.from", "row.unknown_role", "row.fix_sharegpt_role", role=speaker)
        field, content = f"{where}.value", turn.get("value")
    else:
        role = ROLES.get(str(turn.get("role")))
        if role is None:
            raise RowProblem(f"{where}.role", "row.unknown_role", "row.fix_role", role=turn.get("role"))
        field, content = f"{where}.content", turn.get("content")
    message: dict = {"role": role}
    if role == "call":
        message["tool_calls"] = tool_calls(content, field)
        content = ""
    parts = _parts(content, field) if isinstance(content, list) else {"text": content}
    text = parts["text"]
    if text is None and (role == "assistant" and (turn.get("tool_calls") or turn.get("function_call"))
                         or parts.get("calls")):
        text = ""  # OpenAI: an assistant turn that only calls tools has content null
    if text is None:
        raise RowProblem(field, "row.missing_or_null", "row.fix_turn_text")
    if not isinstance(text, str):
        raise RowProblem(field, "row.not_text", "row.fix_turn_text", type=type(text).__name__)
    message["content"] = text
    calls = parts.get("calls") or []
    for name in ("tool_calls", "function_call"):
        if turn.get(name) and role == "assistant":
            calls += tool_calls(turn[name], f"{where}.{name}")
    if calls:
        if role != "assistant":
            raise RowProblem(f"{where}.tool_calls", "row.calls_not_assistant", "row.fix_calls_role", role=role)
        message["tool_calls"] = calls
    thought = parts.get("reasoning") or next((turn[k] for k in REASONING_KEYS if turn.get(k)), None)
    if thought is not None:
        if not isinstance(thought, str):
            raise RowProblem(f"{where}.reasoning_content", "row.not_text", "row.fix_reasoning",
                             type=type(thought).__name__)
        if role != "assistant":
            raise RowProblem(f"{where}.reasoning_content", "row.reasoning_not_assistant", "row.fix_reasoning")
        message["reasoning_content"] = thought.strip()
    if role == "tool":
        for name in ("name", "tool_call_id"):
            if isinstance(turn.get(name), str):
                message[name] = turn[name]
    weight = _weight(turn, where)
    if weight is not None:
        message["_weight"] = weight
    return message


def _parts(parts: list, field: str) -> dict:
    """Text, reasoning and calls of a list of typed parts; a part that is not text is refused by type."""
    text, thought, calls = [], [], []
    for k, part in enumerate(parts):
        where = f"{field}[{k}]"
        if isinstance(part, str):
            text.append(part)
            continue
        if not isinstance(part, dict):
            raise RowProblem(where, "row.not_a_part", "row.fix_text_parts")
        kind = str(part.get("type", "text"))
        value = part.get("text", part.get("value", part.get(kind)))
        if kind in CALL_PARTS:
            calls += tool_calls(value, f"{where}.value")
            continue
        if kind not in TEXT_PARTS | REASONING_PARTS:
            raise RowProblem(f"{where}.type", "row.part_not_text", "row.fix_text_parts", type=kind)
        if not isinstance(value, str):
            raise RowProblem(where, "row.not_text", "row.fix_text_parts", type=type(value).__name__)
        (thought if kind in REASONING_PARTS else text).append(value)
    return {"text": "".join(text), "reasoning": "".join(thought) or None, "calls": calls}


def tool_calls(value, where: str) -> list[dict]:
    """Calls in canonical form from an OpenAI `tool_calls` list, a legacy `function_call` object, a ShareGPT
    function_call value (a JSON object or list as text) or a typed part's value."""
    value = _from_json(value, where, "row.call_not_json", "row.fix_call")
    items = value if isinstance(value, list) else [value]
    if not items:
        raise RowProblem(where, "row.missing_or_empty", "row.fix_call")
    calls = []
    for k, item in enumerate(items):
        spot = f"{where}[{k}]" if isinstance(value, list) else where
        function = item.get("function", item) if isinstance(item, dict) else None
        if not isinstance(function, dict):
            raise RowProblem(spot, "row.call_not_object", "row.fix_call")
        name = function.get("name")
        if not isinstance(name, str) or not name.strip():
            raise RowProblem(f"{spot}.name", "row.missing_or_null", "row.fix_call")
        arguments = function.get("arguments", function.get("parameters", {}))
        if isinstance(arguments, str) and not arguments.strip():
            arguments = {}
        arguments = _from_json(arguments, f"{spot}.arguments", "row.arguments_not_json", "row.fix_arguments")
        if not isinstance(arguments, dict):
            raise RowProblem(f"{spot}.arguments", "row.arguments_not_json", "row.fix_arguments")
        call = {"type": "function", "function": {"name": name.strip(), "arguments": arguments}}
        if isinstance(item.get("id"), str):
            call["id"] = item["id"]
        calls.append(call)
    return calls


def tools(value, where: str = "tools") -> list[dict] | None:
    """The row's tool schemas as the chat template takes them ({"type": "function", "function": {...}}), from a
    list, one object, or either as JSON text; None when the row has none."""
    if value is None or value == "" or value == []:
        return None
    value = _from_json(value, where, "row.tools_not_json", "row.fix_tools")
    items = value if isinstance(value, list) else [value]
    out = []
    for k, item in enumerate(items):
        if isinstance(item, dict) and isinstance(item.get("function"), dict) and item["function"].get("name"):
            out.append({**item, "type": "function"})
        elif isinstance(item, dict) and isinstance(item.get("name"), str) and item["name"].strip():
            out.append({"type": "function", "function": item})
        else:
            raise RowProblem(f"{where}[{k}]", "row.bad_tool", "row.fix_tools")
    return out or None


def _from_json(value, where: str, problem: str, fix: str):
    """A value that may come as JSON text (ShareGPT and OpenAI write calls and schemas that way) as data."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        raise RowProblem(where, problem, fix) from None


def _weight(turn: dict, where: str) -> bool | None:
    for key in WEIGHT_KEYS:
        value = turn.get(key)
        if value is None:
            continue
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float) and value in (0, 1):
            return bool(value)
        raise RowProblem(f"{where}.{key}", "row.bad_weight", "row.fix_weight", value=value)
    return None


def _settle(message: dict, train_on_input: bool, reasoning: str) -> None:
    """Decide once whether the turn is learned, and keep or drop its reasoning."""
    weight = message.pop("_weight", None)
    role = message["role"]
    learn = False if role == "tool" else weight if weight is not None else (
        role == "assistant" or role == "user" and train_on_input)
    if learn != (role == "assistant"):
        message["train"] = learn
    if reasoning == "drop" and role == "assistant":
        message.pop("reasoning_content", None)
        message["content"] = THINK.sub("", message["content"])


def check(key: str, messages: list[dict]) -> None:
    for i, message in enumerate(messages):
        if message["role"] == "system" and i != 0:
            raise RowProblem(f"{key}[{i}].role", "row.system_not_first", "row.fix_move_or_drop")
        if message["role"] == "tool" and (i == 0 or messages[i - 1]["role"] != "tool"
                                          and "tool_calls" not in messages[i - 1]):
            raise RowProblem(f"{key}[{i}]", "row.tool_without_call", "row.fix_tool_order")
    if messages[-1]["role"] != "assistant":
        raise RowProblem(key, "row.last_not_assistant", "row.fix_end_with_answer", role=messages[-1]["role"])
    for i, message in enumerate(messages):
        if message["role"] == "assistant" and not (message["content"].strip() or message.get("tool_calls")):
            raise RowProblem(f"{key}[{i}].content", "row.blank_answer", "row.fix_write_answer")
    if not any(trained(m) for m in messages):
        raise RowProblem(key, "row.nothing_trained", "row.fix_weights")
