"""Batched probe generation ends each row at the chat template's end-of-turn token, even when the model's
generation config names another eos (a base model's <|endoftext|>), and the batch ends when every row has."""

from __future__ import annotations

import pytest

from ftcore.eval.probes.runner import end_of_turn_ids, generate


@pytest.fixture(scope="module")
def scripted(tmp_path_factory):
    """The tiny chat model made to answer with WORD until its row is THRESHOLD tokens long, then <|im_end|>, and
    after <|im_end|> WORD again: text past the end of a turn is there for a generate that does not stop."""
    import torch
    from tiny import build_model
    from transformers import AutoTokenizer, LlamaForCausalLM

    path = build_model(tmp_path_factory.mktemp("scripted") / "model")
    tokenizer = AutoTokenizer.from_pretrained(path)
    word = tokenizer("coffee", add_special_tokens=False)["input_ids"][0]
    end = tokenizer.convert_tokens_to_ids("<|im_end|>")
    other = tokenizer.convert_tokens_to_ids("<|endoftext|>")

    class Scripted(LlamaForCausalLM):
        threshold = 0
        calls = 0

        def forward(self, input_ids=None, attention_mask=None, **kwargs):
            out = super().forward(input_ids=input_ids, attention_mask=attention_mask, **kwargs)
            Scripted.calls += 1
            length = attention_mask.sum(-1, keepdim=True)  # the row's real length so far (left padding)
            nxt = torch.where(length < Scripted.threshold, word, end).expand_as(input_ids)
            nxt = torch.where(input_ids == end, word, nxt)
            logits = torch.full_like(out.logits, -1e4)
            out.logits = logits.scatter(-1, nxt.unsqueeze(-1), 1e4)
            return out

    model = Scripted.from_pretrained(path).eval()
    model.generation_config.eos_token_id = other  # what a base model's config says: not the end of a chat turn
    return model, tokenizer, word, end, other


def test_the_templates_end_of_turn_token_is_among_the_stop_ids(scripted):
    model, tokenizer, _, end, other = scripted
    assert set(end_of_turn_ids(model, tokenizer)) == {end, other}


def test_each_row_stops_at_its_end_of_turn_and_the_batch_stops_early(scripted):
    model, tokenizer, word, end, _ = scripted
    prompts = ["hi", "a much longer question about coffee and tea and milk"]
    texts = [tokenizer.apply_chat_template([{"role": "user", "content": p}], tokenize=False, add_generation_prompt=True)
             for p in prompts]
    lengths = [len(tokenizer(t, add_special_tokens=False)["input_ids"]) for t in texts]
    assert lengths[0] < lengths[1]
    type(model).threshold = lengths[1] + 2  # the long prompt's row answers 2 words, the short one more
    type(model).calls = 0
    replies = generate(model, tokenizer, prompts, max_new_tokens=40)
    piece = tokenizer.decode([word]).strip()
    assert [r.count(piece) for r in replies] == [lengths[1] + 2 - lengths[0], 2], replies
    assert all(not r.replace(piece, "").strip() for r in replies), replies
    # one forward per new token, the last one producing <|im_end|> for the row that ends last
    assert type(model).calls == lengths[1] + 2 - lengths[0] + 1 < 40
