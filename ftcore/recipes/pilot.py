"""The pilot: short full and LoRA runs on the same data and settings, then gain, forgetting, time and memory
side by side, so that a user sees what full fine-tuning buys over the usual baseline before a long run."""

from __future__ import annotations

import copy

from ftcore.config import RunConfig
from ftcore.runs.jobs import start
from ftcore.runs.store import Run
from ftcore.settings import Settings

METHODS = ("full", "lora")


def start_pilot(config: RunConfig, settings: Settings, *, reap: bool = True) -> list[Run]:
    """Queue one run per method (the device queue runs them one after the other)."""
    runs = []
    for method in METHODS:
        variant = copy.deepcopy(config)
        variant.train.method = method
        variant.name = f"{config.name or 'pilot'}-{method}"
        runs.append(start(variant.validate(), settings, reap=reap))
    return runs


def pilot_rows(runs: list[Run]) -> list[dict]:
    """One row per run: domain gain, worst forgetting, training time, peak memory (from its report and plan)."""
    rows = []
    for run in runs:
        config, status = run.config(), run.status()
        row = {"run": run.id, "method": config.train.method, "state": status.get("state")}
        meta = run.final_meta()
        if meta:
            row.update(seconds=meta.get("seconds"), trainable=meta.get("trainable"))
        if run.plan_path.is_file():
            measured = run.plan().get("measured_peak_bytes")
            row["peak_gib"] = round(measured / 2**30, 2) if measured else None
        report = run.report()
        final = report.final if report else None
        if final is not None:
            base = report.base.get("domain") or {}
            if final.domain and base:
                metric = final.metric or "loss"
                row.update(metric=metric, base=base.get(metric), tuned=final.domain.get(metric))
                if base.get(metric) is not None:
                    row["gain"] = round(final.domain[metric] - base[metric], 3) * (-1 if metric == "loss" else 1)
            row["worst_forgetting"] = final.worst_forgetting
            row["forgot"] = final.forgot
        rows.append(row)
    return rows
