"""Trainer callbacks that keep the run folder current: events, status, stop requests, NaN/inf guard, early
stopping, a disk check before each checkpoint, and checkpoints that appear only complete."""

from __future__ import annotations

import math
import os
import shutil
import time
from pathlib import Path

from transformers import TrainerCallback

from ftcore._atomic import write_json
from ftcore.errors import UserError
from ftcore.messages import Text
from ftcore.runs.registry import config_digest
from ftcore.runs.store import CHECKPOINT_META, Run, checkpoint_step, eval_losses
from ftcore.train.checkpoint import fsync_dir, seal
from ftcore.train.distributed import barrier, sync_any
from ftcore.train.stopflag import StopFlag


def _size(count: int) -> str:
    """A byte count people read at a glance: GB from one GB up, MB below (never "0.0 GB")."""
    return f"{count / 2**30:.1f} GB" if count >= 2**30 else f"{max(count / 2**20, 0.1):.1f} MB"


class RunCallback(TrainerCallback):
    def __init__(self, run: Run, staging: Path, flag: StopFlag, keep: int, fingerprints: dict[str, str],
                 nan_tolerance: int = 3, patience: int = 3, checkpoint_bytes: int = 0,
                 status_every: float = 1.0, eval_tasks: int = 0):
        self.run, self.staging, self.flag, self.keep = run, staging, flag, keep
        self.fingerprints, self.nan_tolerance, self.patience = fingerprints, nan_tolerance, patience
        self.checkpoint_bytes = checkpoint_bytes
        self.status_every = status_every
        self._last_status = 0.0
        self._bad_steps = 0
        self._best_eval: float | None = None
        self._evals_without_gain = 0
        self.eval_tasks = eval_tasks  # validation sets evaluated one by one (a multi-task mixture)
        self._round_step, self._round = -1, {}
        self.pinned: set[int] = set()  # checkpoint steps kept beyond `keep` (the forgetting watch's fallback)
        self.failure: UserError | None = None  # why training had to stop: the trainer raises it, both languages

    def on_train_begin(self, args, state, control, **kwargs):
        self.run.update_status(total_steps=state.max_steps)
        self.run.append_event("train_begin", total_steps=state.max_steps, epochs=args.num_train_epochs,
                              step=state.global_step)

    def on_step_end(self, args, state, control, **kwargs):
        if self.run.stop_requested:
            self.flag.set(Text("worker.stopped_by_user"))
        # every rank must take the same decision at the same step, or the collective save would hang
        stop, no_disk = sync_any(bool(self.flag.reason), bool(control.should_save) and not self._disk_ok())
        if stop:
            self.flag.set(Text("worker.stopped_by_user"))
            control.should_save = True
            control.should_training_stop = True
            control.should_evaluate = False  # a stop ends at its checkpoint: no validation pass first
        if no_disk:
            self.failure = self.failure or UserError("callbacks.no_disk_node")
            control.should_save = False
            control.should_training_stop = True
        if time.monotonic() - self._last_status >= self.status_every:
            self._last_status = time.monotonic()
            self.run.update_status(step=state.global_step, epoch=round(state.epoch or 0.0, 3))

    def _disk_ok(self) -> bool:
        free = shutil.disk_usage(self.run.dir).free
        need = int(self.checkpoint_bytes * 1.1)
        if free >= need:
            return True
        self.failure = UserError("callbacks.no_disk", need=_size(need), free=_size(free), folder=self.run.dir,
                                 run=self.run.id)
        return False

    def on_epoch_end(self, args, state, control, **kwargs):
        if self.flag.reason:  # the epoch's evaluation would delay a stop by a whole validation pass
            control.should_evaluate = False

    def on_log(self, args, state, control, logs=None, **kwargs):
        logs = dict(logs or {})
        kind = "eval" if any(k.startswith("eval_") for k in logs) else "train"
        if "train_loss" in logs:  # the closing summary of trainer.train()
            kind = "summary"
        self.run.append_event(kind, **{"step": state.global_step, "epoch": round(state.epoch or 0.0, 4), **logs})
        if kind == "train":
            self._guard_nan(logs, state, control)
            self.run.update_status(step=state.global_step, epoch=round(state.epoch or 0.0, 3),
                                   loss=logs.get("loss"))

    def _guard_nan(self, logs, state, control) -> None:
        values = [logs.get("loss"), logs.get("grad_norm")]
        if all(v is None or math.isfinite(v) for v in values):
            self._bad_steps = 0
            return
        self._bad_steps += 1
        control.should_save = False  # never checkpoint weights that a NaN step may have touched
        if self._bad_steps >= self.nan_tolerance:
            self.failure = UserError("callbacks.nan", steps=self._bad_steps, step=state.global_step)
            control.should_training_stop = True

    def on_evaluate(self, args, state, control, metrics=None, **kwargs):
        loss = self._validation_loss(metrics or {}, state.global_step)
        if loss is None or not self.patience:
            return
        if self._best_eval is None or loss < self._best_eval:
            self._best_eval, self._evals_without_gain = loss, 0
            return
        self._evals_without_gain += 1
        if self._evals_without_gain >= self.patience:
            self.run.note(Text("notes.early_stopping", patience=self.patience, best=f"{self._best_eval:.4f}"))
            control.should_training_stop = True

    def _validation_loss(self, metrics: dict, step: int) -> float | None:
        """eval_loss; with one validation set per task (eval_TASK_loss, one call each), their mean once every
        task of this evaluation has reported."""
        if "eval_loss" in metrics:
            return metrics["eval_loss"]
        tasks = eval_losses(metrics)
        if not tasks or not self.eval_tasks:
            return None
        if self._round_step != step:
            self._round_step, self._round = step, {}
        self._round.update(tasks)
        if len(self._round) < self.eval_tasks:
            return None
        mean = sum(self._round.values()) / len(self._round)
        self._round = {}
        return mean

    def on_save(self, args, state, control, **kwargs):
        barrier()  # every rank has written its part of the checkpoint before it moves
        name = f"checkpoint-{state.global_step}"
        source = self.staging / name
        if not self.run.writes or not source.is_dir():
            return
        files = seal(source)  # every file's sha256, each flushed to disk, before the checkpoint becomes visible
        write_json(source / CHECKPOINT_META, {
            "step": state.global_step, "config_sha256": config_digest(self.run), "data": self.fingerprints,
            "written_by": "fulltune", "files": files})
        fsync_dir(source)
        self.run.checkpoints_dir.mkdir(exist_ok=True)
        target = self.run.checkpoints_dir / name
        shutil.rmtree(target, ignore_errors=True)
        os.replace(source, target)  # the checkpoint becomes visible complete, in one rename
        fsync_dir(self.run.checkpoints_dir)
        self.run.append_event("checkpoint", step=state.global_step, path=f"checkpoints/{name}")
        kept = self.run.checkpoints()
        for old in kept[: max(0, len(kept) - self.keep)]:
            if checkpoint_step(old) not in self.pinned:
                shutil.rmtree(old, ignore_errors=True)
