"""The Compare tab's views of a report: probe table with badges, bars, domain table, gain-vs-forgetting points,
and the models a run offers (base, final, checkpoints); votes kept with the run."""

import json

import pytest

from ftcore import RunConfig, RunStore, UserError, apply_overrides
from ui.compare_view import domain_table, model_choices, probe_bars, probe_table, summary, tradeoff

REPORT = {
    "budget": 5, "domain_split": "validation", "recommended": "checkpoint-2", "recommendation": "checkpoint-2: best",
    "base": {"domain": {"loss": 2.0, "rouge_l": 10.0},
             "probes": {"general_en": {"kind": "qa", "score": 50.0}}},
    "candidates": [
        {"name": "final", "domain": {"loss": 1.0, "rouge_l": 30.0}, "metric": "rouge_l", "metric_value": 30.0,
         "rows": [{"suite": "general_en", "kind": "qa", "base": 50.0, "tuned": 40.0, "delta": -10.0, "lost": 10.0,
                   "verdict": "forgot"}]},
        {"name": "checkpoint-2", "domain": {"loss": 1.5, "rouge_l": 20.0}, "metric": "rouge_l", "metric_value": 20.0,
         "rows": [{"suite": "general_en", "kind": "qa", "base": 50.0, "tuned": 48.0, "delta": -2.0, "lost": 2.0,
                   "verdict": "kept"}]}]}


def test_report_views(home):
    table = probe_table(REPORT)
    assert table.iloc[0]["verdict"] == "✖ forgot" and table.iloc[0]["unit"] == "% correct"
    assert probe_table(REPORT, "checkpoint-2").iloc[0]["verdict"] == "✔ kept"
    assert list(probe_bars(REPORT)["model"]) == ["base", "final"]
    assert list(domain_table(REPORT)["model"]) == ["base", "final", "checkpoint-2"]
    points = tradeoff(REPORT)
    assert list(points["forgetting"]) == [10.0, 2.0] and list(points["domain"]) == [30.0, 20.0]
    assert probe_table(None).empty and "Recommended" in summary(REPORT, object())


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
    assert list(frame["model"].unique()) == ["base", "base + 3-shot prompt", "final"]
    assert set(frame["task"]) == {"all", "chat", "risk"} and len(frame) == 9
    plain = domain_table({"base": {"domain": {"loss": 1.5}}, "candidates": [{"name": "final", "domain": {"loss": 1.0}}]})
    assert "task" not in plain.columns and list(plain["model"]) == ["base", "final"]


def test_validation_curves_per_task():
    from ui.train_view import curves

    class FakeRun:
        def events(self):
            return [{"type": "eval", "step": 2, "eval_chat_loss": 1.5}, {"type": "eval", "step": 2, "eval_risk_loss": 0.5},
                    {"type": "eval", "step": 4, "eval_loss": 1.0}]

    series = curves(FakeRun())["loss"]["series"].tolist()
    assert series == ["validation · chat", "validation · risk", "validation"]
