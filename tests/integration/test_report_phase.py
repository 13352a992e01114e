"""The report does not hold the model hostage: the run is done (its model usable) the moment training ends, the
report runs after it with an estimate and its own progress, `ftcore train --no-wait-report` returns at once, and
a done run's report can be made again with other suites as a job."""

from conftest import wait_for

import ftcore
from ftcore import RunStore


def test_the_model_is_ready_while_the_report_runs(cli, home, tiny_model, chat_file):
    out = cli("train", "--data", str(chat_file), "--model", str(tiny_model), "--max-steps", "2", "--no-wait-report",
              "probe.suites=all", "probe.max_new_tokens=200", "--name", "ready")
    assert out.returncode == 0, out.stderr
    run = RunStore(home).list()[0]
    assert f"The model is ready: {run.final_dir}" in out.stdout
    status = run.status()
    assert status["state"] == "done" and ftcore.busy(status), status  # the report goes on in the background
    assert "ftcore stop" in out.stdout
    # every consumer takes the model now: model lists (Chat), Compare and Publish, --model, push and serve
    assert run.id in [m["ref"] for m in ftcore.list_models(home)]
    assert ftcore.resolve(run.id, home).location == str(run.final_dir)
    from ui.compare_tab import finished_runs as compare_runs
    from ui.publish_tab import finished_runs as publish_runs

    assert run.id in [r for _, r in compare_runs(home)] and run.id in [r for _, r in publish_runs(home)]
    plan = wait_for(lambda: run.events("report_plan"), timeout=120, run=run)[0]
    assert plan["estimate_s"] > 0 and plan["suites"] == list(ftcore.eval.probes.BUILTIN)
    shown = cli("status", run.id).stdout
    assert "model ready" in shown and "report running" in shown and "estimate" in shown, shown
    assert cli("stop", run.id).returncode == 0
    assert run.status()["report"] == "stopped"


def test_a_done_runs_report_is_made_again_as_a_job(cli, home, tiny_model, chat_file):
    out = cli("train", "--data", str(chat_file), "--model", str(tiny_model), "--max-steps", "2", "probe.suites=kl",
              "probe.domain=false", "--name", "again")
    assert out.returncode == 0, out.stderr
    run = RunStore(home).list()[0]
    assert "The model is ready" in out.stdout and "Report:" in out.stdout
    assert run.status()["report"] == "done" and run.report().suites == ["kl"]
    ftcore.report_again(run, home, "kl,passages_ppl")
    status = ftcore.wait(run, timeout=300)
    assert status["state"] == "done" and status["report"] == "done", status
    assert run.report().suites == ["kl", "passages_ppl"]
    assert [e["state"] for e in run.events("report_end")] == ["done", "done"]
