"""Start runs: check the data and the model reference first, copy the data into the workspace, create the run
folder, and launch its worker. Nothing is created when a check fails."""

from __future__ import annotations

import json
import time
from pathlib import Path

from ftcore import models
from ftcore.config import RunConfig
from ftcore.data import fingerprint, read_examples
from ftcore.data.store import stage_data_file
from ftcore.errors import UserError
from ftcore.messages import Text
from ftcore.runs import launcher
from ftcore.runs.liveness import worker_alive
from ftcore.runs.registry import RunStore, config_digest, slug
from ftcore.runs.state import ACTIVE, busy
from ftcore.runs.store import CHECKPOINT_META, Run
from ftcore.settings import Settings
from ftcore.train.compat import check_environment, check_model_folder


def check(config: RunConfig, settings: Settings) -> dict[str, int]:
    """Everything that can be checked before a worker starts; raises UserError with the first problem(s)."""
    config.validate()
    counts = {}
    for task in config.data.task_list():
        suffix = f":{task.name}" if task.name else ""
        counts[f"train{suffix}"] = len(read_examples(task.train, task.format, task.template, task.columns))
        if task.val:
            counts[f"validation{suffix}"] = len(read_examples(task.val, task.format, task.template, task.columns))
    source = models.resolve(config.model.ref, settings)
    if config.train.method == "distill":
        models.resolve(config.train.teacher, settings)
    if source.kind in ("run", "folder"):
        check_model_folder(source.location)
    for suite in config.probe.suites.split(","):  # a typo in a benchmark's name is told now, not after training
        if suite.strip().startswith("lm_eval:"):
            from ftcore.eval.probes import harness

            harness.check(suite.strip(), config.probe.lm_eval_include)
    from ftcore.runs import devices, placement

    # from the inventory: the launching process (the app, the CLI) never starts CUDA
    check_environment(config, *placement.inventory_flags(devices.detect()))
    return counts


def start(config: RunConfig, settings: Settings, *, reap: bool = True) -> Run:
    """Check, stage data, create the run folder and launch the worker; returns the run."""
    settings.ensure()
    check(config, settings)
    if config.dist.nnodes > 1 and config.dist.node_rank > 0:
        return join(config, settings, reap=reap)[0]
    stage_data(config, settings)
    run_id = slug(config.name) if config.dist.nnodes > 1 else None  # every node must find the same folder
    run = RunStore(settings).create(config, run_id=run_id)
    launcher.launch(run, settings, reap=reap)
    return run


def stage_data(config: RunConfig, settings: Settings) -> None:
    """Copy every data file into the workspace (by content hash) and point the config at the copies."""
    d = config.data
    if d.train:
        d.train = str(stage_data_file(d.train, settings))
    if d.val:
        d.val = str(stage_data_file(d.val, settings))
    names = [t.name for t in d.task_list()] if d.tasks else []
    for task, name in zip(d.tasks, names, strict=True):
        task.name = name  # the name the user knows it by, not the staged file's hash
        task.train = str(stage_data_file(task.train, settings))
        if task.val:
            task.val = str(stage_data_file(task.val, settings))
    absolute_probe_paths(config)


def absolute_probe_paths(config: RunConfig) -> None:
    """The worker runs in the run folder: suite files, lm-eval task files (lm_eval:PATH.yaml) and task folders
    named relative to where the run was started become absolute."""
    p = config.probe

    def absolute(name: str) -> str:
        prefix = "lm_eval:" if name.startswith("lm_eval:") else ""
        path = Path(name[len(prefix):]).expanduser()
        is_file = path.suffix in (".jsonl", ".csv", ".yaml", ".yml") and path.is_file()
        return prefix + str(path.resolve()) if is_file else name

    p.suites = ",".join(absolute(name.strip()) for name in p.suites.split(","))
    p.lm_eval_include = ",".join(str(Path(f.strip()).expanduser().resolve())
                                 for f in p.lm_eval_include.split(",") if f.strip())


