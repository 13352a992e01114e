"""Where a run stands, for every reader alike (the Train tab, `ftcore status`, the progress bar of `ftcore train`):
state, step of total, loss, time left from the pace since training began, tokens per second; once the model is
done, its report's progress and time left (from the plan it announced, corrected by its pace); human durations. Events are read incrementally: a reader keeps a `Tail` and gets only what was appended since."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from ftcore.messages import Join, Text
from ftcore.runs.state import REPORT_BUSY
from ftcore.runs.store import Run

STATES = {"queued": Text("progress.queued"), "running": Text("progress.running"), "stopping": Text("progress.stopping"),
          "done": Text("progress.done"), "failed": Text("progress.failed"), "cancelled": Text("progress.cancelled")}
REPORTS = {"queued": Text("progress.report_queued"), "running": Text("progress.report_running"), "stopping": Text("progress.report_stopping"),
           "stopped": Text("progress.report_stopped"), "failed": Text("progress.report_failed")}


def state_text(state: str | None) -> Text | str:
    """A run's state as people read it, in either language (an unknown state as it is)."""
    return STATES.get(state or "", state or "?")


def human_duration(seconds: float | None) -> str:
    """12s, 4m05s, 2h03m: how long, as people read it."""
    if seconds is None:
        return "-"
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


@dataclass
class Tail:
    """A run's events.jsonl read from a byte offset: each `read()` returns only the complete lines appended since
    the last one (a line still being written waits for the next read)."""

    run: Run
    offset: int = 0

    def read(self) -> list[dict[str, Any]]:
        try:
            size = self.run.events_path.stat().st_size
        except OSError:
            return []
        if size < self.offset:  # the file was replaced: start again
            self.offset = 0
        if size == self.offset:
            return []
        with open(self.run.events_path, "rb") as handle:
            handle.seek(self.offset)
            chunk = handle.read(size - self.offset)
        complete = chunk[: chunk.rfind(b"\n") + 1]
        self.offset += len(complete)
        out = []
        for line in complete.decode("utf-8", errors="replace").splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
        return out


@dataclass
class Pace:
    """What the events say about speed: the last train_begin (a resume restarts the clock) and the tokens seen at
    the last two logged steps."""

    begin_time: float | None = None
    begin_step: int = 0
    tokens: list[tuple[float, int]] = field(default_factory=list)  # (time, tokens seen), the last two
    report_time: float | None = None  # when the end-of-run report began
    report_total: int = 0  # the suite evaluations it announced
    report_done: int = 0  # those finished so far
    plan_time: float | None = None  # when the report announced its plan (ftcore.eval.estimate.plan)
    plan: list[dict[str, Any]] = field(default_factory=list)  # its parts in order: model, suite, predicted seconds
    estimate: float | None = None  # the seconds it predicted for all of them
    finished: set[tuple[str, str]] = field(default_factory=set)  # (model, suite) of the parts done
    last_probe: float | None = None  # when the latest part ended

    def add(self, events: list[dict[str, Any]]) -> Pace:
        for event in events:
            kind = event.get("type")
            if kind == "train_begin":
                self.begin_time, self.begin_step, self.tokens = event.get("time"), event.get("step") or 0, []
            elif kind == "train" and event.get("num_input_tokens_seen") is not None:
                self.tokens = [*self.tokens[-1:], (event["time"], event["num_input_tokens_seen"])]
            elif kind == "report_plan":
                self.plan_time, self.plan, self.estimate = event.get("time"), event.get("parts", []), \
                    event.get("estimate_s")
                self.finished, self.last_probe = set(), None
            elif kind == "report_end":  # a later report (made again) starts afresh
                self.plan_time, self.plan, self.estimate, self.report_time = None, [], None, None
            elif kind == "report_begin":
                self.report_time, self.report_total, self.report_done = event.get("time"), event.get("units", 0), 0
            elif kind == "report_more":  # the report found more to evaluate (a blend of base and final)
                self.report_total += event.get("units", 0)
            elif kind == "probe" and self.report_time is not None:
                self.report_done += 1
                self.finished.add((event.get("model"), event.get("suite")))
                self.last_probe = event.get("time")
        return self

    def report_left(self, now: float) -> float | None:
        """Seconds the report has left: the plan's parts after the latest one done, at the pace the parts done so
        far kept against their prediction (before any is done: the estimate, less the time since it was made)."""
        if self.estimate is None or self.plan_time is None:
            if self.report_time is None or not self.report_done:
                return None
            return (now - self.report_time) / self.report_done * max(0, self.report_total - self.report_done)
        upto = max((i for i, p in enumerate(self.plan) if (p.get("model"), p.get("suite")) in self.finished),
                   default=None)
        if upto is None or self.last_probe is None:
            return max(0.0, self.estimate - (now - self.plan_time))
        predicted = sum(p.get("seconds", 0) for p in self.plan[:upto + 1])
        pace = min(max((self.last_probe - self.plan_time) / predicted, 0.05), 20.0) if predicted > 0 else 1.0
        return max(0.0, (self.estimate - predicted) * pace - (now - self.last_probe))


