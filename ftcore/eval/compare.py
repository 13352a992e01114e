"""Base vs tuned: per suite the two scores, the change with its paired 95% interval, what was lost, and a verdict
against a forgetting budget (points of accuracy for answer and constraint suites, percent of perplexity for
perplexity suites).

Verdicts: "forgot" when the loss is over budget and significant (the whole 95% interval of the change lies on the
losing side of zero); "uncertain" when the loss is over budget but within what chance gives on that many items;
"gained" when the model got better and significantly so (a gain on a couple of answers is as much chance as such
a loss); "kept" otherwise; "info" for the kl suite. Without per-item outcomes (reports written before they were
kept) there is no interval and the point difference decides, as it used to. `within_budget` counts "uncertain" as
within budget: only a significant loss over budget rules a candidate out."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ftcore.eval.significance import paired_interval, perplexity_interval

DEFAULT_BUDGET = 5.0
UNITS = {"qa": "%", "checks": "%", "ppl": "ppl", "kl": "nats"}


@dataclass
class Row:
    suite: str
    kind: str
    base: float
    tuned: float
    delta: float
    lost: float  # points (qa, checks) or % perplexity increase (ppl); 0 when it got better
    verdict: str  # kept | gained | uncertain | forgot | info
    ci_low: float | None = None  # paired 95% interval of delta, in its units; None without per-item outcomes
    ci_high: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def outcomes(result: dict) -> list[int] | None:
    """A qa/checks result's right/wrong per item: its `oks`, else (a report written before they were kept) its
    items when none were cut, else None."""
    if result.get("oks"):
        return list(result["oks"])
    items = result.get("items") or []
    if items and len(items) == result.get("n") and all("ok" in i for i in items):
        return [int(bool(i["ok"])) for i in items]
    return None


def interval(kind: str, base: dict, tuned: dict) -> tuple[float, float] | None:
    """The paired 95% interval of tuned - base, or None when the per-item outcomes are missing or not paired."""
    if kind in ("qa", "checks"):
        before, after = outcomes(base), outcomes(tuned)
        if before and after and len(before) == len(after):
            return paired_interval(before, after)
    elif kind == "ppl":
        sums = [base.get("nll"), base.get("tokens"), tuned.get("nll"), tuned.get("tokens")]
        if all(sums) and len({len(s) for s in sums}) == 1:
            return perplexity_interval(*sums)
    return None


def verdict(kind: str, delta: float, lost: float, budget: float, ci: tuple[float, float] | None) -> str:
    """The rule of the module docstring. For perplexity a rise is the loss, so the sides swap."""
    if kind == "kl":
        return "info"
    higher_is_better = kind in ("qa", "checks")
    if ci is None:  # no interval: the point difference decides
        worse = better = True
    else:  # significantly worse / better: the whole interval on one side of no change
        low, high = ci
        worse, better = (high < 0, low > 0) if higher_is_better else (low > 0, high < 0)
    if lost > budget:
        return "forgot" if worse else "uncertain"
    improved = delta > 0 if higher_is_better else delta < 0
    return "gained" if improved and better else "kept"


def compare(base: dict[str, dict], tuned: dict[str, dict], budget: float = DEFAULT_BUDGET) -> list[Row]:
    """`base`/`tuned`: suite name -> result dict (score, kind; oks or nll/tokens for the interval), as written in
    report.json."""
    rows = []
    for name, b in base.items():
        if name not in tuned:
            continue
        kind, before, after = b["kind"], b["score"], tuned[name]["score"]
        delta = after - before
        if kind == "kl":
            rows.append(Row(name, kind, before, after, delta, 0.0, "info"))
            continue
        lost = max(0.0, -delta) if kind in ("qa", "checks") else max(0.0, 100.0 * (after / before - 1))
        ci = interval(kind, b, tuned[name])
        low, high = (round(ci[0], 3), round(ci[1], 3)) if ci else (None, None)
        rows.append(Row(name, kind, round(before, 3), round(after, 3), round(delta, 3), round(lost, 2),
                        verdict(kind, delta, lost, budget, ci), low, high))
    return rows


def within_budget(rows: list[Row]) -> bool:
    """No suite forgot: an "uncertain" loss (over budget, not significant) stays within budget."""
    return all(row.verdict != "forgot" for row in rows)


def format_interval(low: float | None, high: float | None) -> str:
    """A 95% interval as tables show it: [-8.3, +2.1] (one decimal; two significant digits below 1, so that a
    small change in perplexity still shows); empty without one."""
    if low is None or high is None:
        return ""
    return "[{}, {}]".format(*(f"{v:+.1f}" if abs(v) >= 1 else f"{v:+.2g}" for v in (low, high)))


def format_rows(rows: list[Row], budget: float) -> str:
    """A table for the terminal; scores are % correct, perplexity (ppl) or nats (kl); the change with its paired
    95% interval."""
    width = max([14, *(len(r.suite) + 1 for r in rows)])
    lines = [f"{'suite':<{width}}{'unit':>6}{'base':>10}{'tuned':>10}{'delta':>10}  {'95% interval':<17}"
             f"verdict (budget {budget:g})"]
    for r in rows:
        lost = f" (lost {r.lost:.1f}{'%' if r.kind == 'ppl' else ' points'})" if r.lost else ""
        lines.append(f"{r.suite:<{width}}{UNITS[r.kind]:>6}{r.base:>10.2f}{r.tuned:>10.2f}{r.delta:>+10.2f}  "
                     f"{format_interval(r.ci_low, r.ci_high):<17}{r.verdict}{lost}")
    return "\n".join(lines)
