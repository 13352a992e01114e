"""The Compare tab's report in a real browser (issue #19): both plots draw their points, in English and in Chinese,
when a run is picked and again when another run with other candidates is picked; axis titles and table headers
follow the page's language; the probe table shows its verdicts at 1400 px, and on a phone (390 px) the suite and
its verdict with a hint that the tables scroll sideways. Screenshots: /tmp/compare-*.png."""

from __future__ import annotations

import json

import pytest
import test_browser
from test_browser import MARKS, pick, seen, start_app

from ftcore import RunConfig, RunStore, apply_overrides

pytestmark = pytest.mark.browser
browser = test_browser.browser  # the fixture: headless Chromium


def rows(*suites):
    out = []
    for suite, kind, base, tuned, verdict in suites:
        out.append({"suite": suite, "kind": kind, "base": base, "tuned": tuned, "delta": round(tuned - base, 3),
                    "lost": max(0.0, base - tuned), "verdict": verdict})
    return out


# two candidates, four suites scored in % (eight points), perplexity and KL besides
REPORT = {
    "budget": 5, "domain_split": "validation", "recommended": "checkpoint-2", "recommendation": "checkpoint-2: best",
    "base": {"domain": {"loss": 2.0, "perplexity": 7.39, "exact_match": 5.0, "contains": 10.0, "rouge_l": 10.0}},
    "candidates": [
        {"name": "final", "metric": "rouge_l", "metric_value": 30.0,
         "domain": {"loss": 1.0, "perplexity": 2.72, "exact_match": 20.0, "contains": 35.0, "rouge_l": 30.0},
         "rows": rows(("general_en", "qa", 50.0, 40.0, "forgot"), ("general_zh", "qa", 45.0, 47.5, "gained"),
                      ("arithmetic", "qa", 30.0, 30.0, "kept"), ("instruction", "checks", 60.0, 58.0, "kept"),
                      ("passages_ppl", "ppl", 404.273, 403.441, "gained"), ("kl", "kl", 0.0, 0.0033, "info"))},
        {"name": "checkpoint-2", "metric": "rouge_l", "metric_value": 20.0,
         "domain": {"loss": 1.5, "perplexity": 4.48, "exact_match": 12.0, "contains": 22.0, "rouge_l": 20.0},
         "rows": rows(("general_en", "qa", 50.0, 48.0, "kept"), ("general_zh", "qa", 45.0, 45.0, "kept"),
                      ("arithmetic", "qa", 30.0, 32.0, "gained"), ("instruction", "checks", 60.0, 60.0, "kept"),
                      ("passages_ppl", "ppl", 404.273, 404.0, "gained"), ("kl", "kl", 0.0, 0.002, "info"))}]}
# what a 3-step run of a tiny random model reports: one candidate, every score 0 (points on the plots' edges)
TINY = {
    "budget": 5, "domain_split": "training sample", "recommended": "checkpoint-3",
    "recommendation": "checkpoint-3: best", "base": {"domain": {"loss": 5.99, "rouge_l": 0.0}},
    "candidates": [{"name": "checkpoint-3", "metric": "rouge_l", "metric_value": 0.0,
                    "domain": {"loss": 5.55, "rouge_l": 0.0},
                    "rows": rows(("general_en", "qa", 0.0, 0.0, "kept"), ("arithmetic", "qa", 0.0, 0.0, "kept"),
                                 ("poems", "checks", 0.0, 0.0, "kept"))}]}

TEXTS = "sel => [...document.querySelectorAll(sel)].map(t => t.textContent)"


def finished_run(home, name: str, report: dict):
    config = apply_overrides(RunConfig(name=name), ["data.train=chat.jsonl", "model.ref=base-model"])
    run = RunStore(home.ensure()).create(config)
    (run.dir / "final").mkdir()
    (run.dir / "final" / "config.json").write_text("{}")
    run.report_path.write_text(json.dumps(report), encoding="utf-8")
    run.update_status(state="done")
    return run


@pytest.fixture
def compare_app(home, tmp_path):
    runs = finished_run(home, "report", REPORT), finished_run(home, "tiny", TINY)
    url, proc = start_app(home, tmp_path)
    yield url, runs
    proc.terminate()
    proc.wait(timeout=30)