@dataclass(frozen=True)
class Progress:
    state: str
    report: str | None  # the report after the model is done: queued, running, stopping, done, stopped, failed
    step: int
    total: int | None
    loss: float | None
    eta_seconds: float | None  # training's time left, or the report's while it runs
    tokens_per_second: float | None
    error: str | None = None
    report_done: int = 0  # while the report runs: suite evaluations finished, of report_total
    report_total: int = 0
    report_estimate: float | None = None  # the seconds the report predicted for itself before it began

    @property
    def fraction(self) -> float | None:
        return self.step / self.total if self.total else None

    @property
    def reporting(self) -> bool:
        return self.report in REPORT_BUSY

    def summary(self) -> Join:
        """One line: state · step N/M · loss · time left · tokens/s (what is known of it), in either language;
        once the model is done and its report runs: that the model is ready, the report's progress, its estimate
        and its time left."""
        parts: list[Any] = [state_text(self.state)]
        if self.reporting:
            parts += [Text("progress.model_ready"), REPORTS[self.report]]
            if self.report_total:
                parts.append(Text("progress.report", done=self.report_done, total=self.report_total))
            if self.report_estimate is not None:
                parts.append(Text("progress.report_estimate", eta=human_duration(self.report_estimate)))
        elif self.report in ("stopped", "failed"):
            parts.append(REPORTS[self.report])
        if self.total and not self.reporting:
            parts.append(Text("progress.step", step=self.step, total=self.total))
        if self.loss is not None and not self.reporting:
            parts.append(Text("progress.loss", loss=f"{self.loss:.4f}"))
        if self.eta_seconds is not None:
            parts.append(Text("progress.eta", eta=human_duration(self.eta_seconds)))
        if self.tokens_per_second is not None:
            parts.append(Text("progress.speed", speed=f"{self.tokens_per_second:,.0f}"))
        return Join(parts, " · ")


def progress(run: Run, status: dict[str, Any] | None = None, pace: Pace | None = None,
             now: float | None = None) -> Progress:
    """A run's progress from its status and the pace its events show (all of them read when `pace` is None)."""
    status = run.status() if status is None else status
    pace = Pace().add(run.events()) if pace is None else pace
    state, step, total = status.get("state", "?"), status.get("step") or 0, status.get("total_steps")
    eta = speed = None
    now = now or time.time()
    report = status.get("report")
    reporting = report in ("running", "stopping")  # queued: the events still tell of an earlier report
    if reporting:  # the report's pace, not training's
        eta = pace.report_left(now)
    elif state == "running" and pace.begin_time is not None and total and step > pace.begin_step:
        per_step = (now - pace.begin_time) / (step - pace.begin_step)
        eta = per_step * max(0, total - step)
    if state == "running" and len(pace.tokens) == 2 and pace.tokens[1][0] > pace.tokens[0][0]:
        (t0, n0), (t1, n1) = pace.tokens
        speed = (n1 - n0) / (t1 - t0) if n1 > n0 else None
    return Progress(state=state, report=report, step=step, total=total, loss=status.get("loss"),
                    eta_seconds=eta, tokens_per_second=speed, error=status.get("error"),
                    report_done=pace.report_done if reporting else 0,
                    report_total=pace.report_total if reporting else 0,
                    report_estimate=pace.estimate if reporting else None)
