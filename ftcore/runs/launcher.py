"""Start a training worker in its own process group, and stop it: STOP file, then SIGTERM, then SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

from ftcore.messages import Text
from ftcore.runs.liveness import pid_alive, process_start
from ftcore.runs.state import FINISHED, busy, now
from ftcore.runs.store import Run
from ftcore.settings import Settings

SECRET_ENV = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_API_TOKEN")


def launch(run: Run, settings: Settings, *, reap: bool = True, resume: str | None = None,
           node_rank: int | None = None, report: str | None = None) -> int:
    """Start `python -m ftcore.runs.worker RUN_DIR [--resume CHECKPOINT] [--node-rank R] [--report SUITES]`; the
    worker never sees a Hub token. node_rank: this machine's part of a multi-node run that node 0 owns. report: make
    a done run's report again with these probe suites."""
    env = {k: v for k, v in os.environ.items() if k not in SECRET_ENV}
    env.update(FTCORE_HOME=str(settings.home), FTCORE_NODE_NAME=settings.node_name, PYTHONUNBUFFERED="1")
    run.update_status(queued_at=time.time())  # the queue's order
    extra = [*(["--resume", resume] if resume else []), *(["--node-rank", str(node_rank)] if node_rank else []),
             *(["--report", report] if report else [])]
    with open(run.log_path(node_rank), "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "ftcore.runs.worker", str(run.dir), *extra],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            cwd=run.dir, env=env, start_new_session=True,
        )
    run.update_status(pid=proc.pid, host=settings.node_name, pid_start=process_start(proc.pid))
    if reap:  # a long-lived parent (the UI) must collect its exited children
        threading.Thread(target=proc.wait, daemon=True).start()
    return proc.pid


def wait(run: Run, timeout: float | None = None, poll: float = 0.5, report: bool = True) -> dict:
    """The run's status once it has ended, its report included (report=False: once its model is done or the run
    failed), or as it is after `timeout` seconds."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        status = run.status()
        ended = not busy(status) if report else status.get("state") in FINISHED
        if ended:
            return status
        if deadline is not None and time.monotonic() > deadline:
            return status
        time.sleep(poll)


def stop(run: Run, grace: float = 60.0) -> dict:
    """Ask politely (STOP: checkpoint and end as cancelled; during the report: end it, the run stays done), then
    SIGTERM, then SIGKILL."""
    status = run.status()
    if not busy(status):
        return status
    run.request_stop()
    pid = status.get("pid")
    status = wait(run, timeout=grace)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if not busy(status) or not pid_alive(pid):
            break
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            break
        status = wait(run, timeout=grace / 2)
    if status.get("state") not in FINISHED:
        status = run.update_status(state="cancelled", ended=now(), error=Text("worker.killed"))
    elif busy(status):  # the model was done; its report was killed with the worker
        status = run.update_status(report="stopped")
    _wait_gone(pid, grace)  # the processes may still be exiting after the final status; let them finish
    return status


def _wait_gone(pid: int | None, grace: float) -> None:
    deadline = time.monotonic() + grace
    while pid_alive(pid):
        if time.monotonic() > deadline:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                return
            deadline = time.monotonic() + grace
        time.sleep(0.2)
