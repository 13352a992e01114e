import json
import os

import pytest

from ftcore import RunConfig, RunStore, UserError, apply_overrides
from ftcore.runs.liveness import pid_alive
from ftcore.runs.registry import slug


def make_run(settings, name="My Run!"):
    return RunStore(settings).create(apply_overrides(RunConfig(name=name), ["data.train=a.jsonl"]))


def test_create_writes_contract_files_and_unique_ids(home):
    first, second = make_run(home), make_run(home)
    assert first.id != second.id and first.id.endswith("my-run")
    assert first.status()["state"] == "queued"
    assert first.config().name == "My Run!"
    assert sorted(p.name for p in first.dir.iterdir()) == ["config.yaml", "events.jsonl", "status.json"]
    assert not [p for p in home.runs_dir.iterdir() if p.name.startswith(".")]  # no staging left behind
    assert [r.id for r in RunStore(home).list()] == sorted([first.id, second.id], reverse=True)


def test_events_skip_a_line_still_being_written(home):
    run = make_run(home)
    run.append_event("train", step=1, loss=2.5)
    with open(run.events_path, "a") as handle:
        handle.write('{"type": "train", "st')
    assert [e["loss"] for e in run.events("train")] == [2.5]


def test_dead_worker_is_reported_as_failed(home):
    run = make_run(home)
    run.update_status(state="running", pid=2**22 + 12345)
    status = run.status()
    assert status["state"] == "failed" and "worker.log" in status["error"]
    assert json.loads(run.status_path.read_text())["state"] == "running"  # the verdict is the reader's, unwritten


def test_stop_request_marks_stopping(home):
    run = make_run(home)
    run.update_status(state="running", pid=os.getpid())
    run.request_stop()
    assert run.stop_requested and run.status()["state"] == "stopping"


def test_a_run_whose_report_runs_is_done_and_busy_and_a_stop_ends_only_the_report(home):
    from ftcore import busy, wait

    run = make_run(home)
    run.update_status(state="done", report="running", pid=os.getpid())
    assert busy(run.status()) and run.status()["state"] == "done"
    assert wait(run, timeout=0.2)["report"] == "running"  # a caller waiting for the whole run still waits
    assert wait(run, timeout=0.2, report=False)["state"] == "done"  # the model is ready
    run.request_stop()
    assert run.stop_requested and run.status()["state"] == "done" and run.status()["report"] == "stopping"
    run.update_status(report="stopped")
    assert not busy(run.status())


def test_a_dead_worker_fails_the_report_not_the_done_run(home):
    run = make_run(home)
    run.update_status(state="done", report="running", pid=2**22 + 12345)
    status = run.status()
    assert status["state"] == "done" and status["report"] == "failed" and "worker.log" in status["report_error"]


@pytest.mark.parametrize("bad", ["../etc", ".hidden", "a/b", "", "nope"])
def test_get_refuses_paths_and_unknown_ids(home, bad):
    with pytest.raises(UserError):
        RunStore(home).get(bad)


def test_workspace_paths_stay_inside(home):
    assert home.inside("runs/x") == home.home / "runs" / "x"
    with pytest.raises(UserError, match="outside the workspace"):
        home.inside("../../etc/passwd")


def test_slug_and_pid_helpers():
    assert slug("Café latte / 合同 v2") == "caf-latte-v2"
    assert slug("合同") == "run"
    assert pid_alive(os.getpid()) and not pid_alive(None)


def dead_pid() -> int:
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_reading_a_vanished_workers_status_never_writes(home):
    """A reader on a full disk or a read-only mount must still answer; the verdict is made at each read."""
    import socket

    run = make_run(home)
    run.update_status(state="running", pid=dead_pid(), host=socket.gethostname())
    before = run.status_path.read_bytes()
    os.chmod(run.dir, 0o555)
    try:
        status = run.status()
    finally:
        os.chmod(run.dir, 0o755)
    assert status["state"] == "failed" and "ended without a final status" in status["error"]
    assert run.status_path.read_bytes() == before  # nothing written


def test_another_nodes_live_run_is_not_marked_failed(home):
    run = make_run(home)
    run.update_status(state="running", pid=dead_pid(), host="node-elsewhere")  # that pid means nothing here
    assert run.status()["state"] == "running"


def test_a_reused_pid_is_not_taken_for_the_worker(home):
    import socket

    from ftcore.runs.liveness import process_start

    run = make_run(home)
    me = os.getpid()  # alive, but not the process that status names: another start time
    run.update_status(state="running", pid=me, host=socket.gethostname(), pid_start=process_start(me) - 1)
    assert run.status()["state"] == "failed"
    run.update_status(pid_start=process_start(me))
    assert run.status()["state"] == "running"


def _supervised(home, stop_file: bool, signal_self: bool, code: int = 0):
    """supervise() over a child that sleeps (as one compiling DeepSpeed's ops does, before any Trainer reads the
    STOP file), ended by a stop: the STOP file plus a SIGTERM to the group, or a SIGTERM to the job alone."""
    import signal
    import sys
    import threading

    from ftcore.runs.liveness import process_start
    from ftcore.runs.worker import supervise
    from ftcore.train.stopflag import StopFlag

    run = make_run(home)
    run.update_status(state="starting", pid=os.getpid(), pid_start=process_start(os.getpid()))
    script = f"import sys, time; time.sleep({0 if code else 20}); sys.exit({code})"

    def stop():
        if stop_file:
            run.stop_path.write_text("stop")
        if signal_self:
            os.kill(os.getpid(), signal.SIGTERM)

    timer = threading.Timer(1.0, stop) if (stop_file or signal_self) else None
    if timer:
        timer.start()
    # a stop that signals the group: the child gets its own SIGTERM too (the job passes its own on)
    rc = supervise(run, [sys.executable, "-c", script], [], dict(os.environ), StopFlag())
    if timer:
        timer.join()
    return run, rc


def test_a_stop_before_the_trainer_starts_ends_the_run_cancelled(home):
    run, rc = _supervised(home, stop_file=True, signal_self=True)
    status = run.status()
    assert (status["state"], rc) == ("cancelled", 0), status
    assert [e["state"] for e in run.events("end")] == ["cancelled"]


def test_a_child_that_fails_without_a_stop_still_fails_the_run(home):
    run, rc = _supervised(home, stop_file=False, signal_self=False, code=3)
    status = run.status()
    assert (status["state"], rc) == ("failed", 1) and "3" in status["error"]


def test_the_guided_run_time_counts_its_report(home):
    """"Guided run finished in ..." is the whole wait: training and the report after it (it said 1m34s of 9m48s)."""
    from datetime import datetime, timezone

    from ftcore.recipes.guided import _took

    run = make_run(home)
    created = datetime(2026, 12, 6, 3, 14, 54, tzinfo=timezone.utc)
    status = run.update_status(state="done", created=created.isoformat(),
                               ended=datetime.fromtimestamp(created.timestamp() + 94, timezone.utc).isoformat())
    assert _took(run, status) == 94  # no report: training alone
    with open(run.events_path, "a") as handle:
        handle.write(json.dumps({"time": created.timestamp() + 588, "type": "report_end", "state": "done"}) + "\n")
    assert _took(run, status) == 588
