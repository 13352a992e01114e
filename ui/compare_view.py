"""What the Compare tab shows from a run's report.json: the probe table with verdicts, the bars of base vs tuned
per suite, the domain metrics, and gain against forgetting for each candidate (final and checkpoints)."""

from __future__ import annotations

import json

import pandas as pd

import ftcore

from .i18n import tr

BADGES = {"kept": "badge_kept", "gained": "badge_gained", "forgot": "badge_forgot", "info": "badge_info"}
UNITS = {"qa": "unit_qa", "checks": "unit_checks", "ppl": "unit_ppl", "kl": "unit_kl"}


def model_choices(run: ftcore.Run | None, lang: str = "en") -> list[tuple[str, str]]:
    """base, final and each kept checkpoint of a run, as (label, model reference)."""
    if run is None:
        return []
    choices = [(tr("choice_base", lang, model=run.config().model.ref), run.config().model.ref)]
    if (run.final_dir / "config.json").is_file():
        choices.append((tr("choice_final", lang), run.id))
    for path in sorted(run.checkpoints_dir.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1])):
        if (path / "config.json").is_file():
            choices.append((path.name, str(path)))
    return choices


def load(run: ftcore.Run | None) -> dict | None:
    path = run.dir / "report.json" if run else None
    if path is None or not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def probe_table(report: dict | None, candidate: str = "final", lang: str = "en") -> pd.DataFrame:
    columns = ["suite", "unit", "base", "tuned", "delta", "verdict"]
    if not report:
        return pd.DataFrame([], columns=columns)
    chosen = next((c for c in report["candidates"] if c["name"] == candidate), report["candidates"][0])
    rows = [{"suite": r["suite"], "unit": tr(UNITS[r["kind"]], lang), "base": r["base"], "tuned": r["tuned"],
             "delta": r["delta"], "verdict": tr(BADGES[r["verdict"]], lang)} for r in chosen["rows"]]
    return pd.DataFrame(rows, columns=columns)


def probe_bars(report: dict | None, candidate: str = "final", lang: str = "en") -> pd.DataFrame:
    """Scores in % (answer and constraint suites) for base and the candidate, for a grouped bar chart."""
    rows = []
    if report:
        chosen = next((c for c in report["candidates"] if c["name"] == candidate), report["candidates"][0])
        for r in chosen["rows"]:
            if r["kind"] in ("qa", "checks"):
                rows += [{"suite": r["suite"], "score": r["base"], "model": tr("series_base", lang)},
                         {"suite": r["suite"], "score": r["tuned"], "model": candidate}]
    return pd.DataFrame(rows, columns=["suite", "score", "model"]).astype({"score": float})


def domain_table(report: dict | None, lang: str = "en") -> pd.DataFrame:
    """base, base + k worked examples (the prompting baseline, when the report has it) and each candidate; a
    multi-task run adds one row per task and model."""
    keys = ["loss", "perplexity", "accuracy", "macro_f1", "exact_match", "contains", "rouge_l"]
    if not report or not report["base"].get("domain"):
        return pd.DataFrame([], columns=["model", "task", *keys])
    base = report["base"]
    models = [(tr("series_base", lang), base)]
    shots = base.get("fewshot") or {}
    if shots.get("domain"):
        models.append((tr("series_fewshot", lang, k=shots["k"]), shots))
    models += [(c["name"], c) for c in report["candidates"]]
    rows = []
    for name, entry in models:
        rows.append({"model": name, "task": "all", **{k: entry.get("domain", {}).get(k) for k in keys}})
        for task, metrics in (entry.get("tasks") or {}).items():
            rows.append({"model": name, "task": task, **{k: metrics.get(k) for k in keys}})
    frame = pd.DataFrame(rows, columns=["model", "task", *keys]).dropna(axis=1, how="all")
    return frame if (frame["task"] != "all").any() else frame.drop(columns="task")


def tradeoff(report: dict | None) -> pd.DataFrame:
    """One point per candidate: worst forgetting (x) against the domain metric (y)."""
    rows = []
    for c in (report or {}).get("candidates", []):
        if "metric_value" in c:
            worst = max((r["lost"] for r in c["rows"] if r["kind"] != "kl"), default=0.0)
            value = c["metric_value"] if c["metric"] != "loss" else -c["metric_value"]
            rows.append({"forgetting": worst, "domain": value, "candidate": c["name"]})
    return pd.DataFrame(rows, columns=["forgetting", "domain", "candidate"]).astype({"forgetting": float,
                                                                                      "domain": float})


def summary(report: dict | None, run: ftcore.Run | None, lang: str = "en") -> str:
    if run is None:
        return tr("pick_finished_run", lang)
    if report is None:
        return tr("no_report", lang, run=run.id)
    domain = tr("domain_split", lang, split=report["domain_split"]) if report.get("domain_split") else ""
    return tr("recommended", lang, recommendation=ftcore.recommendation(report), budget=f"{report['budget']:g}",
              domain=domain)
