"""What the Train tab shows about runs, read from their folders: the runs table, status with ETA, curves (loss,
learning rate, gradient norm, tokens/s) and the worker log's tail. Plain functions over plain values."""

from __future__ import annotations

import time

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


def runs_table(settings: ftcore.Settings) -> pd.DataFrame:
    rows = []
    for run in ftcore.RunStore(settings).list():
        status = run.status()
        try:
            config = run.config()
        except ftcore.UserError:
            continue
        loss = status.get("loss")
        rows.append({"run": run.id, "state": status.get("state"),
                     "step": f"{status.get('step', 0)}/{status.get('total_steps') or '?'}",
                     "loss": None if loss is None else round(loss, 4), "model": config.model.ref,
                     "devices": f"{config.dist.world_size}× {config.dist.strategy}",
                     "created": (status.get("created") or "")[:19].replace("T", " ")})
    return pd.DataFrame(rows, columns=["run", "state", "step", "loss", "model", "devices", "created"])


def eta_seconds(run: ftcore.Run, status: dict) -> float | None:
    """Remaining time from the pace since training began (resumes count from their own start)."""
    begins = run.events("train_begin")
    step, total = status.get("step") or 0, status.get("total_steps")
    if not begins or not total or status.get("state") != "running":
        return None
    first = begins[-1].get("step", 0)
    if step <= first:
        return None
    per_step = (time.time() - begins[-1]["time"]) / (step - first)
    return per_step * (total - step)


def duration(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m" if seconds >= 3600 else f"{seconds // 60}m{seconds % 60:02d}s"


def status_markdown(run: ftcore.Run | None, lang: str = "en") -> str:
    if run is None:
        return tr("no_run", lang)
    status = run.status()
    parts = [f"**{run.id}** — `{status.get('state')}`"]
    if status.get("total_steps"):
        parts.append(tr("status_step", lang, step=status.get("step", 0), total=status["total_steps"]))
    if status.get("loss") is not None:
        parts.append(tr("status_loss", lang, loss=f"{status['loss']:.4f}"))
    eta = eta_seconds(run, status)
    if eta is not None:
        parts.append(tr("status_eta", lang, eta=duration(eta)))
    text = " · ".join(parts)
    if status.get("state") == "queued":
        text += "\n\n" + tr("status_queued", lang)
    if status.get("error"):
        text += "\n\n" + ftcore.localize(ftcore.status_error(status), lang)
    if status.get("state") in ("failed", "cancelled") and ftcore.last_checkpoint(run):
        text += "\n\n" + tr("status_resumable", lang)
    if status.get("state") == "done":
        text += "\n\n" + tr("status_done", lang)
    return text


def curves(run: ftcore.Run | None, lang: str = "en") -> dict[str, pd.DataFrame]:
    """Frames for the plots: loss (train and validation), learning rate, gradient norm, tokens per second; the
    series are named in `lang`."""
    loss, lr, grad, speed = [], [], [], []
    previous = None
    for event in run.events() if run else []:
        kind, step = event.get("type"), event.get("step")
        if kind == "train" and "loss" in event:
            loss.append({"step": step, "value": event["loss"], "series": tr("series_train", lang)})
            if "learning_rate" in event:
                lr.append({"step": step, "value": event["learning_rate"], "series": tr("series_lr", lang)})
            if event.get("grad_norm") is not None:
                grad.append({"step": step, "value": event["grad_norm"], "series": tr("series_grad", lang)})
            seen = event.get("num_input_tokens_seen")
            if seen is not None and previous and event["time"] > previous[1] and seen > previous[0]:
                speed.append({"step": step, "value": (seen - previous[0]) / (event["time"] - previous[1]),
                              "series": tr("series_speed", lang)})
            previous = (seen, event["time"]) if seen is not None else previous
        elif kind == "eval":
            for task, value in ftcore.eval_losses(event).items():  # one, or one per task of a mixture
                series = tr("series_validation_task", lang, task=task) if task else tr("series_validation", lang)
                loss.append({"step": step, "value": value, "series": series})
        elif kind == "train_begin":
            previous = None  # a resumed run restarts its clock
    columns = ["step", "value", "series"]
    return {name: pd.DataFrame(rows, columns=columns)
            for name, rows in (("loss", loss), ("lr", lr), ("grad", grad), ("speed", speed))}


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
