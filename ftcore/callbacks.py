"""Trainer callbacks that keep the run folder current: events, status, stop requests, NaN guard, and
checkpoints that appear only complete."""

from __future__ import annotations

import math
import os
import shutil
import time
from pathlib import Path

from transformers import TrainerCallback

from .runs import Run


class StopFlag:
    """Set from a signal handler; read by the callback at the next step boundary."""

    def __init__(self) -> None:
        self.reason: str | None = None

    def set(self, reason: str) -> None:
        self.reason = self.reason or reason


class RunCallback(TrainerCallback):
    def __init__(self, run: Run, staging: Path, flag: StopFlag, keep: int, status_every: float = 1.0):
        self.run, self.staging, self.flag, self.keep = run, staging, flag, keep
        self.status_every = status_every
        self._last_status = 0.0
        self.failure: str | None = None

    def on_train_begin(self, args, state, control, **kwargs):
        self.run.update_status(total_steps=state.max_steps)
        self.run.append_event("train_begin", total_steps=state.max_steps, epochs=args.num_train_epochs)

    def on_step_end(self, args, state, control, **kwargs):
        if self.run.stop_requested:
            self.flag.set("Stopped by the user.")
        if self.flag.reason:
            control.should_save = True
            control.should_training_stop = True
        if time.monotonic() - self._last_status >= self.status_every:
            self._last_status = time.monotonic()
            self.run.update_status(step=state.global_step, epoch=round(state.epoch or 0.0, 3))

    def on_log(self, args, state, control, logs=None, **kwargs):
        logs = dict(logs or {})
        kind = "eval" if any(k.startswith("eval_") for k in logs) else "train"
        if "train_loss" in logs:  # the closing summary of trainer.train()
            kind = "summary"
        self.run.append_event(kind, **{"step": state.global_step, "epoch": round(state.epoch or 0.0, 4), **logs})
        loss = logs.get("loss", logs.get("eval_loss"))
        if loss is not None and not math.isfinite(loss):
            self.failure = (f"The loss became {loss} at step {state.global_step}; the last good checkpoint is "
                            "kept. Lower the learning rate or check the data.")
            control.should_training_stop = True
        elif "loss" in logs:
            self.run.update_status(step=state.global_step, epoch=round(state.epoch or 0.0, 3), loss=logs["loss"])

    def on_save(self, args, state, control, **kwargs):
        name = f"checkpoint-{state.global_step}"
        source = self.staging / name
        if not source.is_dir():
            return
        self.run.checkpoints_dir.mkdir(exist_ok=True)
        target = self.run.checkpoints_dir / name
        shutil.rmtree(target, ignore_errors=True)
        os.replace(source, target)
        self.run.append_event("checkpoint", step=state.global_step, path=f"checkpoints/{name}")
        kept = sorted(self.run.checkpoints_dir.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[-1]))
        for old in kept[: max(0, len(kept) - self.keep)]:
            shutil.rmtree(old, ignore_errors=True)
