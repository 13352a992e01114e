"""The loss mask covers exactly the assistant turns plus their end-of-turn token."""

import pytest

from ftcore.data import IGNORE, Example, render_spans, tokenize_all
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


def test_the_preview_is_the_kept_tokens_text_cut_on_whole_characters(tokenizer):
    """The tiny tokenizer spells most Chinese characters as two or three byte tokens: a cut at max_length often
    falls inside one, and the preview leaves that character out instead of showing U+FFFD."""
    answer = "这份合同对违约责任做出了明确规定，" * 20
    messages = [{"role": "user", "content": "总结这一条。"}, {"role": "assistant", "content": answer}]
    whole = render_spans(Example(messages, 1), tokenizer, 4096)
    assert "".join(text for text, _ in whole) == tokenizer.apply_chat_template(messages, tokenize=False)
    assert [text for text, kind in whole if kind == "learned"] == [answer + "<|im_end|>"]
    split = 0
    for max_length in range(24, 64):
        spans = render_spans(Example(messages, 1), tokenizer, max_length)
        shown = "".join(text for text, _ in spans)
        kept = tokenizer.decode(tokenize_messages(messages, tokenizer, max_length)[0]["input_ids"])
        assert "\ufffd" not in shown and kept.rstrip("\ufffd") == shown, max_length
        assert answer.startswith("".join(text for text, kind in spans if kind == "learned"))
        split += kept != shown
    assert split > 0  # some of these cuts did fall inside a character


def test_a_documents_preview_ends_on_whole_characters_or_its_end_of_text_token(tokenizer):
    text = "合同的违约责任条款。" * 10
    document = Example([{"role": "user", "content": text}], 1, {"kind": "text"})
    assert render_spans(document, tokenizer, 4096) == [(text + "<|im_end|>", "learned")]
    for max_length in range(8, 24):
        (shown, kind), = render_spans(document, tokenizer, max_length)
        assert kind == "learned" and text.startswith(shown) and len(shown) > 0, max_length


@pytest.mark.slow
@pytest.mark.xdist_group("embedded")
def test_mask_on_the_embedded_model_tokenizer(embedded_home):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(embedded_home.models_dir / "smollm2-135m-instruct")
    messages = [{"role": "user", "content": "How hot should milk be for a latte?"},
                {"role": "assistant", "content": "55 to 65 °C; above 70 °C it scalds."}]
    text, _ = learned_text(tokenizer, messages)
    assert text == "55 to 65 °C; above 70 °C it scalds.<|im_end|>"
