"""Render canonical messages with the tokenizer's chat template into token ids and a loss mask.

The loss falls on the turns read as learned (ftcore.data.turns.trained: the assistant's, unless the row or
data.train_on_input says otherwise), end-of-turn token included. A template with generation markers gives the mask
itself (`return_assistant_tokens_mask`) where the learned turns are exactly the assistant's; otherwise the
character spans of each learned turn are found by rendering the conversation up to it, then mapped onto tokens
through offsets. Tool schemas go to the template (`tools=`), and so do tool calls and answers; a template that
drops them is refused. A reasoning trace goes to the template as `reasoning_content` where the template renders
it, else into the answer as <think>…</think>.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ftcore.data.turns import trained
from ftcore.errors import UserError

IGNORE = -100
BATCH = 256  # conversations tokenized in one call
GENERATION = re.compile(r"\{%-?\s*generation\s*-?%\}")
_PROBE_TOOL = "ftcore_probe_tool"
_PROBE = [{"role": "user", "content": "q"},
          {"role": "assistant", "content": "", "tool_calls": [
              {"type": "function", "function": {"name": "ftcore_probe_call", "arguments": {"x": 1}}}]},
          {"role": "tool", "content": "ftcore_probe_answer"}, {"role": "assistant", "content": "a"}]
_TOOL_SUPPORT: dict[str, bool] = {}


@dataclass
class Tokenized:
    rows: list[dict[str, list[int]]]
    tokens: int
    truncated: int
    dropped: int


def uses_tools(messages: list[dict], tools: list | None = None) -> bool:
    return bool(tools) or any(m["role"] == "tool" or m.get("tool_calls") for m in messages)


def check_tools(tokenizer) -> None:
    """Refuse a template that would drop tool schemas, calls or answers (checked by rendering them once)."""
    template = str(tokenizer.chat_template or "")
    if template not in _TOOL_SUPPORT:
        tools = [{"type": "function", "function": {"name": _PROBE_TOOL, "description": "d",
                                                   "parameters": {"type": "object", "properties": {}}}}]
        try:
            text = tokenizer.apply_chat_template(_PROBE, tools=tools, tokenize=False)
        except Exception:  # noqa: BLE001 - a template that fails on tool turns has no tool support
            text = ""
        _TOOL_SUPPORT[template] = all(k in text for k in (_PROBE_TOOL, "ftcore_probe_call", "ftcore_probe_answer"))
    if not _TOOL_SUPPORT[template]:
        raise UserError("render.no_tool_template")


def chat_text(messages: list[dict], tokenizer, tools: list | None = None, **options) -> str:
    """The conversation as the chat template writes it (options: add_generation_prompt)."""
    return tokenizer.apply_chat_template(_for_template(messages, tokenizer), tools=tools or None, tokenize=False,
                                         **options)


def _for_template(messages: list[dict], tokenizer) -> list[dict]:
    renders_reasoning = "reasoning_content" in str(tokenizer.chat_template or "")
    out = []
    for message in messages:
        message = {k: v for k, v in message.items() if k != "train"}
        if "reasoning_content" in message and not renders_reasoning:
            thought = message.pop("reasoning_content")
            message["content"] = f"<think>\n{thought}\n</think>\n\n{message['content']}"
        out.append(message)
    return out


def assistant_spans(messages: list[dict], tokenizer, tools: list | None = None) -> tuple[str, list[tuple[int, int]]]:
    """The rendered text and the [start, end) character spans the model must learn: each learned turn's text and
    end-of-turn marker (an assistant turn: everything after its generation prompt)."""
    full = chat_text(messages, tokenizer, tools)
    spans = []
    for i, message in enumerate(messages):
        if not trained(message):
            continue
        assistant = message["role"] == "assistant"
        prefix = chat_text(messages[:i], tokenizer, tools, add_generation_prompt=assistant) if i else ""
        upto = chat_text(messages[: i + 1], tokenizer, tools)
        if not (full.startswith(upto) and upto.startswith(prefix)):
            raise UserError("render.template_not_incremental")
        start = len(prefix)
        if not assistant and message["content"]:  # a prompt turn: its text, not the role header
            found = upto.find(message["content"], start)
            start = found if found >= 0 else start
        spans.append((start, len(upto.rstrip())))
    return full, spans


def _template_mask(messages: list[dict], tokenizer, tools: list | None) -> tuple[list[int], list[int]] | None:
    """Token ids and the assistant mask from a template with generation markers, where the learned turns are
    exactly the assistant's; None otherwise."""
    if not GENERATION.search(str(tokenizer.chat_template or "")):
        return None
    if any(trained(m) != (m["role"] == "assistant") for m in messages):
        return None
    enc = tokenizer.apply_chat_template(_for_template(messages, tokenizer), tools=tools or None, tokenize=True,
                                        return_dict=True, return_assistant_tokens_mask=True)
    return list(enc["input_ids"]), list(enc["assistant_masks"])


