"""Base vs tuned: per suite the two scores, the change, what was lost, and a verdict against a forgetting budget
(points of accuracy for answer and constraint suites, percent of perplexity for perplexity suites)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

DEFAULT_BUDGET = 5.0


@dataclass
class Row:
    suite: str
    kind: str
    base: float
    tuned: float
    delta: float
    lost: float  # points (qa, checks) or % perplexity increase (ppl); 0 when it got better
    verdict: str  # kept | gained | forgot | info

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def compare(base: dict[str, dict], tuned: dict[str, dict], budget: float = DEFAULT_BUDGET) -> list[Row]:
    """`base`/`tuned`: suite name -> result dict (score, kind), as written in report.json."""
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
        better = delta > 0 if kind in ("qa", "checks") else delta < 0
        verdict = "forgot" if lost > budget else ("gained" if better else "kept")
        rows.append(Row(name, kind, round(before, 3), round(after, 3), round(delta, 3), round(lost, 2), verdict))
    return rows


def within_budget(rows: list[Row]) -> bool:
    return all(row.verdict != "forgot" for row in rows)


def format_rows(rows: list[Row], budget: float) -> str:
    """A table for the terminal; scores are % correct, perplexity (ppl) or nats (kl)."""
    units = {"qa": "%", "checks": "%", "ppl": "ppl", "kl": "nats"}
    lines = [f"{'suite':<14}{'unit':>6}{'base':>10}{'tuned':>10}{'delta':>10}  verdict (budget {budget:g})"]
    for r in rows:
        lost = f" (lost {r.lost:.1f}{'%' if r.kind == 'ppl' else ' points'})" if r.lost else ""
        lines.append(f"{r.suite:<14}{units[r.kind]:>6}{r.base:>10.2f}{r.tuned:>10.2f}{r.delta:>+10.2f}  "
                     f"{r.verdict}{lost}")
    return "\n".join(lines)
