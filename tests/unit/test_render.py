"""The loss mask covers exactly the assistant turns plus their end-of-turn token."""

import pytest

from ftcore.data import IGNORE, Example, tokenize_all
from ftcore.data.render import tokenize_messages


@pytest.fixture(scope="module")
def tokenizer(tiny_model):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_model)


def learned_text(tokenizer, messages, max_length=4096):
    row, _ = tokenize_messages(messages, tokenizer, max_length)
    return tokenizer.decode([t for t in row["labels"] if t != IGNORE]), row


def test_single_turn_mask_is_answer_plus_end_of_turn(tokenizer):
    messages = [{"role": "system", "content": "Be kind."}, {"role": "user", "content": "Milk temperature?"},
                {"role": "assistant", "content": "Steam to 60 °C."}]
    text, row = learned_text(tokenizer, messages)
    assert text == "Steam to 60 °C.<|im_end|>"
    learned = [t for t in row["labels"] if t != IGNORE]
    assert learned[-1] == tokenizer.convert_tokens_to_ids("<|im_end|>")
    assert row["labels"][-1] == IGNORE  # the newline after the end-of-turn token is template, not answer
    assert len(row["input_ids"]) == len(row["labels"]) == len(row["attention_mask"])


def test_multi_turn_learns_every_assistant_turn_and_no_prompt(tokenizer):
    messages = [{"role": "user", "content": "A?"}, {"role": "assistant", "content": "First 一"},
                {"role": "user", "content": "B?"}, {"role": "assistant", "content": "Second 二"}]
    text, row = learned_text(tokenizer, messages)
    assert text == "First 一<|im_end|>Second 二<|im_end|>"
    prompt_ids = [i for i, lab in zip(row["input_ids"], row["labels"], strict=True) if lab == IGNORE]
    assert "A?" in tokenizer.decode(prompt_ids) and "B?" in tokenizer.decode(prompt_ids)


def test_truncation_counts_and_drops_examples_without_answer_tokens(tokenizer):
    long_prompt = [{"role": "user", "content": "word " * 200}, {"role": "assistant", "content": "ok"}]
    short = [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a " * 50}]
    result = tokenize_all([Example(long_prompt, 1), Example(short, 2)], tokenizer, max_length=40)
    assert result.dropped == 1 and result.truncated == 1 and len(result.rows) == 1
    assert len(result.rows[0]["input_ids"]) == 40


@pytest.mark.slow
@pytest.mark.xdist_group("embedded")
def test_mask_on_the_embedded_model_tokenizer(embedded_home):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(embedded_home.models_dir / "smollm2-135m-instruct")
    messages = [{"role": "user", "content": "How hot should milk be for a latte?"},
                {"role": "assistant", "content": "55 to 65 °C; above 70 °C it scalds."}]
    text, _ = learned_text(tokenizer, messages)
    assert text == "55 to 65 °C; above 70 °C it scalds.<|im_end|>"
