"""Every file type and every format round-trips into the same canonical messages."""

import csv
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ftcore.data import iter_examples, read_examples

QA = [{"role": "user", "content": "Milk for a flat white?"}, {"role": "assistant", "content": "Whole milk, 60 °C."}]
ROWS = {
    "messages": {"messages": QA},
    "alpaca": {"instruction": "Milk for a flat white?", "input": "", "output": "Whole milk, 60 °C."},
    "prompt_completion": {"prompt": "Milk for a flat white?", "completion": "Whole milk, 60 °C."},
}


def write_rows(path, rows):
    suffix = path.suffix
    if suffix == ".jsonl":
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    elif suffix == ".json":
        path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    elif suffix in (".csv", ".tsv"):
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter="\t" if suffix == ".tsv" else ",")
            writer.writeheader()
            writer.writerows(rows)
    elif suffix == ".parquet":
        pq.write_table(pa.Table.from_pylist(rows), path)
    return path


@pytest.mark.parametrize("suffix", [".jsonl", ".json", ".csv", ".tsv", ".parquet"])
@pytest.mark.parametrize("fmt", ["alpaca", "prompt_completion"])
def test_flat_formats_in_every_file_type(tmp_path, suffix, fmt):
    path = write_rows(tmp_path / f"d{suffix}", [ROWS[fmt], ROWS[fmt]])
    examples = read_examples(path)
    assert [e.messages for e in examples] == [QA, QA]
    assert examples[0].meta["format"] == fmt


@pytest.mark.parametrize("suffix", [".jsonl", ".json", ".parquet"])
def test_messages_in_nested_file_types(tmp_path, suffix):
    (example,) = read_examples(write_rows(tmp_path / f"d{suffix}", [ROWS["messages"]]))
    assert example.messages == QA


def test_json_object_of_rows_and_object_of_columns(tmp_path):
    rows = tmp_path / "rows.json"
    rows.write_text(json.dumps({"train": [ROWS["alpaca"]]}), encoding="utf-8")
    cols = tmp_path / "cols.json"
    cols.write_text(json.dumps({"text": ["条款一", "条款二"], "label": ["高", "低"]}, ensure_ascii=False),
                    encoding="utf-8")
    assert read_examples(rows)[0].messages == QA
    assert [e.meta["label"] for e in read_examples(cols)] == ["高", "低"]


def test_alpaca_with_input_system_and_history(tmp_path):
    row = {"instruction": "Rate the risk.", "input": "【租赁合同】押金不退。", "output": "高", "system": "你是律师。",
           "history": [["你好", "您好，请发条款。"]]}
    (example,) = read_examples(write_rows(tmp_path / "a.jsonl", [row]))
    assert [m["role"] for m in example.messages] == ["system", "user", "assistant", "user", "assistant"]
    assert example.messages[3]["content"] == "Rate the risk.\n\n【租赁合同】押金不退。"


def test_conversational_prompt_completion(tmp_path):
    row = {"prompt": [{"role": "user", "content": "Milk for a flat white?"}],
           "completion": [{"role": "assistant", "content": "Whole milk, 60 °C."}]}
    assert read_examples(write_rows(tmp_path / "p.jsonl", [row]))[0].messages == QA


def test_csv_column_mapping_and_classification_template(tmp_path):
    path = write_rows(tmp_path / "c.csv", [{"clause": "【买卖合同】甲方可随时解除。", "risk": "高"}])
    (example,) = read_examples(path, template="合同类型：{text}\n法律风险评级：",
                               columns={"text": "clause", "label": "risk"})
    assert example.messages == [{"role": "user", "content": "合同类型：【买卖合同】甲方可随时解除。\n法律风险评级："},
                                {"role": "assistant", "content": "高"}]
    assert example.meta == {"format": "classification", "label": "高", "text": "【买卖合同】甲方可随时解除。"}


def test_text_files_and_text_rows_are_documents(tmp_path):
    txt = tmp_path / "corpus.txt"
    txt.write_text("第一条 合同双方。\n续行。\n\n\nSecond document.\n", encoding="utf-8")
    docs = read_examples(txt)
    assert [(d.line, d.messages[-1]["content"], d.meta["kind"]) for d in docs] == [
        (1, "第一条 合同双方。\n续行。", "text"), (5, "Second document.", "text")]
    assert read_examples(write_rows(tmp_path / "t.jsonl", [{"text": "doc"}]))[0].meta["kind"] == "text"


def test_utf16_with_bom(tmp_path):
    path = tmp_path / "u16.jsonl"
    path.write_bytes((json.dumps(ROWS["messages"], ensure_ascii=False) + "\n").encode("utf-16"))
    assert read_examples(path)[0].messages == QA


def test_format_override_and_a_sharegpt_call_without_a_name_named(tmp_path):
    path = write_rows(tmp_path / "s.jsonl", [{"conversations": [{"from": "human", "value": "q"},
                                                               {"from": "function_call", "value": "{}"},
                                                               {"from": "gpt", "value": "a"}]}])
    (error,) = list(iter_examples(path, fmt="messages"))
    assert "s.jsonl:1: conversations[1].value.name: missing or null — write each call as" in str(error)


def test_text_documents_are_chunked_with_every_token_learned(tiny_model):
    from transformers import AutoTokenizer

    from ftcore.data import Example, tokenize_all

    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    doc = Example([{"role": "assistant", "content": "espresso crema " * 40}], 1, {"kind": "text"})
    result = tokenize_all([doc], tokenizer, max_length=32)
    assert len(result.rows) > 2 and all(len(r["input_ids"]) <= 32 for r in result.rows)
    assert all(r["labels"] == r["input_ids"] for r in result.rows)
    assert result.rows[-1]["input_ids"][-1] == tokenizer.eos_token_id
