"""What the Train tab shows about runs, read from their folders: the runs table, status with ETA, curves (loss,
forgetting, learning rate, gradient norm, tokens/s) and the worker log's tail. Plain functions over plain values."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

import ftcore

from .i18n import tr


def get_run(settings: ftcore.Settings, run_id: str | None) -> ftcore.Run | None:
    if not run_id:
        return None
    try:
        return ftcore.RunStore(settings).get(run_id)
    except ftcore.UserError:
        return None


RUN_COLUMNS = ("run", "state", "step", "loss", "model", "devices", "created")


def runs_table(settings: ftcore.Settings, lang: str = "en") -> pd.DataFrame:
    """Every run: id, state, step, loss, model, devices, created; headers and states in `lang`."""
    rows = []
    for run in ftcore.RunStore(settings).list():
        status = run.status()
        try:
            config = run.config()
        except ftcore.UserError:
            continue
        loss = status.get("loss")
        rows.append([run.id, ftcore.localize(ftcore.state_text(status.get("state")), lang),
                     f"{status.get('step', 0)}/{status.get('total_steps') or '?'}",
                     None if loss is None else round(loss, 4), short_model(config.model.ref),
                     f"{config.dist.world_size}× {config.dist.strategy}",
                     (status.get("created") or "")[:19].replace("T", " ")])
    return pd.DataFrame(rows, columns=[tr(f"col_{c}", lang) for c in RUN_COLUMNS])


def short_model(ref: str) -> str:
    """A model as the runs table names it: a Hub id or a run as it is, a local folder by its last two parts (the
    table has seven columns to fit; the run's status line and config keep the whole path)."""
    if ref.startswith(("/", "~", ".")) or "\\" in ref:
        parts = [p for p in ref.replace("\\", "/").split("/") if p]
        return "…/" + "/".join(parts[-2:]) if len(parts) > 2 else ref
    return ref


def status_markdown(run: ftcore.Run | None, lang: str = "en", pace: ftcore.Pace | None = None,
                    note: dict | None = None) -> str:
    """The run's line (state, step, loss, time left, tokens/s: ftcore's progress, as the CLI shows it), its latest
    message while it is busy (queued, loading, its report...), and what to do next; all in `lang`."""
    if run is None:
        return tr("no_run", lang)
    status = run.status()
    line = ftcore.localize(ftcore.progress(run, status, pace).summary(), lang)
    text = f"**{run.id}** — {line}"
    if note and ftcore.busy(status):
        text += "\n\n" + ftcore.localize(ftcore.restore(note.get("text", ""), note.get("key"), note.get("values")), lang)
    if status.get("state") == "queued":
        text += "\n\n" + tr("status_queued", lang)
    if status.get("error"):
        text += "\n\n" + ftcore.localize(ftcore.status_error(status), lang)
    if status.get("state") in ("failed", "cancelled") and ftcore.last_checkpoint(run):
        text += "\n\n" + tr("status_resumable", lang)
    if status.get("state") == "done":
        text += "\n\n" + tr("status_report_running" if ftcore.busy(status) else "status_done", lang)
    return text


CURVES = ("loss", "forget", "lr", "grad", "speed")


def add_points(rows: dict[str, list], events: list[dict], lang: str, previous: tuple | None,
               stop_at: float = 0.0) -> tuple | None:
    """Append the curve points of `events` to `rows` (loss: train and validation; forgetting: KL to the base at
    each evaluation, and beside it the level `stop_at` where train.stop_on_forgetting stops the run, when set;
    learning rate; gradient norm; tokens/s between two logged steps); returns the last (tokens seen, time) for
    the next call."""
    for event in events:
        kind, step = event.get("type"), event.get("step")
        if kind == "train" and "loss" in event:
            rows["loss"].append({"step": step, "value": event["loss"], "series": tr("series_train", lang)})
            if "learning_rate" in event:
                rows["lr"].append({"step": step, "value": event["learning_rate"], "series": tr("series_lr", lang)})
            if event.get("grad_norm") is not None:
                rows["grad"].append({"step": step, "value": event["grad_norm"], "series": tr("series_grad", lang)})
            seen = event.get("num_input_tokens_seen")
            if seen is not None and previous and event["time"] > previous[1] and seen > previous[0]:
                rows["speed"].append({"step": step, "value": (seen - previous[0]) / (event["time"] - previous[1]),
                                      "series": tr("series_speed", lang)})
            previous = (seen, event["time"]) if seen is not None else previous
        elif kind == "eval":
            for task, value in ftcore.eval_losses(event).items():  # one, or one per task of a mixture
                series = tr("series_validation_task", lang, task=task) if task else tr("series_validation", lang)
                rows["loss"].append({"step": step, "value": value, "series": series})
            if event.get("forget_kl") is not None:
                rows["forget"].append({"step": step, "value": event["forget_kl"], "series": tr("series_forget_kl", lang)})
                if stop_at > 0:
                    rows["forget"].append({"step": step, "value": stop_at,
                                           "series": tr("series_forget_stop", lang, nats=f"{stop_at:g}")})
        elif kind == "train_begin":
            previous = None  # a resumed run restarts its clock
    return previous


def frames(rows: dict[str, list]) -> dict[str, pd.DataFrame]:
    return {name: pd.DataFrame(rows[name], columns=["step", "value", "series"]) for name in CURVES}


def curves(run: ftcore.Run | None, lang: str = "en") -> dict[str, pd.DataFrame]:
    """Frames for the plots from all of a run's events, the series named in `lang`."""
    rows: dict[str, list] = {name: [] for name in CURVES}
    add_points(rows, run.events() if run else [], lang, None, stop_level(run) if run else 0.0)
    return frames(rows)


def stop_level(run: ftcore.Run) -> float:
    """The run's train.stop_on_forgetting (0: off, or a config that cannot be read)."""
    try:
        return float(run.config().train.stop_on_forgetting or 0.0)
    except ftcore.UserError:
        return 0.0


@dataclass
class Watch:
    """What one browser session has already read of the run it shows: events up to a byte offset (the curves and
    the pace built from them), the status file and the log as last seen. A timer tick reads only what changed."""

    run_id: str | None = None
    lang: str = "en"
    tail: ftcore.Tail | None = None
    pace: ftcore.Pace = field(default_factory=ftcore.Pace)
    rows: dict[str, list] = field(default_factory=lambda: {name: [] for name in CURVES})
    previous: tuple | None = None
    status_seen: tuple = ()
    log_seen: int = -1
    note: dict | None = None  # the latest message event
    shown: dict[str, tuple] = field(default_factory=dict)  # the series each plot was last drawn with
    redraw: bool = False  # a plot was emptied to be drawn afresh (train_tab.drawn): the next tick draws it
    evaluates: bool = True  # the run has validation data: it logs validation losses and forgetting
    stop_at: float = 0.0  # train.stop_on_forgetting, drawn beside the forgetting curve when set
    total_steps: int | None = None  # the run's steps, from its latest train_begin: the step axes' span
    limits: dict[str, dict] = field(default_factory=dict)  # the axis limits each plot was last sent


    def follows(self, run: ftcore.Run, lang: str) -> bool:
        return self.run_id == run.id and self.lang == lang and self.tail is not None

    def reset(self, run: ftcore.Run, lang: str) -> None:
        self.__init__(run.id, lang, ftcore.Tail(run))
        try:
            config = run.config()
        except ftcore.UserError:
            return  # a config that cannot be read: evaluates as if it did, and no stop level
        self.evaluates = any(task.val for task in config.data.task_list())
        self.stop_at = float(config.train.stop_on_forgetting or 0.0)

    def read(self, run: ftcore.Run, lang: str) -> tuple[bool, bool, bool]:
        """Take in what is new; returns whether the curves, the status and the log changed."""
        if not self.follows(run, lang):
            self.reset(run, lang)
        events = self.tail.read()
        self.pace.add(events)
        self.note = next((e for e in reversed(events) if e.get("type") == "message"), self.note)
        before = sum(len(r) for r in self.rows.values())
        self.previous = add_points(self.rows, events, lang, self.previous, self.stop_at)
        self.total_steps = next((e["total_steps"] for e in reversed(events) if e.get("type") == "train_begin"
                                 and e.get("total_steps")), self.total_steps)
        status_seen = _stat(run.status_path)
        log_seen = _stat(run.log_path())[1] if run.log_path().is_file() else -1
        changed = (sum(len(r) for r in self.rows.values()) != before, status_seen != self.status_seen,
                   log_seen != self.log_seen)
        self.status_seen, self.log_seen = status_seen, log_seen
        return changed


def _stat(path) -> tuple:
    try:
        info = path.stat()
    except OSError:
        return ()
    return info.st_mtime_ns, info.st_size


def log_tail(run: ftcore.Run | None, lines: int = 40) -> str:
    """The end of worker.log, with anything shaped like a Hub token masked."""
    if run is None:
        return ""
    path = run.log_path()
    if not path.is_file():
        return ""
    with open(path, "rb") as handle:
        handle.seek(max(0, path.stat().st_size - 64_000))
        text = handle.read().decode("utf-8", errors="replace")
    text = text.replace("\r", "\n")
    kept = [line for line in text.splitlines() if line.strip()][-lines:]
    return ftcore.redact("\n".join(kept))


def message_text(content) -> str:
    """A chat message's text: Gradio's Chatbot hands back content as a string or as a list of typed parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)
    return "" if content is None else str(content)
