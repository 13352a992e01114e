"""The quality report finds duplicates, label noise, bias, empty answers, PII and leakage in literal rows."""

import json
import random
import subprocess
import sys
import time

import pytest

from ftcore import DEMOS, read_examples
from ftcore.data import Example
from ftcore.data.quality.report import format_report, quality_report

TEMPLATE = "合同类型：{text}\n法律风险评级："


def chat(line, user, answer, *more):
    turns = [("user", user), ("assistant", answer), *more]
    return Example([{"role": r, "content": c} for r, c in turns], line)


def labelled(line, text, label):
    prompt = TEMPLATE.format(text=text)
    return Example([{"role": "user", "content": prompt}, {"role": "assistant", "content": label}], line,
                   {"label": label, "text": text})


def warnings_about(report, word):
    return [w for w in report["warnings"] if word in w]


DISTINCT = [
    chat(1, "How long should an espresso shot pull?", "About 25 to 30 seconds."),
    chat(2, "What temperature should milk be steamed to?", "Around 60 to 65 °C."),
    chat(3, "How often should I descale my espresso machine at home?", "Every two or three months."),
    chat(4, "Which grind size suits a French press?", "A coarse grind, like sea salt."),
]


def test_exact_and_near_duplicates_are_found_and_different_prompts_are_not():
    rows = [
        *DISTINCT,
        chat(5, "How long should an espresso shot pull?", "About 25 to 30 seconds."),
        chat(6, "  WHAT temperature should milk be steamed to!!  ", "Around 60 to 65 °C."),
        chat(7, "How often should I descale my espresso machines at home", "Every two or three months."),
    ]
    report = quality_report(rows, fmt="messages")
    assert report["exact_duplicates"] == [[1, 5]] and report["exact_duplicate_rows"] == 1
    assert sorted(report["near_duplicates"]) == [[2, 6], [3, 7]]
    assert report["near_duplicate_pairs"] == 2
    assert warnings_about(report, "word for word") and warnings_about(report, "nearly identical")
    assert quality_report(DISTINCT, fmt="messages")["near_duplicates"] == []
    similar = [chat(1, "How often should I descale the machine?", "Monthly."),  # trigram Jaccard 0.74
               chat(2, "How often should I descale my machine?", "Monthly.")]
    assert quality_report(similar, fmt="messages")["near_duplicates"] == []


def test_swapped_label_is_a_conflict_not_a_near_duplicate():
    rows = [labelled(1, "乙方逾期交货的，每日按合同总价的千分之一支付违约金。", "中"),
            labelled(2, "甲方有权随时单方解除本合同且无需承担任何责任。", "高"),
            labelled(3, "乙方逾期交货的，每日按合同总价的千分之一支付违约金", "低")]
    report = quality_report(rows, fmt="classification")
    assert report["conflicts"] == [{"rows": [1, 3], "answers": ["中", "低"]}]
    assert report["conflict_count"] == 1 and report["near_duplicates"] == []
    assert warnings_about(report, "label noise")


def test_language_warning_above_ninety_percent_only():
    english = [chat(i, f"Question {i} about beans", f"Answer {i} about roasting") for i in range(1, 20)]
    chinese = [chat(20, "咖啡豆应该怎么保存？", "放在密封罐里，避光保存。")]
    report = quality_report(english + chinese, fmt="messages")
    assert report["languages"] == {"zh": 0.05, "en": 0.95, "other": 0.0}
    assert warnings_about(report, "95% of rows are English")
    half = english[:5] + [chat(30 + i, f"第{i}个关于咖啡的问题", "这是回答。") for i in range(5)]
    report = quality_report(half, fmt="messages")
    assert report["languages"]["en"] == report["languages"]["zh"] == 0.5
    assert not warnings_about(report, "of rows are")


def test_label_imbalance_is_warned_and_balance_is_not():
    rows = [labelled(i, f"第{i}条合同条款内容", "低") for i in range(1, 41)]
    rows += [labelled(40 + i, f"第{40 + i}条高风险合同条款", "高") for i in range(1, 11)]
    report = quality_report(rows, fmt="classification")
    assert report["labels"] == {"低": 40, "高": 10}
    assert warnings_about(report, "imbalanced")
    balanced = quality_report(rows[30:], fmt="classification")
    assert balanced["labels"] == {"低": 10, "高": 10} and not warnings_about(balanced, "imbalanced")


def test_empty_answer_in_a_multi_turn_conversation():
    rows = [*DISTINCT, chat(9, "Hi", "  \n", ("user", "Are you there?"), ("assistant", "Yes."))]
    report = quality_report(rows, fmt="messages")
    assert report["empty_answers"] == [9] and report["empty_answer_rows"] == 1
    assert warnings_about(report, "empty assistant turn")


