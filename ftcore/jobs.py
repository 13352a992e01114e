"""Start runs: check the data and the model reference first, copy the data into the workspace, create the run
folder, and launch its worker. Nothing is created when a check fails."""

from __future__ import annotations

import shutil
from pathlib import Path

from . import launcher, models
from .config import RunConfig
from .data import fingerprint, read_examples
from .runs import Run, RunStore
from .settings import Settings


def stage_data_file(path: str | Path, settings: Settings) -> Path:
    """Copy a data file into the workspace under its content hash, so the run never depends on the original
    (an upload's temp file, a file the user edits later). The user's file name never becomes a path."""
    source = Path(path)
    target = settings.datasets_dir / f"{fingerprint(source)[:20]}{source.suffix.lower()}"
    if not target.is_file():
        settings.datasets_dir.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(target.suffix + ".partial")
        shutil.copyfile(source, partial)
        partial.replace(target)
    return target


def check(config: RunConfig, settings: Settings) -> dict[str, int]:
    """Everything that can be checked before a worker starts; raises UserError with the first problem(s)."""
    config.validate()
    d = config.data
    counts = {"train": len(read_examples(d.train, d.format, d.template, d.columns))}
    if d.val:
        counts["validation"] = len(read_examples(d.val, d.format, d.template, d.columns))
    models.resolve(config.model.ref, settings)
    return counts


def start(config: RunConfig, settings: Settings, *, reap: bool = True) -> Run:
    """Check, stage data, create the run folder and launch the worker; returns the run."""
    settings.ensure()
    check(config, settings)
    config.data.train = str(stage_data_file(config.data.train, settings))
    if config.data.val:
        config.data.val = str(stage_data_file(config.data.val, settings))
    run = RunStore(settings).create(config)
    launcher.launch(run, settings, reap=reap)
    return run
