"""An lm-eval benchmark in a run's report and in `ftcore probe`, over a tiny task on local files (offline): base
and final scored item by item in the same order and compared like every other suite; a benchmark whose data is
out of reach fails in one line before any model loads."""

import json

import pytest
from lm_eval_task import ROWS, write_task

from ftcore import RunStore


def test_report_compares_an_lm_eval_suite_like_the_others(cli, home, tiny_model, chat_file, tmp_path):
    folder = tmp_path / "tasks"
    write_task(folder)
    out = cli("train", "--data", str(chat_file), "--model", str(tiny_model), "--max-steps", "4", "--lr", "1e-3",
              "probe.suites=passages_ppl,lm_eval:tiny_mc", f"probe.lm_eval_include={folder}",
              "probe.lm_eval_limit=0", "probe.domain=false", "probe.blend=\"off\"", "--name", "bench")
    assert out.returncode == 0, out.stderr[-3000:]
    run = RunStore(home).list()[0]
    report = json.loads(run.report_path.read_text())
    assert report["suites"] == ["passages_ppl", "lm_eval:tiny_mc"]
    base, final = report["base"]["probes"]["lm_eval:tiny_mc"], report["candidates"][0]["probes"]["lm_eval:tiny_mc"]
    assert base["kind"] == final["kind"] == "qa" and base["n"] == final["n"] == len(ROWS)
    assert [i["prompt"] for i in base["items"]] == [i["prompt"] for i in final["items"]]
    assert final["score"] == pytest.approx(100 * sum(i["ok"] for i in final["items"]) / len(ROWS), abs=1e-3)
    (row,) = [r for r in report["candidates"][0]["rows"] if r["suite"] == "lm_eval:tiny_mc"]
    assert row["base"] == pytest.approx(base["score"], abs=1e-3) and row["tuned"] == pytest.approx(final["score"],
                                                                                                   abs=1e-3)
    assert row["verdict"] in ("kept", "gained", "forgot", "uncertain")
    assert final["oks"] == [int(i["ok"]) for i in final["items"]]  # the paired interval's input, item by item

    table = cli("compare", run.id)
    assert table.returncode == 0 and "lm_eval:tiny_mc" in table.stdout


def test_probe_command_runs_a_task_file_and_refuses_unreachable_data(cli, tiny_model, tmp_path):
    task = write_task(tmp_path / "tasks")
    out = cli("probe", "--model", str(tiny_model), "--suite", f"lm_eval:{task}", "--lm-eval-limit", "4", "--json")
    assert out.returncode == 0, out.stderr[-2000:]
    (result,) = json.loads(out.stdout).values()
    assert result["lm_eval:tiny_mc"]["kind"] == "qa" and result["lm_eval:tiny_mc"]["n"] == 4

    hub = tmp_path / "hub.yaml"
    hub.write_text(task.read_text().replace("dataset_path: json", "dataset_path: nobody/no-such-dataset")
                   .replace("task: tiny_mc", "task: tiny_hub"), encoding="utf-8")
    bad = cli("probe", "--model", str(tiny_model), "--suite", f"lm_eval:{hub}")
    assert bad.returncode == 2 and "nobody/no-such-dataset" in bad.stderr and "Traceback" not in bad.stderr
    assert len([line for line in bad.stderr.splitlines() if "could not be loaded" in line]) == 1


def test_a_misspelled_benchmark_is_refused_before_training(cli, home, tiny_model, chat_file, tmp_path):
    folder = tmp_path / "tasks"
    write_task(folder)
    out = cli("train", "--data", str(chat_file), "--model", str(tiny_model), "--max-steps", "4",
              "probe.suites=quick,lm_eval:tiny_mcq", f"probe.lm_eval_include={folder}", "--name", "typo")
    assert out.returncode == 2 and "tiny_mcq" in out.stderr and "tiny_mc" in out.stderr.replace("tiny_mcq", "")
    assert "Traceback" not in out.stderr
    assert not home.runs_dir.exists() or not list(home.runs_dir.iterdir())  # no run trained for an hour first