def test_pii_is_found_masked_and_checksums_are_checked():
    rows = [*DISTINCT,
            chat(5, "Write to zhang.san@example.com please", "Done."),
            chat(6, "我的手机号是13812345678，请回电", "好的。"),
            chat(7, "身份证号11010519491231002X已登记", "收到。"),
            chat(8, "编号110105194912310021的档案", "收到。"),
            chat(9, "Card 4111 1111 1111 1111, order 4111 1111 1111 1112", "Paid.")]
    report = quality_report(rows, fmt="messages")
    found = {(p["row"], p["kind"]) for p in report["pii"]}
    assert found == {(5, "email"), (6, "phone"), (7, "cn_id"), (9, "card_number")}
    assert report["pii_rows"] == 4
    text = json.dumps(report, ensure_ascii=False)
    for value in ("zhang.san@example.com", "13812345678", "11010519491231002X", "4111 1111 1111 1111"):
        assert value not in text
    assert {"value": "13*******78", "row": 6, "kind": "phone"} in report["pii"]
    assert warnings_about(report, "personal data")


def test_leakage_from_validation_into_training():
    val = [chat(1, "how long should an ESPRESSO shot pull", "Half a minute."),
           chat(2, "Is oat milk good for latte art?", "Barista editions are.")]
    report = quality_report(DISTINCT, fmt="messages", val=val)
    assert report["leakage"] == [{"val_row": 1, "train_row": 1}] and report["leakage_count"] == 1
    assert warnings_about(report, "also appear in training")
    assert "leakage" not in quality_report(DISTINCT, fmt="messages")


def test_documents_are_compared_whole_and_never_conflict():
    docs = ["合同法第一条 为了保护合同当事人的合法权益，维护社会经济秩序。",
            "Espresso is coffee brewed by forcing hot water through finely ground beans.",
            "合同法第一条：为了保护合同当事人的合法权益，维护社会经济秩序"]
    rows = [Example([{"role": "assistant", "content": d}], n, {"kind": "text"})
            for n, d in enumerate(docs, 1)]
    report = quality_report(rows, fmt="text", val=rows[1:2])
    assert report["near_duplicates"] == [[1, 3]] and report["conflict_count"] == 0
    assert report["leakage"] == [{"val_row": 2, "train_row": 2}]


@pytest.fixture(scope="module")
def tokenizer(tiny_model):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_model)


def test_length_histogram_and_truncated_share(tokenizer):
    from ftcore.data.render import tokenize_messages

    rows = [*DISTINCT, chat(5, "Tell me all about espresso. " * 20, "It is coffee under pressure. " * 20)]
    lengths = [len(tokenize_messages(e.messages, tokenizer, 10**9)[0]["input_ids"]) for e in rows]
    max_length = sorted(lengths)[-2]
    report = quality_report(rows, fmt="messages", tokenizer=tokenizer, max_length=max_length)
    assert report["tokens"] == sum(lengths) and report["longest"] == max(lengths)
    assert report["truncated_rows"] == 1 and report["truncated_share"] == 0.2
    bins = report["length_histogram"]
    assert sum(b["count"] for b in bins) == 5 and bins[0]["start"] == 0
    assert all(a["end"] == b["start"] for a, b in zip(bins, bins[1:], strict=False))
    assert bins[-1]["start"] <= max(lengths) < bins[-1]["end"] and bins[-1]["count"] >= 1
    assert warnings_about(report, f"longer than max_length={max_length}")
    assert "#" in format_report(report)


def test_demo_contracts_report():
    demo = DEMOS["contracts-risk"]
    report = quality_report(read_examples(demo.path, "classification", demo.template), fmt="classification")
    assert report["rows"] == 150 and report["labels"] == {"高": 50, "中": 50, "低": 50}
    assert max(report["languages"], key=report["languages"].get) == "zh"
    assert not warnings_about(report, "imbalanced")
    json.dumps(report)
    text = format_report(report)
    assert "Labels: 高 50, 中 50, 低 50" in text and report["warnings"][0] in text


def test_twenty_thousand_rows_are_fast():
    rng = random.Random(0)
    words = ["".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randint(2, 9))) for _ in range(3000)]
    rows = [chat(i, " ".join(rng.choices(words, k=12)) + f" {i}?", " ".join(rng.choices(words, k=30)))
            for i in range(1, 18_001)]
    # Thousands of near-copies of one template must not make the search quadratic.
    rows += [chat(i, f"How long should shot number {i} pull for a double espresso?", "About 28 seconds.")
             for i in range(18_001, 20_001)]
    start = time.perf_counter()
    report = quality_report(rows, fmt="messages", val=rows[:100])
    assert time.perf_counter() - start < 20
    assert report["rows"] == 20_000 and report["leakage_count"] == 100
    assert all(a > 18_000 and b > 18_000 for a, b in report["near_duplicates"])
    assert report["near_duplicate_pairs"] > 1000


def test_importing_the_report_loads_no_torch():
    code = "import sys, ftcore.data.quality.report; print(sorted({'torch', 'gradio', 'numpy'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
