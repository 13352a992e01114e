"""What the Compare tab shows from a run's report.json: the probe table with verdicts, the bars of base vs tuned
per suite, the domain metrics, and gain against forgetting for each candidate (final and checkpoints)."""

from __future__ import annotations

import pandas as pd

import ftcore

from .i18n import tr

BADGES = {"kept": "badge_kept", "gained": "badge_gained", "forgot": "badge_forgot", "info": "badge_info"}
UNITS = {"qa": "unit_qa", "checks": "unit_checks", "ppl": "unit_ppl", "kl": "unit_kl"}


def _typed(report: ftcore.Report | dict | None) -> ftcore.Report | None:
    return ftcore.Report.from_dict(report) if isinstance(report, dict) else report


def model_choices(run: ftcore.Run | None, lang: str = "en") -> list[tuple[str, str]]:
    """base, final and each kept checkpoint of a run, as (label, model reference)."""
    if run is None:
        return []
    choices = [(tr("choice_base", lang, model=run.config().model.ref), run.config().model.ref)]
    if (run.final_dir / "config.json").is_file():
        choices.append((tr("choice_final", lang), run.id))
    choices += [(path.name, str(path)) for path in run.checkpoints() if (path / "config.json").is_file()]
    return choices


def load(run: ftcore.Run | None) -> ftcore.Report | None:
    return run.report() if run else None


def probe_table(report: ftcore.Report | dict | None, candidate: str = "final", lang: str = "en") -> pd.DataFrame:
    columns = ["suite", "unit", "base", "tuned", "delta", "verdict"]
    chosen = report.pick(candidate) if (report := _typed(report)) else None
    if chosen is None:
        return pd.DataFrame([], columns=columns)
    rows = [{"suite": r.suite, "unit": tr(UNITS[r.kind], lang), "base": r.base, "tuned": r.tuned,
             "delta": r.delta, "verdict": tr(BADGES[r.verdict], lang)} for r in chosen.rows]
    return pd.DataFrame(rows, columns=columns)


def probe_bars(report: ftcore.Report | dict | None, candidate: str = "final", lang: str = "en") -> pd.DataFrame:
    """Scores in % (answer and constraint suites) for base and the candidate, for a grouped bar chart."""
    rows = []
    chosen = report.pick(candidate) if (report := _typed(report)) else None
    for r in chosen.rows if chosen else []:
        if r.kind in ("qa", "checks"):
            rows += [{"suite": r.suite, "score": r.base, "model": tr("series_base", lang)},
                     {"suite": r.suite, "score": r.tuned, "model": candidate}]
    return pd.DataFrame(rows, columns=["suite", "score", "model"]).astype({"score": float})


def domain_table(report: ftcore.Report | dict | None, lang: str = "en") -> pd.DataFrame:
    """base, base + k worked examples (the prompting baseline, when the report has it) and each candidate; a
    multi-task run adds one row per task and model."""
    keys = ["loss", "perplexity", "accuracy", "macro_f1", "exact_match", "contains", "rouge_l"]
    rows = _typed(report).domain_rows() if report else []
    if not rows:
        return pd.DataFrame([], columns=["model", "task", *keys])
    names = {"base": tr("series_base", lang)}

    def label(row: ftcore.DomainRow) -> str:
        return tr("series_fewshot", lang, k=row.k) if row.model == "fewshot" else names.get(row.model, row.model)

    frame = pd.DataFrame([{"model": label(r), "task": r.task, **{k: r.metrics.get(k) for k in keys}} for r in rows],
                         columns=["model", "task", *keys]).dropna(axis=1, how="all")
    return frame if (frame["task"] != "all").any() else frame.drop(columns="task")


def tradeoff(report: ftcore.Report | dict | None) -> pd.DataFrame:
    """One point per candidate: worst forgetting (x) against the domain metric (y)."""
    rows = [{"forgetting": c.worst_forgetting, "domain": c.domain_value, "candidate": c.name}
            for c in (_typed(report).candidates if report else []) if c.metric_value is not None]
    return pd.DataFrame(rows, columns=["forgetting", "domain", "candidate"]).astype({"forgetting": float,
                                                                                      "domain": float})


def summary(report: ftcore.Report | dict | None, run: ftcore.Run | None, lang: str = "en") -> str:
    if run is None:
        return tr("pick_finished_run", lang)
    if report is None:
        return tr("no_report", lang, run=run.id)
    report = _typed(report)
    domain = tr("domain_split", lang, split=report.domain_split) if report.domain_split else ""
    return tr("recommended", lang, recommendation=report.recommendation(), budget=f"{report.budget:g}",
              domain=domain)
