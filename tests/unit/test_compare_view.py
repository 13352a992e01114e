"""The Compare tab's views of a report: probe table with badges, scores per suite, domain table (a row per metric, a
column per model), gain-vs-forgetting points with their axes, and the models a run offers (base, final,
checkpoints); votes kept with the run."""

import json

import pytest

from ftcore import RunConfig, RunStore, UserError, apply_overrides
from ui.compare_view import (
    BASE_COLOR,
    domain_table,
    model_choices,
    plot_update,
    probe_plot,
    probe_scores,
    probe_table,
    summary,
    tradeoff,
    tradeoff_axes,
    tradeoff_plot,
)

REPORT = {
    "budget": 5, "domain_split": "validation", "recommended": "checkpoint-2", "recommendation": "checkpoint-2: best",
    "base": {"domain": {"loss": 2.0, "rouge_l": 10.0},
             "probes": {"general_en": {"kind": "qa", "score": 50.0}}},
    "candidates": [
        {"name": "final", "domain": {"loss": 1.0, "rouge_l": 30.0}, "metric": "rouge_l", "metric_value": 30.0,
         "rows": [{"suite": "general_en", "kind": "qa", "base": 50.0, "tuned": 40.0, "delta": -10.0, "lost": 10.0,
                   "verdict": "forgot", "ci_low": -16.25, "ci_high": -3.75}]},
        {"name": "checkpoint-2", "domain": {"loss": 1.5, "rouge_l": 20.0}, "metric": "rouge_l", "metric_value": 20.0,
         "rows": [{"suite": "general_en", "kind": "qa", "base": 50.0, "tuned": 48.0, "delta": -2.0, "lost": 2.0,
                   "verdict": "kept"}]}]}


def test_report_views(home):
    table = probe_table(REPORT)
    assert list(table.columns) == ["suite", "verdict", "base", "fine-tuned", "change", "95% interval", "unit"]
    assert table.iloc[0]["verdict"] == "✖ forgot" and table.iloc[0]["unit"] == "% correct"
    assert table.iloc[0]["95% interval"] == "[-16.2, -3.8]"
    # a checkpoint's row from a report written before intervals: no interval, the verdict as it was
    assert list(probe_table(REPORT, "checkpoint-2").iloc[0][["verdict", "95% interval"]]) == ["✔ kept", ""]
    assert list(probe_table(REPORT, lang="zh").iloc[0]) == ["general_en", "✖ 遗忘", 50.0, 40.0, -10.0,
                                                            "[-16.2, -3.8]", "% 正确"]
    assert list(probe_table(None, lang="zh").columns) == ["探针套件", "结论", "基础模型", "微调后", "变化", "95% 区间",
                                                          "单位"]
    assert list(probe_scores(REPORT)["model"]) == ["base", "final"]
    assert list(probe_scores(REPORT, lang="zh")["model"]) == ["基础模型", "最终模型"]
    domain = domain_table(REPORT)
    assert list(domain.columns) == ["metric", "base", "final", "checkpoint-2"]
    assert domain.values.tolist() == [["loss", 2.0, 1.0, 1.5], ["ROUGE-L", 10.0, 30.0, 20.0]]
    assert list(domain_table(REPORT, "zh").columns) == ["指标", "基础模型", "最终模型", "checkpoint-2"]
    assert list(domain_table(REPORT, "zh")["指标"]) == ["损失", "ROUGE-L 分数"]
    points = tradeoff(REPORT)
    assert list(points["forgetting"]) == [10.0, 2.0] and list(points["domain"]) == [30.0, 20.0]
    assert probe_table(None).empty and "Recommended" in summary(REPORT, object())


def test_an_uncertain_loss_shows_its_interval_and_badge():
    row = {"suite": "arithmetic", "kind": "qa", "base": 13.9, "tuned": 8.3, "delta": -5.6, "lost": 5.6,
           "verdict": "uncertain", "ci_low": -5.556, "ci_high": 3.799}
    report = {"budget": 5, "base": {}, "candidates": [{"name": "final", "rows": [row], "within_budget": True}]}
    assert list(probe_table(report).iloc[0])[1:6] == ["? uncertain", 13.9, 8.3, -5.6, "[-5.6, +3.8]"]
    assert probe_table(report, lang="zh").iloc[0]["结论"] == "? 不确定"
    assert "uncertain" in summary(report, object()) and "不确定" in summary(report, object(), "zh")


