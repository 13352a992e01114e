"""A stop during the end-of-run report ends it within seconds: the run is done (its final model is complete), no
report is written, and the devices are free for the next queued run."""

import time

from conftest import wait_for

from ftcore import RunStore


def test_stop_during_the_report_ends_the_run_as_done_in_seconds(cli, home, tiny_model, chat_file):
    out = cli("train", "--data", str(chat_file), "--model", str(tiny_model), "--max-steps", "2", "--detach",
              "probe.suites=all", "probe.max_new_tokens=200", "--name", "long-report")
    run = RunStore(home).get(out.stdout.split()[-1])
    wait_for(lambda: run.status().get("report") == "running", timeout=300, run=run)
    time.sleep(1)
    began = time.monotonic()
    stopped = cli("stop", run.id, "--grace", "60")
    seconds = time.monotonic() - began
    assert stopped.returncode == 0, stopped.stderr
    status = run.status()
    assert status["state"] == "done" and status["report"] == "stopped" and seconds < 30, (status, seconds)
    assert (run.final_dir / "model.safetensors").is_file() and not (run.dir / "report.json").exists()
    assert any("report was stopped" in e["text"] for e in run.events("message"))