def tokenize_messages(messages: list[dict], tokenizer, max_length: int,
                      tools: list | None = None) -> tuple[dict, bool]:
    """One conversation's ids, attention mask and labels, cut at max_length, and whether it was cut."""
    return tokenize_many([(messages, tools)], tokenizer, max_length)[0]


def tokenize_many(conversations: list[tuple[list[dict], list | None]], tokenizer,
                  max_length: int) -> list[tuple[dict, bool]]:
    """tokenize_messages for many (messages, tools) pairs: the texts rendered one by one, tokenized in one batch."""
    out: list = [None] * len(conversations)
    pending = []  # (index, text, spans) of the conversations masked by their spans
    for k, (messages, tools) in enumerate(conversations):
        if uses_tools(messages, tools):
            check_tools(tokenizer)
        found = _template_mask(messages, tokenizer, tools)
        if found:
            ids, mask = found
            out[k] = _row(ids, [t if m else IGNORE for t, m in zip(ids, mask, strict=True)], max_length)
        else:
            pending.append((k, *assistant_spans(messages, tokenizer, tools)))
    if pending:
        enc = tokenizer([text for _, text, _ in pending], add_special_tokens=False, return_offsets_mapping=True)
        for (k, _, spans), ids, offsets in zip(pending, enc["input_ids"], enc["offset_mapping"], strict=True):
            out[k] = _row(ids, _labels(ids, offsets, spans), max_length)
    return out


def _labels(ids: list[int], offsets: list[tuple[int, int]], spans: list[tuple[int, int]]) -> list[int]:
    """Each token's id where it starts inside a learned span (spans in order, apart), else IGNORE."""
    labels, j = [], 0
    for token_id, (start, end) in zip(ids, offsets, strict=True):
        while j < len(spans) and spans[j][1] <= start:
            j += 1
        inside = end > start and j < len(spans) and spans[j][0] <= start
        labels.append(token_id if inside else IGNORE)
    return labels


def _row(ids: list[int], labels: list[int], max_length: int) -> tuple[dict, bool]:
    ids, labels, truncated = list(ids[:max_length]), labels[:max_length], len(ids) > max_length
    return {"input_ids": ids, "attention_mask": [1] * len(ids), "labels": labels}, truncated


def tokenize_document(text: str, tokenizer, max_length: int) -> list[dict[str, list[int]]]:
    """A raw document for continued pre-training: every token is learned; long documents are cut into
    consecutive windows of max_length tokens, the last one ending with the end-of-text token."""
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    if tokenizer.eos_token_id is not None:
        ids = [*ids, tokenizer.eos_token_id]
    chunks = [ids[i:i + max_length] for i in range(0, len(ids), max_length)]
    return [{"input_ids": c, "attention_mask": [1] * len(c), "labels": list(c)} for c in chunks if len(c) > 1]


