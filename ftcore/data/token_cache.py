"""Tokenized training rows as an Arrow dataset, made in parallel (`datasets.map(num_proc=...)`) and cached in the
workspace under a key of the rows themselves, the tokenizer (vocabulary, special tokens, chat template) and the max
length: a resume, a second run on the same data and the report read it back instead of tokenizing again."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from ftcore._atomic import write_json
from ftcore.data.read import Example
from ftcore.data.render import IGNORE, check_tools, tokenize_document, tokenize_many, uses_tools
from ftcore.errors import UserError

PARALLEL_FROM = 4096  # rows; below this, worker processes cost more than they save
KEEP = 8  # cache entries kept, the most recently used
VERSION = 1  # bump when what a row tokenizes to changes


@dataclass
class TokenizedSet:
    dataset: object  # datasets.Dataset with input_ids, attention_mask, labels
    tokens: int
    truncated: int
    dropped: int
    cached: bool  # read back from the cache


def tokenizer_fingerprint(tokenizer) -> str:
    """What decides how text becomes ids: the vocabulary and merges, the special tokens and the chat template."""
    digest = hashlib.sha256()
    backend = getattr(tokenizer, "backend_tokenizer", None)
    digest.update((backend.to_str() if backend is not None else repr(tokenizer.get_vocab())).encode())
    digest.update(json.dumps([str(tokenizer.chat_template or ""), tokenizer.eos_token, tokenizer.bos_token,
                              tokenizer.pad_token, getattr(tokenizer, "add_bos_token", None)]).encode())
    return digest.hexdigest()


def _key(examples: list[Example], tokenizer, max_length: int) -> str:
    digest = hashlib.sha256(f"v{VERSION}:{max_length}:{tokenizer_fingerprint(tokenizer)}".encode())
    for e in examples:
        digest.update(json.dumps([e.messages, e.meta.get("tools"), e.meta.get("kind")], ensure_ascii=False,
                                 sort_keys=True).encode())
    return digest.hexdigest()[:32]


def _rows(batch: dict, tokenizer, max_length: int) -> dict:
    """One batch of serialized examples as tokenized rows (a document can make several, a dropped one none)."""
    out = {"input_ids": [], "attention_mask": [], "labels": [], "n": [], "cut": [], "gone": []}

    def add(row: dict, cut: bool, gone: bool) -> None:
        for key in ("input_ids", "attention_mask", "labels"):
            out[key].append(row[key])
        out["n"].append(len(row["input_ids"]))
        out["cut"].append(cut)
        out["gone"].append(gone)

    items = [json.loads(text) for text in batch["row"]]
    made = iter(tokenize_many([(i["messages"], i["tools"]) for i in items if i["kind"] != "text"], tokenizer,
                              max_length))
    for item in items:
        if item["kind"] == "text":
            chunks = tokenize_document(item["messages"][-1]["content"], tokenizer, max_length)
            for chunk in chunks:
                add(chunk, False, False)
            if not chunks:
                add({"input_ids": [], "attention_mask": [], "labels": []}, False, True)
            continue
        row, cut = next(made)
        add(row, cut, all(label == IGNORE for label in row["labels"]))
    return out


def tokenize_dataset(examples: list[Example], tokenizer, max_length: int, cache: Path | None = None,
                     num_proc: int | None = None) -> TokenizedSet:
    """The examples tokenized (ftcore.data.render: the same ids and mask as tokenize_all), from `cache` when it
    holds them. `num_proc`: worker processes (default: the CPUs, for a few thousand rows or more)."""
    from datasets import Dataset, load_from_disk

    chats = [e for e in examples if e.meta.get("kind") != "text"]
    if chats and not getattr(tokenizer, "is_fast", False):
        raise UserError("render.no_fast_tokenizer")
    if chats and not tokenizer.chat_template:
        raise UserError("render.no_chat_template")
    if any(uses_tools(e.messages, e.meta.get("tools")) for e in chats):
        check_tools(tokenizer)  # here, not inside a worker process
    key = _key(examples, tokenizer, max_length)
    folder = cache / key if cache else None
    if folder and (folder / "stats.json").is_file():
        os.utime(folder)  # recently used: kept by the clean-up
        stats = json.loads((folder / "stats.json").read_text(encoding="utf-8"))
        return TokenizedSet(load_from_disk(str(folder / "rows")), stats["tokens"], stats["truncated"],
                            stats["dropped"], cached=True)
    if num_proc is None:
        num_proc = min(os.cpu_count() or 1, 8) if len(examples) >= PARALLEL_FROM else 1
    source = Dataset.from_dict({"row": [json.dumps({"messages": e.messages, "tools": e.meta.get("tools"),
                                                    "kind": e.meta.get("kind")}, ensure_ascii=False)
                                        for e in examples]})
    rows = source.map(_rows, batched=True, batch_size=256, num_proc=num_proc if num_proc > 1 else None,
                      remove_columns=["row"], fn_kwargs={"tokenizer": tokenizer, "max_length": max_length},
                      keep_in_memory=True, desc="Tokenizing")
    import pyarrow.compute as pc

    gone = rows.data.column("gone")
    kept = rows
    if pc.any(gone).as_py():  # rows with nothing to learn are dropped (and counted)
        kept = rows.filter(lambda g: not g, input_columns="gone", keep_in_memory=True).flatten_indices(
            keep_in_memory=True)
    n, cut = kept.data.column("n"), kept.data.column("cut")
    stats = {"tokens": int(pc.sum(n).as_py() or 0), "truncated": int(pc.sum(pc.cast(cut, "int64")).as_py() or 0),
             "dropped": int(pc.sum(pc.cast(gone, "int64")).as_py() or 0)}
    kept = kept.remove_columns(["n", "cut", "gone"])
    if len(kept) == 0:
        raise UserError("render.all_truncated", max_length=max_length)
    if folder:
        _publish(kept, stats, folder)
        kept = load_from_disk(str(folder / "rows"))  # memory-mapped: the rows leave the process's memory
    return TokenizedSet(kept, stats["tokens"], stats["truncated"], stats["dropped"], cached=False)


def _publish(rows, stats: dict, folder: Path) -> None:
    """Write the cache entry beside its place and rename it in; a writer that comes second keeps the first's."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = folder.with_name(f".{folder.name}.{os.getpid()}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    rows.save_to_disk(str(staging / "rows"))
    write_json(staging / "stats.json", stats)
    try:
        staging.rename(folder)
    except OSError:  # another process published the same key first
        shutil.rmtree(staging, ignore_errors=True)
    entries = sorted((p for p in folder.parent.iterdir() if not p.name.startswith(".")),
                     key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[KEEP:]:
        shutil.rmtree(old, ignore_errors=True)
