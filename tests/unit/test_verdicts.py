"""Verdicts with error bars: the paired 95% interval of each base-vs-tuned change (exact McNemar for right/wrong
items, a paired bootstrap for perplexity), the verdicts it gives (forgot only when significant, uncertain
otherwise), reports written before intervals, the CLI table, the power of the built-in suites, and their answers."""

import importlib.util
import json
import random
import re
from pathlib import Path

import pytest

from ftcore import ProbeRow, Report
from ftcore.eval.compare import compare, format_rows, within_budget
from ftcore.eval.probes import builtin, match_answer
from ftcore.eval.significance import paired_interval, perplexity_interval, power

SUITES = Path(__file__).resolve().parents[2] / "ftcore" / "eval" / "probes" / "suites"


def qa(right: list[int], kind: str = "qa") -> dict:
    """A result as report.json keeps it: the score and every item's outcome."""
    return {"kind": kind, "score": 100.0 * sum(right) / len(right), "n": len(right), "oks": right}


def outcomes(n: int, both: int, lost: int, gained: int) -> tuple[list[int], list[int]]:
    """Base and tuned outcomes over n items: `both` right in both, `lost` right only in base, `gained` only in
    tuned, the rest wrong in both."""
    base = [1] * both + [1] * lost + [0] * gained
    tuned = [1] * both + [0] * lost + [1] * gained
    return base + [0] * (n - len(base)), tuned + [0] * (n - len(tuned))


def test_the_interval_is_the_exact_test_inverted():
    # no item gained, m lost: the Clopper-Pearson upper end of 0 successes in m is 1 - 0.025^(1/m)
    for m in (2, 5, 6):
        base, tuned = outcomes(36, 3, m, 0)
        low, high = paired_interval(base, tuned)
        assert low == pytest.approx(-100 * m / 36)
        assert high == pytest.approx(100 * m / 36 * (2 * (1 - 0.025 ** (1 / m)) - 1))
    # 5 of 5 changed items lost: p = 2 / 2^5 = 0.0625, not significant; 6 of 6: p = 0.031, significant
    assert paired_interval(*outcomes(36, 3, 5, 0))[1] > 0 > paired_interval(*outcomes(36, 3, 6, 0))[1]
    assert paired_interval(*outcomes(36, 10, 0, 0)) == (0.0, 0.0)  # every answer the same
    low, high = paired_interval(*outcomes(40, 4, 3, 3))  # as many gained as lost: symmetric around zero
    assert low == pytest.approx(-high) and high > 0
    with pytest.raises(ValueError):
        paired_interval([1, 0], [1])


def test_two_answers_of_36_are_uncertain_and_a_big_significant_drop_forgot():
    # the guided run's arithmetic: 13.9 -> 8.3, two questions of 36 lost, none gained
    base, tuned = outcomes(36, 3, 2, 0)
    row = compare({"arithmetic": qa(base)}, {"arithmetic": qa(tuned)}, budget=5)[0]
    assert row.delta == pytest.approx(-5.556, abs=1e-3) and row.lost > 5
    assert row.verdict == "uncertain" and row.ci_low < 0 < row.ci_high and within_budget([row])
    # 200 items, 40 lost and 5 gained: -17.5 points, far beyond chance
    base, tuned = outcomes(200, 60, 40, 5)
    row = compare({"general_en": qa(base)}, {"general_en": qa(tuned)}, budget=5)[0]
    assert row.verdict == "forgot" and row.ci_high < 0 and not within_budget([row])
    # significant but within budget: kept
    base, tuned = outcomes(400, 100, 16, 0)
    assert compare({"s": qa(base)}, {"s": qa(tuned)}, budget=5)[0].verdict == "kept"


def test_a_gain_counts_only_when_significant():
    base, tuned = outcomes(36, 3, 0, 2)
    assert compare({"s": qa(base, "checks")}, {"s": qa(tuned, "checks")})[0].verdict == "kept"
    base, tuned = outcomes(100, 20, 1, 15)
    assert compare({"s": qa(base)}, {"s": qa(tuned)})[0].verdict == "gained"


def test_perplexity_gets_a_paired_bootstrap_interval():
    rng = random.Random(1)
    tokens = [rng.randint(50, 150) for _ in range(24)]
    base = [t * rng.uniform(2.0, 4.0) for t in tokens]
    worse = [v + t * 0.3 for v, t in zip(base, tokens, strict=True)]  # every text 0.3 nats a token worse
    noisy = [v + t * rng.uniform(-1.0, 1.15) for v, t in zip(base, tokens, strict=True)]  # up or down by text

    def result(nll):
        import math

        return {"kind": "ppl", "score": math.exp(sum(nll) / sum(tokens)), "nll": nll, "tokens": tokens}

    first = perplexity_interval(base, tokens, worse, tokens)
    assert first == perplexity_interval(base, tokens, worse, tokens)  # a fixed seed: the same on every read
    rows = {r.suite: r for r in compare({"a": result(base), "b": result(base)},
                                        {"a": result(worse), "b": result(noisy)}, budget=5)}
    assert rows["a"].verdict == "forgot" and 0 < rows["a"].ci_low < rows["a"].delta < rows["a"].ci_high
    assert rows["b"].lost > 5 and rows["b"].verdict == "uncertain" and rows["b"].ci_low < 0 < rows["b"].ci_high


