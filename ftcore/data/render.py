"""Render canonical messages with the tokenizer's chat template into token ids and a loss mask.

The loss falls on assistant tokens only, end-of-turn token included. Character spans of each assistant turn
are found by rendering the conversation prefix by prefix, then mapped onto tokens through offsets.
"""

from __future__ import annotations

from dataclasses import dataclass

from ftcore.errors import UserError

IGNORE = -100


@dataclass
class Tokenized:
    rows: list[dict[str, list[int]]]
    tokens: int
    truncated: int
    dropped: int


def assistant_spans(messages: list[dict[str, str]], tokenizer) -> tuple[str, list[tuple[int, int]]]:
    """The rendered text and the [start, end) character spans the model must learn."""
    full = tokenizer.apply_chat_template(messages, tokenize=False)
    spans = []
    for i, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        prefix = tokenizer.apply_chat_template(messages[:i], tokenize=False, add_generation_prompt=True)
        upto = tokenizer.apply_chat_template(messages[: i + 1], tokenize=False)
        if not (full.startswith(upto) and upto.startswith(prefix)):
            raise UserError("render.template_not_incremental")
        spans.append((len(prefix), len(upto.rstrip())))
    return full, spans


def tokenize_messages(messages: list[dict[str, str]], tokenizer, max_length: int) -> tuple[dict, bool]:
    text, spans = assistant_spans(messages, tokenizer)
    enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    labels = []
    for token_id, (start, end) in zip(enc["input_ids"], enc["offset_mapping"], strict=True):
        inside = end > start and any(s <= start < e for s, e in spans)
        labels.append(token_id if inside else IGNORE)
    ids = enc["input_ids"]
    truncated = len(ids) > max_length
    ids, labels = ids[:max_length], labels[:max_length]
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
        text, _ = assistant_spans(example.messages, tokenizer)
        rows = [tokenize_messages(example.messages, tokenizer, max_length)[0]]
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


def tokenize_all(examples, tokenizer, max_length: int) -> Tokenized:
    chats = any(e.meta.get("kind") != "text" for e in examples)
    if chats and not getattr(tokenizer, "is_fast", False):
        raise UserError("render.no_fast_tokenizer")
    if chats and not tokenizer.chat_template:
        raise UserError("render.no_chat_template")
    rows, tokens, truncated, dropped = [], 0, 0, 0
    for example in examples:
        if example.meta.get("kind") == "text":
            chunks = tokenize_document(example.messages[-1]["content"], tokenizer, max_length)
            rows += chunks
            tokens += sum(len(c["input_ids"]) for c in chunks)
            dropped += not chunks
            continue
        row, cut = tokenize_messages(example.messages, tokenizer, max_length)
        if all(label == IGNORE for label in row["labels"]):
            dropped += 1
            continue
        rows.append(row)
        tokens += len(row["input_ids"])
        truncated += cut
    if not rows:
        raise UserError("render.all_truncated", max_length=max_length)
    return Tokenized(rows, tokens, truncated, dropped)
