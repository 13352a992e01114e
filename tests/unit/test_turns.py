"""Conversations as other tools write them: typed parts, per-turn loss weights, tool calls, reasoning traces; and the
loss mask they render to."""

import json

import pytest

from ftcore.data import IGNORE, iter_examples, read_examples, tokenize_all
from ftcore.data.chat_template import template_source
from ftcore.data.render import assistant_spans, chat_text, tokenize_messages
from ftcore.errors import UserError

CALC = {"name": "calculate_area", "description": "Area of a shape",
        "parameters": {"type": "object", "properties": {"shape": {"type": "string"}}, "required": ["shape"]}}

# LLaMA-Factory's v1 layout: content as typed parts with "value", a loss_weight on every message
V1_ROW = {"messages": [
    {"role": "system", "content": [{"type": "text", "value": "You are terse."}], "loss_weight": 0.0},
    {"role": "user", "content": [{"type": "text", "value": "Capital of France?"}], "loss_weight": 0.0},
    {"role": "assistant", "content": [{"type": "text", "value": "Lyon."}], "loss_weight": 0.0},
    {"role": "user", "content": [{"type": "text", "value": "Wrong, again?"}], "loss_weight": 0.0},
    {"role": "assistant", "content": [{"type": "text", "value": "Paris."}], "loss_weight": 1.0}]}
# the glaive demo's ShareGPT layout: function_call and observation turns, tools as JSON text
GLAIVE_ROW = {"conversations": [
    {"from": "human", "value": "Area of a 5 by 3 rectangle?"},
    {"from": "function_call", "value": json.dumps({"name": "calculate_area", "arguments": {"shape": "rectangle"}})},
    {"from": "observation", "value": json.dumps({"area": 15})},
    {"from": "gpt", "value": "The area is 15 square units."}], "tools": json.dumps([CALC])}
# OpenAI's layout: tools at row level, tool_calls with arguments as JSON text, a tool role answer
OPENAI_ROW = {"tools": [{"type": "function", "function": CALC}], "messages": [
    {"role": "user", "content": "Area of a circle, radius 2?"},
    {"role": "assistant", "content": None, "tool_calls": [
        {"id": "call_1", "type": "function",
         "function": {"name": "calculate_area", "arguments": "{\"shape\": \"circle\"}"}}]},
    {"role": "tool", "tool_call_id": "call_1", "content": "{\"area\": 12.57}"},
    {"role": "assistant", "content": "About 12.57.", "reasoning_content": "pi r squared"}]}


def write(tmp_path, rows, name="d.jsonl"):
    path = tmp_path / name
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def tokenizer(tiny_model):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_model)


@pytest.fixture(scope="module")
def tool_tokenizer(tiny_model):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_model)
    tok.chat_template = template_source("chatml-tools", None)
    return tok


def learned(row, tok) -> str:
    return tok.decode([t for t in row["labels"] if t != IGNORE])


def test_v1_typed_parts_train_only_the_turns_with_loss_weight_1(tmp_path, tokenizer):
    (example,) = read_examples(write(tmp_path, [V1_ROW]))
    assert [m["content"] for m in example.messages] == ["You are terse.", "Capital of France?", "Lyon.",
                                                        "Wrong, again?", "Paris."]
    assert example.messages[2]["train"] is False and "train" not in example.messages[4]
    (row,) = tokenize_all([example], tokenizer, 256).rows
    assert learned(row, tokenizer) == "Paris.<|im_end|>"