def render_spans(example, tokenizer, max_length: int) -> list[tuple[str, str | None]]:
    """What the model sees for one example: text pieces tagged "learned" (in the loss) or None (context),
    cut at max_length like training does. The pieces are the rendered text itself, cut at the kept tokens'
    character offsets: a character whose bytes the cut splits over two tokens is left out whole, never shown as
    half a character (decoding the kept tokens would end in U+FFFD there)."""
    if example.meta.get("kind") == "text":
        text = example.messages[-1]["content"]
        rows = tokenize_document(text, tokenizer, max_length)[:1]
    else:
        tools = example.meta.get("tools")
        rows = [tokenize_messages(example.messages, tokenizer, max_length, tools)[0]]
        text = chat_text(example.messages, tokenizer, tools)
    if not rows:
        return []
    labels = rows[0]["labels"]
    offsets = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]
    spans = _pieces(text, offsets, labels[: len(offsets)])
    if len(labels) > len(offsets):  # the whole document fits: its end-of-text token closes it
        if spans and spans[-1][1] == "learned":
            return [*spans[:-1], (spans[-1][0] + tokenizer.eos_token, "learned")]
        spans.append((tokenizer.eos_token, "learned"))
    return spans


def _pieces(text: str, offsets: list[tuple[int, int]], labels: list[int]) -> list[tuple[str, str | None]]:
    """The text of the first len(labels) tokens in pieces of one kind; the text before a token that its offsets
    leave out (e.g. a space) goes with it."""
    kept = len(labels)
    stop = max((end for _, end in offsets[:kept]), default=0)
    if kept < len(offsets) and offsets[kept][0] < stop:  # the first token cut off holds the rest of a character
        stop = offsets[kept][0]
    spans: list[tuple[str, str | None]] = []
    start = shown = 0
    kind = None
    for (_, end), label in zip(offsets, labels, strict=False):
        end = min(end, stop)
        if end <= shown:
            continue
        this = "learned" if label != IGNORE else None
        if shown > start and this != kind:
            spans.append((text[start:shown], kind))
            start = shown
        kind, shown = this, end
    if shown > start:
        spans.append((text[start:shown], kind))
    return spans


def check_tokenizer(examples, tokenizer) -> None:
    """Refuse, before any row is tokenized, a tokenizer that cannot render these examples' conversations."""
    chats = [e for e in examples if e.meta.get("kind") != "text"]
    if chats and not getattr(tokenizer, "is_fast", False):
        raise UserError("render.no_fast_tokenizer")
    if chats and not tokenizer.chat_template:
        raise UserError("render.no_chat_template")
    if any(uses_tools(e.messages, e.meta.get("tools")) for e in chats):
        check_tools(tokenizer)


def tokenize_examples(examples, tokenizer, max_length: int) -> Iterator[tuple[list[dict], bool, bool]]:
    """For each example in order: its rows (a document: its windows; a conversation: one row), whether it was cut,
    and whether it is dropped (no rows: nothing in it to learn). Conversations are tokenized BATCH at a time."""
    for first in range(0, len(examples), BATCH):
        batch = examples[first:first + BATCH]
        conversations = [(e.messages, e.meta.get("tools")) for e in batch if e.meta.get("kind") != "text"]
        made = iter(tokenize_many(conversations, tokenizer, max_length))
        for example in batch:
            if example.meta.get("kind") == "text":
                chunks = tokenize_document(example.messages[-1]["content"], tokenizer, max_length)
                yield chunks, False, not chunks
                continue
            row, cut = next(made)
            if all(label == IGNORE for label in row["labels"]):
                yield [], False, True
            else:
                yield [row], cut, False


def tokenize_all(examples, tokenizer, max_length: int) -> Tokenized:
    check_tokenizer(examples, tokenizer)
    rows, tokens, truncated, dropped = [], 0, 0, 0
    for made, cut, gone in tokenize_examples(examples, tokenizer, max_length):
        rows += made
        tokens += sum(len(r["input_ids"]) for r in made)
        truncated += cut
        dropped += gone
    if not rows:
        raise UserError("render.all_truncated", max_length=max_length)
    return Tokenized(rows, tokens, truncated, dropped)
