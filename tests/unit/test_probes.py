"""Probe scoring on literal replies, the built-in suites' contents, user suites' row errors, and the verdicts."""

import json

import pytest

from ftcore import UserError
from ftcore.eval.probes import (
    BUILTIN,
    CHECKS,
    builtin,
    check_reply,
    compare,
    language_of,
    load_suite,
    match_answer,
)
from ftcore.eval.report import recommend, suite_names


@pytest.mark.parametrize("reply, answer, rule, ok", [
    ("The capital of France is Paris.", "paris", "contains", True),
    ("It is Lyon.", "Paris", "contains", False),
    ("Paris.", "paris", "exact", True),
    ("Paris is nice", "paris", "exact", False),
    ("17 + 25 = 42", r"(?<!\d)42(?!\d)", "regex", True),
    ("The answer is 142", r"(?<!\d)42(?!\d)", "regex", False),
    ("B) Mars", "B", "choice", True),
    ("答案是B。", "B", "choice", True),
    ("A, because Venus", "B", "choice", False),
])
def test_answer_rules(reply, answer, rule, ok):
    assert match_answer(reply, answer, rule) is ok


@pytest.mark.parametrize("reply, check, ok", [
    ("- one\n- two\n- three", {"type": "bullets", "min": 3, "max": 3}, True),
    ("- one\n- two", {"type": "bullets", "min": 3, "max": 3}, False),
    ("a short line", {"type": "max_words", "value": 3}, True),
    ("far too many words in this", {"type": "max_words", "value": 3}, False),
    ("all lower case", {"type": "lowercase"}, True),
    ("Not lower", {"type": "lowercase"}, False),
    ('```json\n{"name": "x", "age": 3}\n```', {"type": "json_keys", "value": ["name", "age"]}, True),
    ("{not json", {"type": "json"}, False),
    ("床前明月光，疑是地上霜。", {"type": "language", "value": "zh"}, True),
    ("Moonlight before my bed", {"type": "language", "value": "zh"}, False),
    ("line one\nline two\n\nline three\nline four", {"type": "line_count", "min": 4, "max": 8}, True),
    ("  ", {"type": "non_empty"}, False),
    ("no commas here", {"type": "no_commas"}, True),
    ("Dear team, thanks", {"type": "starts_with", "value": "dear"}, True),
])
def test_constraint_checks(reply, check, ok):
    assert check_reply(reply, check) is ok


def test_language_of():
    assert language_of("这是中文句子") == "zh" and language_of("plain English") == "en" and language_of("123") == "other"


def test_builtin_suites_are_complete_and_valid():
    sizes = {name: len(builtin(name).items) for name in BUILTIN}
    # large enough to tell a 10-point drop from chance (tests/unit/test_verdicts.py: the power)
    assert sizes["general_en"] >= 200 and sizes["general_zh"] >= 200 and sizes["arithmetic"] >= 200
    assert sizes["instruction"] >= 20 and sizes["passages_ppl"] >= 20 and sizes["poems"] >= 1
    for name in BUILTIN:
        suite = builtin(name)
        for item in suite.items:
            if suite.kind == "qa":
                assert item["question"] and item["answer"] and item["match"] in ("contains", "exact", "regex", "choice")
            elif suite.kind == "checks":
                assert item["prompt"] and item["checks"] and all(c["type"] in CHECKS for c in item["checks"])
            elif suite.kind == "ppl":
                assert item["text"].strip() and item["lang"] in ("en", "zh")
            else:
                assert item["prompt"].strip()
    langs = {item["lang"] for item in builtin("passages_ppl").items}
    assert langs == {"en", "zh"}


def test_user_suite_rows_are_checked(tmp_path):
    good = tmp_path / "legal.jsonl"
    good.write_text(json.dumps({"question": "期限？", "answer": "十五日"}, ensure_ascii=False) + "\n"
                    + json.dumps({"question": "Pick", "answer": "C", "match": "choice"}) + "\n", encoding="utf-8")
    suite = load_suite(str(good))
    assert suite.kind == "qa" and [i["match"] for i in suite.items] == ["contains", "choice"]
    bad = tmp_path / "bad.csv"
    bad.write_text("question,answer,match\nq1,a1,fuzzy\nq2,,contains\nq3,(unclosed,regex\n", encoding="utf-8")
    with pytest.raises(UserError) as err:
        load_suite(str(bad))
    text = str(err.value)
    assert "bad.csv:2: match: unknown rule 'fuzzy'" in text and "bad.csv:3: answer: missing" in text
    assert "bad.csv:4: answer: not a valid regular expression" in text
    with pytest.raises(UserError, match="Unknown suite 'nope'"):
        load_suite("nope")


def test_verdicts_against_the_budget():
    base = {"general_en": {"kind": "qa", "score": 60.0}, "passages_ppl": {"kind": "ppl", "score": 10.0},
            "instruction": {"kind": "checks", "score": 40.0}, "kl": {"kind": "kl", "score": 0.0}}
    tuned = {"general_en": {"kind": "qa", "score": 52.0}, "passages_ppl": {"kind": "ppl", "score": 10.3},
             "instruction": {"kind": "checks", "score": 45.0}, "kl": {"kind": "kl", "score": 0.2}}
    rows = {r.suite: r for r in compare(base, tuned, budget=5)}
    assert rows["general_en"].verdict == "forgot" and rows["general_en"].lost == 8
    assert rows["passages_ppl"].verdict == "kept" and rows["passages_ppl"].lost == pytest.approx(3.0)
    assert rows["instruction"].verdict == "gained" and rows["kl"].verdict == "info"
    assert {r.suite: r.verdict for r in compare(base, tuned, budget=10)}["general_en"] == "kept"


def test_recommendation_prefers_the_best_domain_metric_within_budget():
    candidates = [{"name": "final", "within_budget": False, "metric": "accuracy", "metric_value": 90.0},
                  {"name": "checkpoint-20", "within_budget": True, "metric": "accuracy", "metric_value": 80.0},
                  {"name": "checkpoint-10", "within_budget": True, "metric": "accuracy", "metric_value": 70.0}]
    assert recommend(candidates, 5)["recommended"] == "checkpoint-20"
    assert recommend([candidates[0]], 5)["recommended"] is None
    assert suite_names("all") == list(BUILTIN) and suite_names("none") == [] and suite_names("a, b") == ["a", "b"]


def test_auto_probes_are_the_quick_ones_on_the_cpu_and_all_on_a_gpu():
    from ftcore import RunConfig
    from ftcore.eval.report import QUICK

    assert RunConfig().probe.suites == "auto"
    assert suite_names("auto", on_gpu=True) == list(BUILTIN)
    assert suite_names("auto", on_gpu=False) == suite_names("quick") == list(QUICK)
    assert set(QUICK) < set(BUILTIN) and not {"instruction", "poems"} & set(QUICK)  # no 160-token writing
    assert {builtin(name).kind for name in QUICK} == {"qa", "ppl", "kl"}