def join(config: RunConfig, settings: Settings, *, reap: bool = True, wait_s: float = 120.0) -> tuple[Run, int]:
    """Node R > 0 of a multi-node run: start this node's ranks in node 0's run folder (a shared workspace), or
    in a local copy of it when node 0's folder does not appear here (node-local disks)."""
    run_id = slug(config.name)
    folder = settings.runs_dir / run_id
    node0_config = Run(run_id, folder).config_path
    deadline = time.monotonic() + wait_s
    while not node0_config.is_file() and time.monotonic() < deadline:
        time.sleep(0.5)
    if node0_config.is_file():
        node0 = RunConfig.load(node0_config)
        if (node0.dist.nnodes, node0.dist.nproc) != (config.dist.nnodes, config.dist.nproc):
            raise UserError("jobs.node_mismatch", run=run_id, nnodes=node0.dist.nnodes, nproc=node0.dist.nproc)
    else:
        stage_data(config, settings)
        RunStore(settings).create(config, run_id=run_id)
    (folder / f"node-{config.dist.node_rank}.yaml").write_text(config.to_yaml(), encoding="utf-8")
    run = Run(run_id, folder, writes=False)  # node 0 owns status and events
    return run, launcher.launch(run, settings, reap=reap, node_rank=config.dist.node_rank)


def report_again(run: Run, settings: Settings, suites: str = "all", *, reap: bool = True) -> None:
    """Make a done run's report again, as a job of its own (queued for devices like a run), with these probe
    suites: the full set after the quick one the CPU ran by default."""
    status = run.status()
    if busy(status):
        raise UserError("jobs.active", run=run.id, state=status.get("report") or status.get("state"))
    if status.get("state") != "done":
        raise UserError("cli.not_done", run=run.id)
    run.stop_path.unlink(missing_ok=True)  # a stop of an earlier report must not end this one
    run.update_status(report="queued", report_error=None)
    launcher.launch(run, settings, reap=reap, report=suites)


def last_checkpoint(run: Run) -> Path | None:
    """The newest complete checkpoint that this app wrote (it carries our metadata file)."""
    from ftcore.train.checkpoint import listed

    return next(iter(listed(run)), None)


def resume(run: Run, settings: Settings, *, reap: bool = True, step: int | None = None) -> Path:
    """Continue a failed or cancelled run from its last complete checkpoint; refuses when the config or the
    data changed since that checkpoint was written. Two resumes of one run at once (two terminals, a double
    click) start one worker: the check and the launch happen under the run's lock, and the second finds the run
    queued."""
    from filelock import FileLock, Timeout

    try:
        with FileLock(str(run.dir / ".resume.lock"), timeout=60):
            return _resume(run, settings, reap, step)
    except Timeout:
        raise UserError("jobs.active", run=run.id, state="queued") from None


def _resume(run: Run, settings: Settings, reap: bool, step: int | None) -> Path:
    from ftcore.train.checkpoint import choose

    state = run.status().get("state")
    if state in ACTIVE:
        raise UserError("jobs.active", run=run.id, state=state)
    deadline = time.monotonic() + 30
    while worker_alive(run.status()) and time.monotonic() < deadline:  # a stopped worker may still be exiting
        time.sleep(0.2)
    if worker_alive(run.status()):
        raise UserError("jobs.shutting_down", run=run.id)
    if state == "done":
        raise UserError("jobs.done", run=run.id)
    checkpoint, skipped = choose(run, step)  # verified against the checksums written with it
    if checkpoint is None and skipped:
        raise UserError("checkpoints.none_verify", run=run.id, problems="; ".join(f"{n}: {p}" for n, p in skipped))
    if checkpoint is None:
        raise UserError("jobs.no_checkpoint", run=run.id)
    for name, trouble in skipped:
        run.note(Text("notes.skipped_checkpoint", name=name, problem=trouble, checkpoint=checkpoint.name))
    meta = json.loads((checkpoint / CHECKPOINT_META).read_text(encoding="utf-8"))
    if meta["config_sha256"] != config_digest(run):
        raise UserError("jobs.config_changed", run=run.id, checkpoint=checkpoint.name)
    config = run.config()
    for split, path in config.data.files():
        if path and meta["data"].get(split) and (not Path(path).is_file() or fingerprint(path) != meta["data"][split]):
            raise UserError("jobs.data_changed", split=split, path=path, checkpoint=checkpoint.name)
    run.stop_path.unlink(missing_ok=True)
    run.update_status(state="queued", error=None, ended=None, resumed_from=checkpoint.name)
    run.note(Text("notes.resume_requested", checkpoint=checkpoint.name))
    launcher.launch(run, settings, reap=reap, resume=checkpoint.name)
    return checkpoint
