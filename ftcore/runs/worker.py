"""`python -m ftcore.runs.worker RUN_DIR [--resume CHECKPOINT]`: run one job and leave a final status, whatever happens.

The job process waits in the device queue without touching CUDA (it imports no torch), then starts the training
process with exactly the devices it was given (CUDA_VISIBLE_DEVICES by UUID): one `--rank` process for a plain
single-device run, torchrun for several processes and for every DeepSpeed or FSDP run (one process included, since
both need the rank variables torchrun sets). Only global rank 0 writes the run folder.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import traceback
from pathlib import Path

from ftcore.config import RunConfig
from ftcore.errors import UserError
from ftcore.messages import Join, Text
from ftcore.runs.state import FINISHED, now
from ftcore.runs.store import Run
from ftcore.settings import Settings
from ftcore.train.stopflag import StopFlag


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    run_dir = Path(argv[0]).resolve()
    resume = argv[argv.index("--resume") + 1] if "--resume" in argv else None
    settings, flag = Settings.from_env(), StopFlag()
    signal.signal(signal.SIGTERM, lambda *_: flag.set(Text("worker.stopped_by_signal")))
    if "--rank" in argv:
        from ftcore.train.distributed import is_main

        return train_here(Run(run_dir.name, run_dir, writes=is_main()), settings, flag, resume)
    if "--report" in argv:
        return report_job(Run(run_dir.name, run_dir), settings, flag, argv[argv.index("--report") + 1])
    node_rank = int(argv[argv.index("--node-rank") + 1]) if "--node-rank" in argv else 0
    return job(Run(run_dir.name, run_dir, writes=node_rank == 0), settings, flag, resume, node_rank)


def job(run: Run, settings: Settings, flag: StopFlag, resume: str | None, node_rank: int = 0) -> int:
    """Queue for devices, then train under this process (a child, or torchrun); the devices are held until the
    end."""
    from ftcore.runs import devices
    from ftcore.train.distributed import launch_command

    try:
        # node 0's job owns the run folder and the status; another node reads its own settings (its node rank)
        config = RunConfig.load(run.dir / f"node-{node_rank}.yaml") if node_rank else run.config()
        found = devices.detect()
        allocation = devices.acquire(run, settings, found, lambda: bool(flag.reason) or run.stop_requested)
    except UserError as exc:
        return _fail(run, exc)
    if allocation is None:
        return _cancel(run, flag.reason or Text("worker.stopped_queued"))
    try:
        env = devices.child_env(os.environ, allocation)
        run.note(Text("notes.devices", devices=", ".join(allocation.ids)), devices=allocation.ids,
                 visible=env["CUDA_VISIBLE_DEVICES"], names=[d.name for d in allocation.devices])
        return supervise(run, launch_command(run.dir, config.dist, resume), allocation.handles, env, flag)
    finally:
        allocation.release()


def report_job(run: Run, settings: Settings, flag: StopFlag, suites: str) -> int:
    """A done run's report made again with these probe suites (the full set after the quick one): queued for
    devices like a training run, then made in this process, which has not started CUDA yet."""
    from ftcore.runs import devices

    allocation = devices.acquire(run, settings, devices.detect(), lambda: bool(flag.reason) or run.stop_requested)
    if allocation is None:
        run.update_status(report="stopped")
        return 0
    try:
        os.environ.update(devices.child_env(os.environ, allocation))
        report(run, settings, flag, suites)
    finally:
        allocation.release()
    return 0


def supervise(run: Run, command: list[str], keep_fds: list[int], env: dict[str, str], flag: StopFlag) -> int:
    """Run the training process in this process group (a stop signals both) and make sure a final status is
    written: a child that ended without one after a stop (killed while DeepSpeed compiled its ops, before the
    Trainer could read the STOP file) leaves the run cancelled, not failed."""
    run.update_status(state="running", started=now())
    if "torch.distributed.run" in command:
        run.note(Text("notes.launching", command=" ".join(command[1:])))
    # the child shares this process group, so a stop (STOP file, then a signal to the group) reaches every rank;
    # a SIGTERM to this process alone is passed on (torchrun passes it on to its ranks)
    child = subprocess.Popen(command, stdin=subprocess.DEVNULL, pass_fds=keep_fds, env=env)

    def pass_on(*_):
        flag.set(Text("worker.stopped_by_signal"))
        child.send_signal(signal.SIGTERM)

    previous = signal.signal(signal.SIGTERM, pass_on)
    try:
        code = child.wait()
    finally:
        signal.signal(signal.SIGTERM, previous)
    status = run.status()
    if status.get("pid") != os.getpid():  # a resume has taken the run over since; its status is not ours
        return 0 if code == 0 else 1
    if status.get("state") not in FINISHED:
        if flag.reason or run.stop_requested:
            return _cancel(run, flag.reason or Text("worker.stopped_by_user"))
        return _fail(run, Text("worker.exited", code=code))
    return 0 if status.get("state") != "failed" else 1


def train_here(run: Run, settings: Settings, flag: StopFlag, resume: str | None) -> int:
    run.update_status(state="running", started=now())
    run.note(Text("notes.worker_started"))
    try:
        from transformers.utils import logging as hf_logging

        from ftcore.train.trainer import train

        hf_logging.disable_progress_bar()
        checkpoint = run.checkpoints_dir / resume if resume else None
        state = train(run, settings, flag, resume_from=checkpoint)
    except UserError as exc:
        return _fail(run, exc)
    except MemoryError:
        return _fail(run, Text("worker.out_of_memory", fits=_what_fits(run, settings)))
    except Exception as exc:  # the worker must always leave a readable status
        traceback.print_exc()
        if "out of memory" in str(exc).lower():
            return _fail(run, Text("worker.out_of_memory_detail", detail=str(exc).splitlines()[0][:200],
                                   fits=_what_fits(run, settings)))
        return _fail(run, f"{type(exc).__name__}: {exc}")
    error = (flag.reason or Text("worker.stopped_by_user")) if state == "cancelled" else None
    reporting = state == "done" and run.writes and report_asked(run.config())
    if state == "done":
        run.note(Text("notes.model_ready", path=str(run.final_dir)))
    # the model is complete: the run is done (Chat, Compare, push and serve take it now) while its report runs
    run.update_status(state=state, ended=now(), error=error, **({"report": "running"} if reporting else {}))
    run.append_event("end", state=state)
    if reporting:
        from ftcore.runs.placement import release_cuda_memory

        release_cuda_memory()  # the training model, its gradients and states are gone before the report loads
        report(run, settings, flag)
    return 0


def report_asked(config: RunConfig) -> bool:
    return config.probe.suites.strip() not in ("", "none") or config.probe.domain


def report(run: Run, settings: Settings, flag: StopFlag, suites: str | None = None) -> None:
    """Domain metrics and forgetting probes for base and final, after the run is done: status "report" says how
    it goes (running, stopping, then done, stopped or failed); a stop ends it between two batches, and a failure
    here never touches the trained run."""
    from ftcore.eval.probes.runner import Stopped
    from ftcore.eval.report import make_report

    run.update_status(report="running")
    run.note(Text("notes.evaluating"))
    outcome, error = "done", None
    try:
        make_report(run, settings, stop=lambda: bool(flag.reason) or run.stop_requested, suites=suites)
    except Stopped:  # the model is complete: the run is done, without the report nobody wants any more
        outcome = "stopped"
        run.note(Text("notes.report_stopped"))
    except Exception as exc:
        traceback.print_exc()
        outcome, error = "failed", f"{type(exc).__name__}: {exc}"
        run.note(Text("notes.report_failed", error=error))
    run.update_status(report=outcome, report_error=error)
    run.append_event("report_end", state=outcome)


def _what_fits(run: Run, settings: Settings) -> Text:
    """The planner's nearest configurations that fit this device, for the out-of-memory message."""
    try:
        from ftcore import models
        from ftcore.plan.advice import advise
        from ftcore.runs import devices

        config = run.config()
        advice = advise(config, models.load_config(config.model.ref, settings), devices.detect())
        if advice.fixes:
            return Text("worker.nearest_fixes", fixes=Join(advice.fixes[:3]))
    except Exception:  # the message must be written even when planning fails
        pass
    return Text("worker.run_plan")


def _cancel(run: Run, reason: Text) -> int:
    run.update_status(state="cancelled", ended=now(), error=reason)
    run.append_event("end", state="cancelled")
    return 0


def _fail(run: Run, message: str | UserError) -> int:
    run.update_status(state="failed", ended=now(), error=message)  # an engine text keeps its Chinese there
    run.append_event("end", state="failed", error=str(message))
    return 1


if __name__ == "__main__":
    sys.exit(main())
