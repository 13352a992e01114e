"""What the Compare tab shows from a run's report.json: the probe table with verdicts, base vs tuned scores per
suite, the domain metrics (one row per metric, one column per model), gain against forgetting for each candidate
(final and checkpoints), and a fixed colour per plotted series."""

from __future__ import annotations

import math
from typing import Any

import gradio as gr
import pandas as pd

import ftcore

from .i18n import tr

BADGES = {"kept": "badge_kept", "gained": "badge_gained", "uncertain": "badge_uncertain", "forgot": "badge_forgot",
          "info": "badge_info"}
UNITS = {"qa": "unit_qa", "checks": "unit_checks", "ppl": "unit_ppl", "kl": "unit_kl"}
# the verdict right after the suite: a narrow screen shows the first columns, the rest scroll sideways
PROBE_COLUMNS = ("suite", "verdict", "base", "tuned", "delta", "interval", "unit")
METRICS = ("loss", "perplexity", "accuracy", "macro_f1", "exact_match", "contains", "rouge_l")
BASE_COLOR = "#9ca3af"
PERCENT_LIM = [-5.0, 105.0]  # 0 to 100 with room for a point on either end
PALETTE = ("#f97316", "#2563eb", "#16a34a", "#9333ea", "#dc2626", "#0891b2", "#ca8a04", "#db2777")


def _name(candidate: str, lang: str) -> str:
    """A candidate as the reader calls it: the final model in the reader's language, a checkpoint by its folder."""
    return tr("choice_final", lang) if candidate == "final" else candidate


def _short(value: Any) -> Any:
    """A number as a table shows it: four significant digits (404.273 -> 404.3), so that columns stay narrow."""
    return float(f"{value:.4g}") if isinstance(value, int | float) and math.isfinite(value) else value


def _finite(*values: Any) -> bool:
    return all(isinstance(v, int | float) and math.isfinite(v) for v in values)


def model_choices(run: ftcore.Run | None, lang: str = "en") -> list[tuple[str, str]]:
    """base, final, each kept checkpoint and each blend written of a run, as (label, model reference)."""
    if run is None:
        return []
    choices = [(tr("choice_base", lang, model=run.config().model.ref), run.config().model.ref)]
    if (run.final_dir / "config.json").is_file():
        choices.append((tr("choice_final", lang), run.id))
    choices += [(path.name, str(path)) for path in run.checkpoints() if (path / "config.json").is_file()]
    choices += [(tr("choice_blend", lang, alpha=f"{b.alpha:g}", source=_name(b.source, lang)), b.ref)
                for b in run.blends()]
    return choices


def load(run: ftcore.Run | None) -> ftcore.Report | None:
    return run.report() if run else None


def probe_table(report: ftcore.Report | dict | None, candidate: str = "final", lang: str = "en") -> pd.DataFrame:
    """One row per suite: its verdict, base, tuned, the change, the change's 95% interval and the unit; headers in
    the reader's language."""
    columns = [tr(f"col_{c}", lang) for c in PROBE_COLUMNS]
    chosen = report.pick(candidate) if (report := ftcore.Report.of(report)) else None
    rows = [(r.suite, tr(BADGES.get(r.verdict, "badge_info"), lang), _short(r.base), _short(r.tuned),
             _short(r.delta), r.interval_text, tr(UNITS[r.kind], lang)) for r in (chosen.rows if chosen else [])]
    return pd.DataFrame(rows, columns=columns)


def probe_scores(report: ftcore.Report | dict | None, candidate: str = "final", lang: str = "en"
                 ) -> pd.DataFrame | None:
    """Scores in % (answer and constraint suites) of base and the candidate, a point each per suite; None when
    there are none. Points, not bars: gradio's bar plot stacks the series of a category (base + tuned > 100)."""
    rows = []
    chosen = report.pick(candidate) if (report := ftcore.Report.of(report)) else None
    for r in chosen.rows if chosen else []:
        if r.kind in ("qa", "checks") and _finite(r.base, r.tuned):
            rows += [{"suite": r.suite, "score": r.base, "model": tr("series_base", lang)},
                     {"suite": r.suite, "score": r.tuned, "model": _name(chosen.name, lang)}]
    return pd.DataFrame(rows, columns=["suite", "score", "model"]).astype({"score": float}) if rows else None


def domain_table(report: ftcore.Report | dict | None, lang: str = "en") -> pd.DataFrame:
    """One row per metric (of the whole data, then of each task of a multi-task run), one column per model: base,
    base + k worked examples (the prompting baseline, when the report has it) and each candidate. Models are few
    and metrics many: this way the table stays narrow enough for a phone."""
    rows = ftcore.Report.of(report).domain_rows() if report else []

    def label(row: ftcore.DomainRow) -> str:
        if row.model == "fewshot":
            return tr("series_fewshot", lang, k=row.k)
        return tr("series_base", lang) if row.model == "base" else _name(row.model, lang)

    models = list(dict.fromkeys(label(r) for r in rows))
    values = {(label(r), r.task): r.metrics for r in rows}
    out = []
    for task in dict.fromkeys(r.task for r in rows):
        for key in METRICS:
            cells = [_short(values.get((model, task), {}).get(key)) for model in models]
            if any(c is not None for c in cells):
                name = tr(f"col_{key}", lang)
                out.append([name if task == "all" else f"{task} · {name}", *cells])
    return pd.DataFrame(out, columns=[tr("col_metric", lang), *models])


