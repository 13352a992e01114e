"""Start runs: check the data and the model reference first, copy the data into the workspace, create the run
folder, and launch its worker. Nothing is created when a check fails."""

from __future__ import annotations

from . import launcher, models
from .config import RunConfig
from .data import read_examples
from .datasets import stage_data_file
from .runs import Run, RunStore
from .settings import Settings


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