def test_numbers_are_short_and_a_report_without_scores_plots_nothing():
    rows = [{"suite": "passages_ppl", "kind": "ppl", "base": 404.273, "tuned": 403.4412, "delta": -0.8318, "lost": 0.0,
             "verdict": "gained"},
            {"suite": "kl", "kind": "kl", "base": 0.0, "tuned": 0.003312, "delta": 0.003312, "lost": 0.0, "verdict": "info"}]
    report = {"budget": 5, "base": {}, "candidates": [{"name": "final", "rows": rows}]}
    assert probe_table(report)[["base", "fine-tuned", "change"]].values.tolist() == [[404.3, 403.4, -0.8318],
                                                                                 [0.0, 0.003312, 0.003312]]
    rows[0] |= {"ci_low": -1.2, "ci_high": -0.4}  # a perplexity change's interval keeps its small digits
    assert list(probe_table(report)["95% interval"]) == ["[-1.2, -0.4]", ""]
    assert probe_scores(report) is None and tradeoff(report) is None and tradeoff_axes(report) == {}
    assert domain_table(report).empty
    # a candidate whose metric is not a finite number is left out of the plot (vega: "Infinite extent")
    report["base"] = {"domain": {"loss": 2.0}}
    report["candidates"][0] |= {"domain": {}, "metric": "loss", "metric_value": float("-inf")}
    assert tradeoff(report) is None


def test_plots_name_a_colour_per_series_and_keep_points_off_the_frame():
    update = probe_plot(REPORT, "zh")
    assert update["color_map"] == {"基础模型": BASE_COLOR, "最终模型": update["color_map"]["最终模型"]}
    assert update["color_map"]["最终模型"] != BASE_COLOR and update["sort"] == ["general_en"]
    assert list(tradeoff_plot(REPORT, "zh")["color_map"]) == ["最终模型", "checkpoint-2"]
    assert plot_update(None, "model") == {"__type__": "update", "value": None}  # gradio's empty placeholder
    axes = tradeoff_axes(REPORT, "zh")
    low, high = axes["x_lim"]
    assert low < 0 < 2.0 < 10.0 < high and axes["y_lim"][0] < 20.0 < 30.0 < axes["y_lim"][1]
    assert axes["y_title"] == "领域数据上的ROUGE-L 分数"
    loss = {**REPORT, "candidates": [{**c, "metric": "loss", "metric_value": -c["domain"]["loss"]}
                                     for c in REPORT["candidates"]]}
    low, high = tradeoff_axes(loss)["y_lim"]
    assert low < 1.0 < 1.5 < high < 2.0 and tradeoff_axes(loss)["y_title"] == "loss on the domain data"


def test_models_of_a_run_and_votes(home):
    config = apply_overrides(RunConfig(name="cmp"), ["data.train=x.jsonl", "model.ref=base-model"])
    run = RunStore(home.ensure()).create(config)
    for name in ("final", "checkpoints/checkpoint-4"):
        (run.dir / name).mkdir(parents=True)
        (run.dir / name / "config.json").write_text("{}")
    refs = [ref for _, ref in model_choices(run)]
    assert refs == ["base-model", run.id, str(run.dir / "checkpoints" / "checkpoint-4")]
    run.add_vote("which milk?", "base-model", run.id, "b")
    assert run.votes()[0]["winner"] == "b" and json.loads((run.dir / "votes.jsonl").read_text())["a"] == "base-model"
    with pytest.raises(UserError):
        run.add_vote("x", "a", "b", "maybe")


def test_domain_table_shows_tasks_and_the_prompting_baseline():
    from ui.compare_view import domain_table

    per = {"chat": {"loss": 2.0, "rouge_l": 10.0, "examples": 4}, "risk": {"loss": 1.0, "accuracy": 50.0, "examples": 4}}
    report = {"base": {"domain": {"loss": 1.5}, "tasks": per,
                       "fewshot": {"k": 3, "domain": {"loss": 1.4}, "tasks": per}},
              "candidates": [{"name": "final", "domain": {"loss": 1.0}, "tasks": per}]}
    frame = domain_table(report)
    assert list(frame.columns) == ["metric", "base", "base + 3-shot prompt", "final"]
    assert list(frame["metric"]) == ["loss", "chat · loss", "chat · ROUGE-L", "risk · loss", "risk · accuracy"]
    assert list(frame.iloc[0, 1:]) == [1.5, 1.4, 1.0] and list(frame.iloc[2, 1:]) == [10.0, 10.0, 10.0]
    plain = domain_table({"base": {"domain": {"loss": 1.5}}, "candidates": [{"name": "final", "domain": {"loss": 1.0}}]})
    assert plain.values.tolist() == [["loss", 1.5, 1.0]]


def test_validation_curves_per_task():
    from ui.train_view import curves

    class FakeRun:
        def events(self):
            return [{"type": "eval", "step": 2, "eval_chat_loss": 1.5}, {"type": "eval", "step": 2, "eval_risk_loss": 0.5},
                    {"type": "eval", "step": 4, "eval_loss": 1.0}]

        def config(self):
            return RunConfig()

    series = curves(FakeRun())["loss"]["series"].tolist()
    assert series == ["validation · chat", "validation · risk", "validation"]