def test_weights_zero_everywhere_and_bad_weights_are_refused_by_row_and_field(tmp_path):
    rows = [{"messages": [{**m, "loss_weight": 0} for m in V1_ROW["messages"]]},
            {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a", "weight": 0.5}]}]
    first, second = iter_examples(write(tmp_path, rows))
    assert "d.jsonl:1: messages: no turn to learn: every turn has loss weight 0" in str(first)
    assert "d.jsonl:2: messages[1].weight: loss weight 0.5 is neither 0 nor 1" in str(second)


def test_train_on_input_learns_the_user_turns_unless_a_turn_says_otherwise(tmp_path, tokenizer):
    path = write(tmp_path, [{"messages": [{"role": "user", "content": "first question"},
                                          {"role": "assistant", "content": "one"},
                                          {"role": "user", "content": "skip me", "train": False},
                                          {"role": "assistant", "content": "two"}]}])
    (plain,) = read_examples(path)
    (example,) = read_examples(path, train_on_input=True)
    assert learned(tokenize_all([plain], tokenizer, 256).rows[0], tokenizer) == "one<|im_end|>two<|im_end|>"
    text = learned(tokenize_all([example], tokenizer, 256).rows[0], tokenizer)
    assert text == "first question<|im_end|>one<|im_end|>two<|im_end|>"


@pytest.mark.parametrize("part, kind", [({"type": "image_url", "image_url": {"url": "x.png"}}, "image_url"),
                                        ({"type": "input_audio", "input_audio": {}}, "input_audio")])
def test_non_text_parts_are_refused_with_their_type_and_row(tmp_path, part, kind):
    row = {"messages": [{"role": "user", "content": [{"type": "text", "text": "see"}, part]},
                        {"role": "assistant", "content": "ok"}]}
    (error,) = iter_examples(write(tmp_path, [row]))
    assert f"d.jsonl:1: messages[0].content[1].type: a part of type '{kind}': only text is trained" in str(error)


def test_sharegpt_and_openai_tool_rows_become_one_canonical_form(tmp_path):
    glaive, openai = read_examples(write(tmp_path, [GLAIVE_ROW, OPENAI_ROW]), "messages")
    for example in (glaive, openai):
        assert [m["role"] for m in example.messages] == ["user", "assistant", "tool", "assistant"]
        (call,) = example.messages[1]["tool_calls"]
        assert call["function"]["name"] == "calculate_area" and isinstance(call["function"]["arguments"], dict)
        assert example.meta["tools"] == [{"type": "function", "function": CALC}]
    assert openai.messages[2]["tool_call_id"] == "call_1"
    assert openai.messages[3]["reasoning_content"] == "pi r squared"


def test_tool_rows_render_the_calls_and_learn_calls_and_answers_never_tool_output(tmp_path, tool_tokenizer):
    glaive, openai = read_examples(write(tmp_path, [GLAIVE_ROW, OPENAI_ROW]), "messages")
    text = chat_text(openai.messages, tool_tokenizer, openai.meta["tools"])
    assert '<tool_call>\n{"name": "calculate_area", "arguments": {"shape": "circle"}}\n</tool_call>' in text
    assert '"name": "calculate_area", "description": "Area of a shape"' in text  # the schema, in the system turn
    row = tokenize_all([openai], tool_tokenizer, 4096).rows[0]
    got = learned(row, tool_tokenizer)
    assert got == ('<tool_call>\n{"name": "calculate_area", "arguments": {"shape": "circle"}}\n</tool_call><|im_end|>'
                   "<think>\npi r squared\n</think>\n\nAbout 12.57.<|im_end|>")
    assert "12.57}" not in got  # the tool's answer is context


def test_the_template_mask_and_the_prefix_method_agree(tmp_path, tool_tokenizer):
    """chatml-tools has generation markers: its mask comes from the template; a per-turn weight forces the prefix
    method on the same template. Both give the same labels where they both apply."""
    glaive, openai = read_examples(write(tmp_path, [GLAIVE_ROW, OPENAI_ROW]), "messages")
    for example in (glaive, openai):
        tools = example.meta["tools"]
        from_template, _ = tokenize_messages(example.messages, tool_tokenizer, 4096, tools)
        text, spans = assistant_spans(example.messages, tool_tokenizer, tools)
        enc = tool_tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        by_prefix = [t if e > s and any(a <= s < b for a, b in spans) else IGNORE
                     for t, (s, e) in zip(enc["input_ids"], enc["offset_mapping"], strict=True)]
        assert from_template["input_ids"] == enc["input_ids"] and from_template["labels"] == by_prefix
        assert sum(label != IGNORE for label in by_prefix) > 10


def test_a_template_without_tool_support_is_refused_with_the_fix(tmp_path, tokenizer):
    (example,) = read_examples(write(tmp_path, [GLAIVE_ROW]), "messages")
    with pytest.raises(UserError, match="data.chat_template=chatml-tools"):
        tokenize_all([example], tokenizer, 256)


def test_reasoning_is_kept_inline_where_the_template_has_no_field_or_dropped_on_request(tmp_path, tokenizer):
    row = {"messages": [{"role": "user", "content": "2+2?"},
                        {"role": "assistant", "content": [{"type": "reasoning", "value": "add"},
                                                          {"type": "text", "value": "4"}]}]}
    inline = {"messages": [{"role": "user", "content": "2+3?"},
                           {"role": "assistant", "content": "<think>add</think>\n5"}]}
    path = write(tmp_path, [row, inline])
    kept, raw = read_examples(path)
    assert learned(tokenize_all([kept], tokenizer, 256).rows[0], tokenizer) == "<think>\nadd\n</think>\n\n4<|im_end|>"
    assert raw.messages[1]["content"] == "<think>add</think>\n5"
    dropped, dropped_inline = read_examples(path, reasoning="drop")
    assert "reasoning_content" not in dropped.messages[1] and dropped_inline.messages[1]["content"] == "5"


@pytest.mark.parametrize("row, expected", [
    ({"messages": [{"role": "user", "content": "q"}, {"role": "tool", "content": "x"},
                   {"role": "assistant", "content": "a"}]},
     "messages[1]: a tool answer that no assistant turn called for"),
    ({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "",
                                                      "tool_calls": [{"function": {"name": "f", "arguments": "{x"}}]},
                   {"role": "tool", "content": "1"}, {"role": "assistant", "content": "a"}]},
     "messages[1].tool_calls[0].arguments: the arguments are not a JSON object"),
    ({"conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}], "tools": "[{oops"},
     "tools: the tool list is not valid JSON"),
])
def test_broken_tool_rows_name_the_field(tmp_path, row, expected):
    (error,) = iter_examples(write(tmp_path, [row]))
    assert f"d.jsonl:1: {expected}" in str(error)


def test_the_report_counts_tool_calls_unknown_tools_and_reasoning(tmp_path, tool_tokenizer):
    from ftcore.data.quality.report import format_report, quality_report

    typo = json.loads(json.dumps(OPENAI_ROW))
    typo["messages"][1]["tool_calls"][0]["function"]["name"] = "calculate_aera"
    typo["messages"][0]["content"] = "Area of a square, side 2?"
    examples = read_examples(write(tmp_path, [OPENAI_ROW, GLAIVE_ROW, typo, V1_ROW]))
    report = quality_report(examples, fmt="messages", tokenizer=tool_tokenizer, max_length=4096)
    assert (report["tool_calls"], report["tool_call_rows"]) == (3, 3)
    assert report["tools_called"] == {"calculate_area": 2, "calculate_aera": 1}
    assert report["unknown_tools"] == [{"row": 3, "name": "calculate_aera"}] and report["unknown_tool_calls"] == 1
    assert report["reasoning_rows"] == 2  # reasoning_content in rows 1 and 3
    assert report["empty_answer_rows"] == 0  # a turn that only calls a tool is not an empty answer
    assert any("calculate_aera" in str(w) and "row 3" in str(w) for w in report["warnings"])
    text = format_report(report)
    assert "Tool calls: 3 in 3 rows (calculate_area 2, calculate_aera 1)" in text
    assert "Rows with a reasoning trace: 2" in text
    assert "工具调用：3 行中共 3 次" in format_report(report, "zh")
    dropped = read_examples(write(tmp_path, [OPENAI_ROW], "r.jsonl"), reasoning="drop")
    assert quality_report(dropped, fmt="messages")["reasoning_rows"] == 0


def test_the_tool_demo_reads_declares_every_tool_and_renders_its_calls(tool_tokenizer):
    from ftcore.data import DEMOS
    from ftcore.data.choice import DataSource
    from ftcore.data.quality.report import quality_report
    from ftcore.settings import Settings

    demo = DEMOS["roastery-tools"]
    examples = read_examples(demo.path)
    report = quality_report(examples, fmt="messages", tokenizer=tool_tokenizer, max_length=8192)
    assert report["rows"] == len(examples) >= 80 and report["tool_calls"] >= 60
    assert report["unknown_tool_calls"] == 0 and report["exact_duplicate_rows"] == 0
    assert report["empty_answer_rows"] == 0 and 0.1 < report["languages"]["zh"] < 0.5
    assert set(report["tools_called"]) == {"check_stock", "place_order", "opening_hours"}
    calls = next(e for e in examples if any("tool_calls" in m for m in e.messages))
    text = chat_text(calls.messages, tool_tokenizer, calls.meta["tools"])
    assert '<tool_call>\n{"name": "' in text and "<tool_response>" in text and '"name": "place_order"' in text
    config = DataSource("demo", "roastery-tools").data_config(Settings(home=None))
    assert config.chat_template == "chatml-tools" and config.max_length == 1024
