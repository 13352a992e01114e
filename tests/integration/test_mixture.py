"""Multi-task mixtures: two datasets with their own formats, weights and validation files in one run; per-task
validation curves and domain metrics; and the prompting baseline (base + k worked examples) beside them."""

from __future__ import annotations

import json

import yaml

from ftcore import DEMOS, RunStore


def split_demo(name: str, folder, rows: int, val: int):
    lines = DEMOS[name].path.read_text(encoding="utf-8").splitlines()
    train, held = folder / f"{name}.jsonl", folder / f"{name}-val.jsonl"
    train.write_text("\n".join(lines[:rows]) + "\n", encoding="utf-8")
    held.write_text("\n".join(lines[rows:rows + val]) + "\n", encoding="utf-8")
    return train, held


def test_two_task_run_reports_each_task_and_the_prompting_baseline(cli, home, tiny_model, tmp_path):
    chat, chat_val = split_demo("barista", tmp_path, 16, 4)
    risk, risk_val = split_demo("contracts-risk", tmp_path, 8, 4)
    config = tmp_path / "mix.yaml"
    config.write_text(yaml.safe_dump({"data": {"max_length": 256, "tasks": [
        {"train": str(chat), "val": str(chat_val), "weight": 1},
        {"name": "risk", "train": str(risk), "val": str(risk_val), "format": "classification",
         "template": DEMOS["contracts-risk"].template, "weight": 3}]}}, allow_unicode=True), encoding="utf-8")
    out = cli("train", "--config", str(config), "--model", str(tiny_model), "--max-steps", "4", "--batch-size", "4",
              "train.eval_steps=2", "probe.suites=none", "probe.fewshot=2", "--name", "mix")
    assert out.returncode == 0, out.stderr[-3000:]
    run = RunStore(home).list()[0]

    data = json.loads((run.dir / "data.json").read_text())
    assert set(data) == {"train:barista", "validation:barista", "train:risk", "validation:risk"}
    # 24 rows in all, split 1:3 by weight: barista subsampled to 6 of 16, risk repeated to 18 from 8
    assert (data["train:barista"]["examples"], data["train:risk"]["examples"]) == (6, 18)
    assert data["train:risk"]["weight"] == 3 and data["validation:risk"]["rows"] == 4
    saved = run.config().data.tasks
    assert [t.name for t in saved] == ["barista", "risk"] and saved[1].template == DEMOS["contracts-risk"].template

    evals = run.events("eval")
    assert any("eval_barista_loss" in e for e in evals) and any("eval_risk_loss" in e for e in evals)

    report = json.loads((run.dir / "report.json").read_text())
    final = report["candidates"][0]
    assert set(final["tasks"]) == {"barista", "risk"} == set(report["base"]["tasks"])
    assert "accuracy" in final["tasks"]["risk"] and "rouge_l" in final["tasks"]["barista"]
    n = sum(t["examples"] for t in final["tasks"].values())
    expected = sum(t["loss"] * t["examples"] for t in final["tasks"].values()) / n
    assert abs(final["domain"]["loss"] - expected) < 1e-3 and final["domain"]["examples"] == 8
    shots = report["base"]["fewshot"]
    assert shots["k"] == 2 and set(shots["tasks"]) == {"barista", "risk"}
    # worked examples lengthen the prompt but not the scored answer: the losses differ from the plain base
    assert shots["tasks"]["risk"]["loss"] != report["base"]["tasks"]["risk"]["loss"]

    table = cli("compare", run.id)
    assert table.returncode == 0, table.stderr
    assert "base+2shot" in table.stdout and "risk" in table.stdout and "barista" in table.stdout
    other = cli("compare", run.id, "--baseline", "fewshot:1", "--json")
    assert other.returncode == 0, other.stderr
    assert json.loads(other.stdout)["fewshot"]["k"] == 1
    bad = cli("compare", run.id, "--baseline", "zeroshot")
    assert bad.returncode == 2 and "fewshot:K" in bad.stderr


def test_repeated_data_flags_make_a_mixture(cli, home, tiny_model, tmp_path):
    chat, _ = split_demo("barista", tmp_path, 12, 0)
    more, _ = split_demo("contracts-risk", tmp_path, 6, 0)
    out = cli("train", "--data", f"{chat}:2", "--data", str(more), "--format", "auto", "--template",
              DEMOS["contracts-risk"].template, "--model", str(tiny_model), "--max-steps", "2", "--name", "flags")
    assert out.returncode == 0, out.stderr[-3000:]
    run = RunStore(home).list()[0]
    data = json.loads((run.dir / "data.json").read_text())
    assert (data["train:barista"]["examples"], data["train:contracts-risk"]["examples"]) == (12, 6)
    mismatched = cli("train", "--data", str(chat), "--data", str(more), "--val", str(chat), "--model",
                     str(tiny_model))
    assert mismatched.returncode == 2 and "one --val per --data" in mismatched.stderr
