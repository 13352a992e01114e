"""Tokenized rows made in worker processes and cached: the same ids and mask as tokenizing in one process, read
back on a second call, a new entry when the rows, the template or the max length change."""

import json

import pytest

from ftcore.data import read_examples, tokenize_all
from ftcore.data.chat_template import template_source
from ftcore.data.token_cache import KEEP, tokenize_dataset


@pytest.fixture(scope="module")
def tokenizer(tiny_model):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_model)


def rows(n: int) -> list[dict]:
    out = []
    for i in range(n):
        turns = [{"role": "user", "content": f"question {i}?"}, {"role": "assistant", "content": f"answer {i}."}]
        if i % 3 == 0:
            turns += [{"role": "user", "content": "and?", "train": True}, {"role": "assistant", "content": "more."}]
        if i % 15 == 0:
            turns[1]["train"] = False
        out.append({"messages": turns})
    return out


def examples_of(tmp_path, n: int) -> list:
    path, docs = tmp_path / "d.jsonl", tmp_path / "docs.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows(n)), encoding="utf-8")
    # documents are cut into windows: several rows from one example
    docs.write_text(json.dumps({"text": "a document " * 40}) + "\n", encoding="utf-8")
    return read_examples(path) + read_examples(docs, "text")


def test_parallel_and_cached_rows_equal_tokenizing_in_one_process(tmp_path, tokenizer):
    examples = examples_of(tmp_path, 300)
    expected = tokenize_all(examples, tokenizer, 32)
    cache = tmp_path / "cache"
    made = tokenize_dataset(examples, tokenizer, 32, cache, num_proc=2)
    assert not made.cached and made.dataset.to_list() == expected.rows
    assert (made.tokens, made.truncated, made.dropped) == (expected.tokens, expected.truncated, expected.dropped)
    again = tokenize_dataset(examples, tokenizer, 32, cache)
    assert again.cached and again.dataset.to_list() == expected.rows and again.tokens == expected.tokens
    assert len(list(cache.iterdir())) == 1

    assert not tokenize_dataset(examples, tokenizer, 48, cache).cached  # another max length
    assert not tokenize_dataset(examples[1:], tokenizer, 32, cache).cached  # other rows
    own, tokenizer.chat_template = tokenizer.chat_template, template_source("chatml-tools", None)
    try:
        assert not tokenize_dataset(examples, tokenizer, 32, cache).cached  # another template
    finally:
        tokenizer.chat_template = own
    assert len([p for p in cache.iterdir() if not p.name.startswith(".")]) == 4 <= KEEP


def test_the_cache_keeps_only_the_newest_entries(tmp_path, tokenizer):
    examples = examples_of(tmp_path, 20)
    for length in range(16, 16 + KEEP + 3):
        tokenize_dataset(examples, tokenizer, length, tmp_path / "cache")
    assert len(list((tmp_path / "cache").iterdir())) == KEEP
    assert tokenize_dataset(examples, tokenizer, 16 + KEEP + 2, tmp_path / "cache").cached


def test_the_reports_lengths_are_the_lengths_training_sees(tmp_path, tokenizer):
    from ftcore.data.quality.report import quality_report

    examples = examples_of(tmp_path, 300)
    report = quality_report(examples, fmt="messages", tokenizer=tokenizer, max_length=10**6)
    uncut = tokenize_all(examples, tokenizer, 10**6)
    assert report["tokens"] == uncut.tokens and report["truncated_rows"] == 0
    assert report["longest"] == max(len(r["input_ids"]) for r in uncut.rows)


def test_lengths_counted_in_a_second_process_equal_those_counted_here(tmp_path, tokenizer, monkeypatch):
    from ftcore.data.quality import report as quality

    examples = examples_of(tmp_path, 300)
    here = quality.quality_report(examples, fmt="messages", tokenizer=tokenizer, max_length=64)
    monkeypatch.setattr(quality, "COUNT_ELSEWHERE_FROM", 10)
    started = []
    real_popen = quality.subprocess.Popen
    monkeypatch.setattr(quality.subprocess, "Popen", lambda *a, **k: started.append(a) or real_popen(*a, **k))
    elsewhere = quality.quality_report(examples, fmt="messages", tokenizer=tokenizer, max_length=64)
    assert started and elsewhere == here and here["tokens"] > 0
