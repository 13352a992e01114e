import json

import pytest

from ftcore import DEMOS, DataError, UserError, read_examples
from ftcore.data import DataProblems


def write(tmp_path, lines, name="d.jsonl", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes("".join(line + "\n" for line in lines).encode(encoding))
    return path


def msg(*turns):
    return json.dumps({"messages": [{"role": r, "content": c} for r, c in turns]}, ensure_ascii=False)


def test_messages_sharegpt_and_content_parts(tmp_path):
    path = write(tmp_path, [
        msg(("system", "Be brief."), ("user", "Hi"), ("assistant", "Hello")),
        json.dumps({"conversations": [{"from": "human", "value": "Q"}, {"from": "gpt", "value": "A"}]}),
        json.dumps({"messages": [{"role": "user", "content": [{"type": "text", "text": "x"}]},
                                 {"role": "assistant", "content": "y"}]}),
        "",
    ])
    examples = read_examples(path)
    assert [e.line for e in examples] == [1, 2, 3]
    assert examples[1].messages == [{"role": "user", "content": "Q"}, {"role": "assistant", "content": "A"}]
    assert examples[2].messages[0]["content"] == "x"


def test_classification_rows_go_through_the_template(tmp_path):
    path = write(tmp_path, [json.dumps({"text": "【买卖合同】条款", "label": "高"}, ensure_ascii=False)])
    (example,) = read_examples(path, template="合同类型：{text}\n法律风险评级：")
    assert example.messages == [{"role": "user", "content": "合同类型：【买卖合同】条款\n法律风险评级："},
                                {"role": "assistant", "content": "高"}]


def test_unknown_keys_on_the_first_row_are_named(tmp_path):
    with pytest.raises(UserError, match=r"d.jsonl:1: cannot tell the format from the columns \['prompt'\]"):
        read_examples(write(tmp_path, [json.dumps({"prompt": "q"})]))


def test_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + msg(("user", "a"), ("assistant", "b")).encode() + b"\n")
    assert len(read_examples(path)) == 1


@pytest.mark.parametrize("line, expected", [
    ("{not json", "d.jsonl:2: not valid JSON"),
    ("[1, 2]", "d.jsonl:2: expected a JSON object, got an array"),
    (msg(("user", "only a question")), "d.jsonl:2: messages: the last turn is 'user', not 'assistant'"),
    (msg(("user", "q"), ("robot", "a")), "d.jsonl:2: messages[1].role: unknown role 'robot'"),
    (msg(("user", "q"), ("assistant", "a"), ("user", "again")), "the last turn is 'user'"),
    (msg(("user", "q"), ("system", "late"), ("assistant", "a")), "a system turn may only come first"),
    (json.dumps({"prompt": "q"}), "d.jsonl:2: messages: missing (the row has ['prompt'])"),
])
def test_bad_rows_name_file_line_field_and_fix(tmp_path, line, expected):
    path = write(tmp_path, [msg(("user", "ok"), ("assistant", "fine")), line])
    with pytest.raises(UserError) as info:
        read_examples(path)
    assert expected in str(info.value)
    assert " — " in str(info.value)  # every problem says how to fix it


def test_many_problems_are_capped_and_counted(tmp_path):
    path = write(tmp_path, ["{bad"] * 25)
    with pytest.raises(DataProblems) as info:
        read_examples(path)
    lines = str(info.value).splitlines()
    assert len(lines) == 21 and lines[-1] == "... and 5 more problems."
    assert lines[0].endswith(":1: not valid JSON (Expecting property name enclosed in double quotes at column 2)"
                             " — each line must be one complete JSON object")


def test_non_utf8_and_wrong_suffix_and_empty(tmp_path):
    path = write(tmp_path, [msg(("user", "é"), ("assistant", "è"))], encoding="latin-1")
    with pytest.raises(UserError, match="not UTF-8"):
        read_examples(path)
    with pytest.raises(DataError, match="unsupported file type '.xml'"):
        read_examples(write(tmp_path, ["<a/>"], name="d.xml"))
    with pytest.raises(DataError, match="no examples"):
        read_examples(write(tmp_path, ["", "  "], name="e.jsonl"))


def test_demo_datasets_are_complete_and_balanced():
    barista = read_examples(DEMOS["barista"].path)
    assert 140 <= len(barista) <= 200
    assert len({e.messages[-2]["content"] for e in barista}) == len(barista)
    contracts = read_examples(DEMOS["contracts-risk"].path, "classification", DEMOS["contracts-risk"].template)
    labels = [e.messages[-1]["content"] for e in contracts]
    assert 140 <= len(contracts) <= 200 and set(labels) == {"高", "中", "低"}
    assert max(labels.count(x) for x in "高中低") - min(labels.count(x) for x in "高中低") <= 5