def tradeoff(report: ftcore.Report | dict | None, lang: str = "en") -> pd.DataFrame | None:
    """One point per candidate: worst forgetting (x) against the domain metric (y); None without domain data.
    With blends of base and final, their curve: the base at α = 0, each blend at its α, the final model at 1."""
    report = ftcore.Report.of(report)
    candidates = report.candidates if report else []
    blends = sorted((c for c in candidates if c.alpha is not None), key=lambda c: c.alpha)
    final = report.final if report else None
    others = [c for c in candidates if c.alpha is None and c.name != "final"]
    curve = [*blends, *([final] if final else []), *others]  # along the curve: base, blends by α, final
    rows = [{"forgetting": c.worst_forgetting, "domain": c.domain_value, "candidate": _curve_name(c, bool(blends), lang)}
            for c in curve if _finite(c.worst_forgetting, c.domain_value)]
    metric = next((c.metric for c in candidates if c.metric), None)
    start = (report.base.get("domain") or {}).get(metric) if blends and report.base else None
    if rows and _finite(start):
        rows.insert(0, {"forgetting": 0.0, "domain": start, "candidate": tr("series_base_alpha", lang)})
    if not rows:
        return None
    return pd.DataFrame(rows, columns=["forgetting", "domain", "candidate"]).astype({"forgetting": float,
                                                                                      "domain": float})


def _curve_name(candidate: ftcore.Candidate, blends: bool, lang: str) -> str:
    """A point's label: a blend by its α; with blends, the final model as the curve's end (α = 1)."""
    if candidate.alpha is not None:
        return tr("series_blend", lang, alpha=f"{candidate.alpha:g}")
    if blends and candidate.name == "final":
        return tr("series_final_alpha", lang)
    return _name(candidate.name, lang)


def tradeoff_axes(report: ftcore.Report | dict | None, lang: str = "en") -> dict[str, Any]:
    """The gain-vs-forgetting plot's ranges and its y title (the ranking metric). Forgetting, in points, runs from
    0 to past twice the budget and at least to 10 (whole-number ticks); a metric in % from 0 to 100 like the probe
    scores, the loss around its values. Each range has a margin: a point on the frame's edge is cut in half."""
    points = tradeoff(report)
    if points is None:
        return {}
    report = ftcore.Report.of(report)
    metric = next((c.metric for c in report.candidates if c.metric), "loss")
    high = max(10.0, 2 * float(report.budget or 0.0), 1.1 * points["forgetting"].max())
    return {"x_lim": [-0.04 * high, 1.04 * high],
            "y_lim": _padded(list(points["domain"])) if metric == "loss" else PERCENT_LIM,
            "y_title": tr("axis_domain", lang, metric=tr(f"col_{metric}", lang))}


def _padded(values: list[float]) -> list[float]:
    low, high = min(values), max(values)
    margin = (high - low) * 0.08 or max(abs(high) * 0.1, 0.1)
    return [low - margin, high + margin]


def series_colors(names, base: str | None = None) -> dict[str, str]:
    """A colour for each series, in order of appearance: grey for the base model, then the palette."""
    colors, others = {}, 0
    for name in dict.fromkeys(names):
        if name == base:
            colors[name] = BASE_COLOR
        else:
            colors[name], others = PALETTE[others % len(PALETTE)], others + 1
    return colors


def plot_update(frame, series: str, base: str | None = None, **axes):
    """A plot's new value, with a colour named for each of its series; None (gradio's empty placeholder, not bare
    axes) without data. Gradio 6.31's native plots build their Vega spec when the plot appears, the colour domain
    from the data of that moment, and afterwards only swap data in: a series the first drawing lacked gets no
    colour and no visible mark. Drawn first from an empty frame, both plots stayed empty (issue #19); so the tab
    starts them empty (None) and empties them before each new run's data."""
    if frame is None:
        return gr.update(value=None)
    return gr.update(value=frame, color_map=series_colors(frame[series], base), **axes)


def probe_plot(report: ftcore.Report | dict | None, lang: str = "en"):
    """The probe plot's new value: probe_scores, base in grey."""
    scores = probe_scores(report, lang=lang)
    suites = list(dict.fromkeys(scores["suite"])) if scores is not None else None  # the table's order
    return plot_update(scores, "model", base=tr("series_base", lang), sort=suites, y_lim=PERCENT_LIM)


def tradeoff_plot(report: ftcore.Report | dict | None, lang: str = "en"):
    """The gain-vs-forgetting plot's new value: the candidates (the base in grey, when blends put it on the
    plot), its ranges and the metric's name."""
    return plot_update(tradeoff(report, lang), "candidate", base=tr("series_base_alpha", lang),
                       **tradeoff_axes(report, lang))


def summary(report: ftcore.Report | dict | None, run: ftcore.Run | None, lang: str = "en") -> str:
    if run is None:
        return tr("pick_finished_run", lang)
    if report is None:
        return tr("no_report", lang, run=run.id)
    report = ftcore.Report.of(report)
    domain = tr("domain_split", lang, split=report.split()) if report.domain_split else ""
    return tr("recommended", lang, recommendation=report.recommendation(), budget=f"{report.budget:g}",
              domain=domain)

