"""The pilot: short full and LoRA runs on the same data and settings, then gain, forgetting, time and memory
side by side, so that a user sees what full fine-tuning buys over the usual baseline before a long run."""

from __future__ import annotations

import copy
import json

from .config import RunConfig
from .jobs import start
from .runs import Run
from .settings import Settings

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
        report_path, plan_path = run.dir / "report.json", run.dir / "plan.json"
        meta_path = run.final_dir / "fulltune.json"
        if meta_path.is_file():
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            row.update(seconds=meta.get("seconds"), trainable=meta.get("trainable"))
        if plan_path.is_file():
            measured = json.loads(plan_path.read_text(encoding="utf-8")).get("measured_peak_bytes")
            row["peak_gib"] = round(measured / 2**30, 2) if measured else None
        if report_path.is_file():
            report = json.loads(report_path.read_text(encoding="utf-8"))
            final = next(c for c in report["candidates"] if c["name"] == "final")
            if final.get("domain") and report["base"].get("domain"):
                metric = final.get("metric", "loss")
                base_value = report["base"]["domain"].get(metric)
                row.update(metric=metric, base=base_value, tuned=final["domain"].get(metric))
                if base_value is not None:
                    row["gain"] = round(final["domain"][metric] - base_value, 3) * (-1 if metric == "loss" else 1)
            lost = [r["lost"] for r in final["rows"] if r["kind"] != "kl"]
            row["worst_forgetting"] = max(lost, default=0.0)
            row["forgot"] = [r["suite"] for r in final["rows"] if r["verdict"] == "forgot"]
        rows.append(row)
    return rows
