"""report.json, typed: the one reader of a run's report for the CLI, the UI, the model card, the guided run and
the pilot. `Report.load(run)` (or `Report.find(run)`, None when there is none), the final candidate, the domain
rows base | base + k-shot | tuned, the worst forgetting of a candidate, the recommendation in either language."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ftcore.errors import UserError
from ftcore.eval.compare import format_interval
from ftcore.messages import Join, Text, restore

if TYPE_CHECKING:
    from ftcore.runs.store import Run

NOT_METRICS = ("examples", "seconds")


def metrics_of(values: dict[str, Any] | None) -> dict[str, float]:
    """The numeric metrics of a domain result (counts and timings left out)."""
    return {k: v for k, v in (values or {}).items() if isinstance(v, int | float) and k not in NOT_METRICS}


@dataclass(frozen=True)
class ProbeRow:
    """One suite, base against a candidate: the scores, the change with its paired 95% interval, what was lost
    and the verdict (kept, gained, uncertain, forgot or info; ftcore.eval.compare says when each)."""

    suite: str
    kind: str
    base: float
    tuned: float
    delta: float
    lost: float
    verdict: str
    ci_low: float | None = None  # None in reports written before intervals were kept
    ci_high: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> ProbeRow:
        known = ("suite", "kind", "base", "tuned", "delta", "lost", "verdict", "ci_low", "ci_high")
        return cls(*(raw.get(k) for k in known), extra={k: v for k, v in raw.items() if k not in known})

    @property
    def interval(self) -> tuple[float, float] | None:
        """The 95% interval of the change, in the change's units, or None when the report has none."""
        return None if self.ci_low is None or self.ci_high is None else (self.ci_low, self.ci_high)

    @property
    def interval_text(self) -> str:
        """The interval as tables show it ([-8.3, +2.1]); empty when the report has none."""
        return format_interval(self.ci_low, self.ci_high)


@dataclass(frozen=True)
class Candidate:
    """A model the report scored: the final model, a checkpoint, or a blend of base and final (with its alpha, and
    the reference that loads it once written; reports older than blends have none)."""

    name: str
    path: str
    domain: dict[str, Any]
    tasks: dict[str, dict[str, Any]]
    probes: dict[str, Any]
    rows: list[ProbeRow]
    within_budget: bool
    metric: str | None = None
    metric_value: float | None = None
    alpha: float | None = None  # the fine-tuned share of a blend; None for the final model and checkpoints
    ref: str | None = None

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Candidate:
        return cls(name=raw["name"], path=raw.get("path", ""), domain=raw.get("domain") or {},
                   tasks=raw.get("tasks") or {}, probes=raw.get("probes") or {},
                   rows=[ProbeRow.from_dict(r) for r in raw.get("rows", [])],
                   within_budget=bool(raw.get("within_budget")), metric=raw.get("metric"),
                   metric_value=raw.get("metric_value"), alpha=raw.get("alpha"), ref=raw.get("ref"))

    @property
    def worst_forgetting(self) -> float:
        """The largest loss on any scored suite (the kl suite is a distance, not a score, and is left out)."""
        return max((r.lost for r in self.rows if r.kind != "kl"), default=0.0)

    @property
    def forgot(self) -> list[str]:
        return [r.suite for r in self.rows if r.verdict == "forgot"]

    @property
    def domain_value(self) -> float | None:
        """The ranking metric as people read it (the loss positive again), or None without domain data."""
        if self.metric_value is None:
            return None
        return -self.metric_value if self.metric == "loss" else self.metric_value


@dataclass(frozen=True)
class DomainRow:
    """One model on the domain data: who ("base", "fewshot" or a candidate's name), the task ("all" for the
    whole mixture) and its metrics."""

    model: str
    task: str
    metrics: dict[str, Any]
    k: int | None = None  # the number of worked examples, for the prompting baseline


SPLITS = {"validation": Text("report.split_validation"),
          "training sample (no validation file)": Text("report.split_training_sample")}