def open_compare(chromium, url, width: int, locale: str, run_id: str):
    headers = {"Accept-Language": f"{locale},{locale.split('-')[0]};q=0.9"}
    page = chromium.new_context(viewport={"width": width, "height": 1000}, locale=locale,
                                extra_http_headers=headers).new_page()
    page.warnings = []
    page.on("console", lambda message: page.warnings.append(message.text))
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector("#check-data", timeout=120_000)
    zh = locale.startswith("zh")
    page.get_by_role("tab", name="对比" if zh else "Compare").click()
    # before a run is picked, the empty tables have their headers in the page's language
    cell(page, "probe-table", "结论" if zh else "verdict").wait_for(timeout=60_000)
    pick(page, "compare-run", run_id)
    return page


def wait_for_marks(page, probe: int, tradeoff: int) -> None:
    """Wait until the probe plot shows `probe` points and the gain-vs-forgetting plot `tradeoff` (exactly)."""
    page.wait_for_function(f"() => ({MARKS})('probe-plot') === {probe} && ({MARKS})('tradeoff-plot') === {tradeoff}",
                           timeout=120_000)


def cell(page, table: str, text: str):
    return page.locator(f"#{table} th, #{table} .body-cell").filter(has_text=text, visible=True).first


def test_compare_plots_have_marks_and_tables_fit(compare_app, browser):
    url, (run, tiny) = compare_app

    page = open_compare(browser, url, 1400, "en-US", run.id)
    wait_for_marks(page, probe=8, tradeoff=2)
    assert set(page.evaluate(TEXTS, "#probe-plot .role-legend text")) == {"model", "base", "final"}
    assert set(page.evaluate(TEXTS, "#tradeoff-plot .role-legend text")) == {"candidate", "final", "checkpoint-2"}
    assert "worst forgetting (points)" in page.evaluate(TEXTS, "#tradeoff-plot .role-axis-title text")
    assert not [w for w in page.warnings if "Infinite extent" in w]
    # every column of the probe table is in view, the verdicts too; the domain table has a column per model
    for text in ("verdict", "unit", "✖ forgot"):
        assert seen(page, cell(page, "probe-table", text)), text
    assert seen(page, cell(page, "domain-table", "checkpoint-2")) and seen(page, cell(page, "domain-table", "ROUGE-L"))
    assert not page.locator("#table-hint").get_by_text("Swipe").is_visible()  # wide enough: no hint
    page.screenshot(path="/tmp/compare-1400-en.png", full_page=True)

    pick(page, "compare-run", tiny.id)  # another run, other candidates: both plots drawn afresh
    wait_for_marks(page, probe=6, tradeoff=1)
    assert set(page.evaluate(TEXTS, "#tradeoff-plot .role-legend text")) == {"candidate", "checkpoint-3"}
    pick(page, "compare-run", run.id)
    wait_for_marks(page, probe=8, tradeoff=2)

    page = open_compare(browser, url, 1400, "zh-CN", run.id)
    wait_for_marks(page, probe=8, tradeoff=2)
    assert set(page.evaluate(TEXTS, "#probe-plot .role-legend text")) == {"模型", "基础模型", "最终模型"}
    assert set(page.evaluate(TEXTS, "#tradeoff-plot .role-legend text")) == {"候选模型", "最终模型", "checkpoint-2"}
    titles = page.evaluate(TEXTS, "#probe-plot .role-axis-title text, #tradeoff-plot .role-axis-title text")
    assert {"探针套件", "得分（%）", "最大遗忘（百分点）", "领域数据上的ROUGE-L 分数"} <= set(titles), titles
    assert not [w for w in page.warnings if "Infinite extent" in w]
    for text in ("结论", "单位", "✖ 遗忘"):
        assert seen(page, cell(page, "probe-table", text)), text
    page.screenshot(path="/tmp/compare-1400-zh.png", full_page=True)

    page = open_compare(browser, url, 390, "en-US", run.id)
    wait_for_marks(page, probe=8, tradeoff=2)
    # a phone shows each suite with its verdict, says that the tables scroll, and they do
    assert page.locator("#table-hint").get_by_text("Swipe a table sideways").is_visible()
    for text in ("suite", "verdict", "general_en", "✖ forgot"):
        assert seen(page, cell(page, "probe-table", text)), text
    assert not seen(page, cell(page, "probe-table", "unit"))
    page.screenshot(path="/tmp/compare-390-en.png", full_page=True)
