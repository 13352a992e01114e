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
from ftcore.data.render import BATCH, check_tokenizer, tokenize_examples
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


def _serialized(examples: list[Example]) -> list[str]:
    """Each example as the JSON text the cache key hashes and the worker processes read."""
    return [json.dumps([e.messages, e.meta.get("tools"), e.meta.get("kind")], ensure_ascii=False, sort_keys=True)
            for e in examples]


def _key(texts: list[str], tokenizer, max_length: int) -> str:
    digest = hashlib.sha256(f"v{VERSION}:{max_length}:{tokenizer_fingerprint(tokenizer)}".encode())
    for text in texts:
        digest.update(text.encode())
    return digest.hexdigest()[:32]


def _rows(batch: dict, tokenizer, max_length: int) -> dict:
    """One batch of serialized examples as tokenized rows (ftcore.data.render.tokenize_examples); a dropped
    example leaves one empty row marked "gone", filtered out and counted afterwards."""
    out = {"input_ids": [], "attention_mask": [], "labels": [], "n": [], "cut": [], "gone": []}
    examples = [Example(messages, 0, {"tools": tools, "kind": kind})
                for messages, tools, kind in map(json.loads, batch["row"])]
    for made, cut, gone in tokenize_examples(examples, tokenizer, max_length):
        for row in made or [{"input_ids": [], "attention_mask": [], "labels": []}]:
            for key in ("input_ids", "attention_mask", "labels"):
                out[key].append(row[key])
            out["n"].append(len(row["input_ids"]))
            out["cut"].append(cut)
            out["gone"].append(gone)
    return out


def tokenize_dataset(examples: list[Example], tokenizer, max_length: int, cache: Path | None = None,
                     num_proc: int | None = None) -> TokenizedSet:
    """The examples tokenized (ftcore.data.render: the same ids and mask as tokenize_all), from `cache` when it
    holds them. `num_proc`: worker processes (default: the CPUs, for a few thousand rows or more)."""
    from datasets import Dataset, load_from_disk

    check_tokenizer(examples, tokenizer)  # here, not inside a worker process
    texts = _serialized(examples)
    key = _key(texts, tokenizer, max_length)
    folder = cache / key if cache else None
    if folder and (folder / "stats.json").is_file():
        os.utime(folder)  # recently used: kept by the clean-up
        stats = json.loads((folder / "stats.json").read_text(encoding="utf-8"))
        return TokenizedSet(load_from_disk(str(folder / "rows")), stats["tokens"], stats["truncated"],
                            stats["dropped"], cached=True)
    if num_proc is None:
        num_proc = min(os.cpu_count() or 1, 8) if len(examples) >= PARALLEL_FROM else 1
    source = Dataset.from_dict({"row": texts})
    rows = source.map(_rows, batched=True, batch_size=BATCH, num_proc=num_proc if num_proc > 1 else None,
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