# the ranking metric a recommendation names, in the reader's language
METRICS = {"accuracy": Text("report.metric_accuracy"), "rouge_l": Text("report.metric_rouge_l"),
           "loss": Text("report.metric_loss")}


@dataclass(frozen=True)
class Report:
    budget: float
    suites: list[str]
    domain_split: str
    base: dict[str, Any]
    candidates: list[Candidate]
    recommended: str | None
    recommendation_en: str
    recommendation_key: str | None = None
    recommendation_values: dict[str, Any] = field(default_factory=dict)
    seconds: float | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Report:
        return cls(budget=raw.get("budget", 0.0), suites=list(raw.get("suites", [])),
                   domain_split=raw.get("domain_split") or "", base=raw.get("base") or {},
                   candidates=[Candidate.from_dict(c) for c in raw.get("candidates", [])],
                   recommended=raw.get("recommended"), recommendation_en=raw.get("recommendation", ""),
                   recommendation_key=raw.get("recommendation_key"),
                   recommendation_values=raw.get("recommendation_values") or {}, seconds=raw.get("seconds"),
                   raw=raw)

    @classmethod
    def of(cls, report: Report | dict[str, Any] | None) -> Report | None:
        """A report as readers get it: typed already, as report.json's dict, or none."""
        return cls.from_dict(report) if isinstance(report, dict) else report

    @classmethod
    def find(cls, run: Run) -> Report | None:
        """The run's report, or None while it has none (a report being written appears whole: atomic rename)."""
        try:
            return cls.from_dict(json.loads(run.report_path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return None

    @classmethod
    def load(cls, run: Run) -> Report:
        report = cls.find(run)
        if report is None:
            raise UserError("report.missing", run=run.id)
        return report

    def to_dict(self) -> dict[str, Any]:
        return self.raw

    def candidate(self, name: str = "final") -> Candidate | None:
        return next((c for c in self.candidates if c.name == name), None)

    @property
    def final(self) -> Candidate | None:
        return self.candidate("final")

    def pick(self, name: str = "final") -> Candidate | None:
        """The named candidate, else the first the report has (a report of checkpoints only)."""
        return self.candidate(name) or (self.candidates[0] if self.candidates else None)

    @property
    def fewshot(self) -> dict[str, Any]:
        """The prompting baseline (k, domain, tasks) when the run scored it, else {}."""
        shots = self.base.get("fewshot") or {}
        return shots if shots.get("domain") else {}

    def recommendation(self) -> str:
        """The recommendation, renderable in either language (a report written before the key was kept stays in
        English)."""
        values = dict(self.recommendation_values or {})
        if values.get("metric") in METRICS:
            values["metric"] = METRICS[values["metric"]]
        return restore(self.recommendation_en, self.recommendation_key, values)

    def split(self) -> Join:
        """Which domain data the report scored ("validation", "training sample (no validation file)", or both
        joined by " + ", as report.json stores them), renderable in either language."""
        return Join((SPLITS.get(part, part) for part in self.domain_split.split(" + ")), " + ")

    def domain_rows(self, candidates: list[str] | None = None, fewshot: dict[str, Any] | None = None
                    ) -> list[DomainRow]:
        """Base, base + k-shot prompt (the report's, or `fewshot` computed apart) and the candidates (all, or those
        named) on the domain data: the whole data first ("all"), then each task of a mixture. Empty when the run
        had no domain data."""
        if not self.base.get("domain"):
            return []
        shots = fewshot if fewshot is not None else self.fewshot
        who: list[tuple[str, dict[str, Any], int | None]] = [("base", self.base, None)]
        if shots and shots.get("domain"):
            who.append(("fewshot", shots, shots.get("k")))
        chosen = self.candidates if candidates is None else [c for n in candidates if (c := self.candidate(n))]
        who += [(c.name, {"domain": c.domain, "tasks": c.tasks}, None) for c in chosen]
        rows = []
        for name, entry, k in who:
            rows.append(DomainRow(name, "all", entry.get("domain") or {}, k))
            rows += [DomainRow(name, task, metrics or {}, k) for task, metrics in (entry.get("tasks") or {}).items()]
        return rows