def test_results_without_outcomes_keep_the_point_verdict():
    """Reports written before outcomes were kept: items (when none were cut) stand in for them; else no interval
    and the point difference decides, as it used to."""
    base = {"general_en": {"kind": "qa", "score": 60.0}, "passages_ppl": {"kind": "ppl", "score": 10.0},
            "kl": {"kind": "kl", "score": 0.0}}
    tuned = {"general_en": {"kind": "qa", "score": 52.0}, "passages_ppl": {"kind": "ppl", "score": 10.3},
             "kl": {"kind": "kl", "score": 0.2}}
    rows = {r.suite: r for r in compare(base, tuned, budget=5)}
    assert rows["general_en"].verdict == "forgot" and rows["general_en"].ci_low is None
    assert rows["passages_ppl"].verdict == "kept" and rows["kl"].verdict == "info"
    right, wrong = outcomes(36, 3, 2, 0)
    items = {"kind": "qa", "n": 36, "score": 13.9, "items": [{"prompt": "q", "reply": "r", "ok": bool(o)} for o in right]}
    after = {**items, "score": 8.3, "items": [{"prompt": "q", "reply": "r", "ok": bool(o)} for o in wrong]}
    assert compare({"arithmetic": items}, {"arithmetic": after})[0].verdict == "uncertain"
    cut = {**after, "n": 100}  # 36 of 100 items kept: not the whole suite, no interval
    assert compare({"arithmetic": {**items, "n": 100}}, {"arithmetic": cut})[0].ci_low is None


def test_rows_read_with_and_without_intervals():
    old = {"suite": "general_en", "kind": "qa", "base": 50.0, "tuned": 40.0, "delta": -10.0, "lost": 10.0,
           "verdict": "forgot"}
    row = ProbeRow.from_dict(old)
    assert row.interval is None and row.interval_text == "" and row.extra == {}
    new = ProbeRow.from_dict({**old, "verdict": "uncertain", "ci_low": -21.25, "ci_high": 0.4, "later": 1})
    assert new.interval == (-21.25, 0.4) and new.interval_text == "[-21.2, +0.4]" and new.extra == {"later": 1}
    report = Report.from_dict({"budget": 5, "candidates": [{"name": "final", "rows": [old, {**old, "suite": "x",
                                                                                           "verdict": "uncertain"}]}]})
    assert report.final.forgot == ["general_en"]


def test_the_cli_table_shows_the_interval():
    base, tuned = outcomes(36, 3, 2, 0)
    table = format_rows(compare({"arithmetic": qa(base), "kl": {"kind": "kl", "score": 0.0}},
                                {"arithmetic": qa(tuned), "kl": {"kind": "kl", "score": 0.1}}, 5), 5)
    header, arithmetic, kl = table.splitlines()
    assert "95% interval" in header and "[-5.6, +3.8]" in arithmetic and "uncertain (lost 5.6 points)" in arithmetic
    assert "[" not in kl and kl.rstrip().endswith("info")


def test_two_hundred_items_detect_a_ten_point_drop():
    """The power of the "forgot" verdict (budget 5) against a true 10-point drop, items changing independently:
    5% of items wrong->right and 15% right->wrong (README's middle row)."""
    assert power(200, 0.05, 0.15, 5) > 0.85 > 0.25 > power(36, 0.05, 0.15, 5)
    assert power(200, 0.0, 0.10, 5) > 0.95
    assert power(200, 0.05, 0.05, 5) < 0.01  # no drop: (almost) never "forgot"


def load_generator():
    spec = importlib.util.spec_from_file_location("make_arithmetic", SUITES / "make_arithmetic.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_arithmetic_is_what_its_script_writes_and_its_answers_match_whole_numbers():
    gen = load_generator()
    rng = random.Random(gen.SEED)
    rows = gen.items_for(rng, zh=False) + gen.items_for(rng, zh=True)
    shipped = builtin("arithmetic").items
    assert [(i["question"], i["answer"]) for i in shipped] == [(q, gen.pattern(v)) for q, v in rows]
    assert len({i["question"] for i in shipped}) == 200
    for text, ok in [("17 + 25 = 42.", True), ("答案是42。", True), ("142", False), ("42.5", False),
                     ("0.42", False), ("4.2", False)]:
        assert match_answer(text, gen.pattern(42), "regex") is ok
    assert match_answer("It is 1,256.", gen.pattern(1256), "regex") and match_answer("1256", gen.pattern(1256), "regex")


@pytest.mark.parametrize("name", ["general_en", "general_zh", "arithmetic"])
def test_answers_are_not_in_their_questions(name):
    """A reply that repeats the question must not count as right."""
    items = builtin(name).items
    assert len({i["question"] for i in items}) == len(items)
    for item in items:
        if item["match"] == "regex":
            assert not re.search(item["answer"], item["question"]), item
        elif item["match"] == "contains":
            assert item["answer"].lower() not in item["question"].lower(), item
    numbers = [i for i in items if i["match"] == "contains" and re.fullmatch(r"[\d.]+", i["answer"])]
    assert all("." in i["answer"] for i in numbers)  # whole numbers are regexes: 60 must not match 3600


def test_report_rows_carry_the_interval_fields():
    base, tuned = outcomes(48, 20, 3, 1)
    row = compare({"general_en": qa(base)}, {"general_en": qa(tuned)})[0].to_dict()
    assert set(row) >= {"ci_low", "ci_high"} and json.loads(json.dumps(row)) == row


def test_a_report_without_probes_prints_an_empty_table():
    """probe.suites=none: no rows, a header and no crash (max() over nothing but the minimum width)."""
    table = format_rows([], 5.0)
    assert table.splitlines()[0].startswith("suite")
    assert len(table.splitlines()) == 1
