"""The run store: one folder per run under $FTCORE_HOME/runs, the contract between worker and UI/CLI.

status.json is replaced atomically; events.jsonl is append-only; STOP asks the worker to checkpoint and stop.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ftcore._atomic import write_json
from ftcore.config import RunConfig
from ftcore.errors import UserError
from ftcore.messages import Localizable, Text, localize, restore
from ftcore.redact import redact_fields
from ftcore.runs.liveness import worker_alive
from ftcore.runs.state import ACTIVE, blend_name, busy, parse_blend_ref

META_FILE = "fulltune.json"  # beside a model this app wrote: the config, data and hardware it came from
CHECKPOINT_META = META_FILE  # marks a checkpoint this app wrote


def checkpoint_step(path: Path) -> int | None:
    """The step of a checkpoint folder (checkpoint-N), or None for anything else."""
    name = Path(path).name
    prefix, _, step = name.partition("-")
    return int(step) if prefix == "checkpoint" and step.isdigit() else None


def eval_losses(metrics: dict[str, Any]) -> dict[str, float]:
    """Validation losses in a Trainer's metrics or an eval event: {"": eval_loss} for one validation set, and
    {TASK: eval_TASK_loss} for each task of a mixture."""
    out = {}
    for key, value in metrics.items():
        if key.startswith("eval_") and key.endswith("_loss") and isinstance(value, int | float):
            out[key[len("eval_"):-len("_loss")]] = value  # eval_loss -> ""
    return out


@dataclass(frozen=True)
class Blend:
    """A blend of a run's base and one of its models, written into the run folder."""

    ref: str  # the model reference: RUN/blend-0.5
    alpha: float
    source: str  # final, or checkpoint-N
    folder: Path


@dataclass(frozen=True)
class Run:
    id: str
    dir: Path
    writes: bool = field(default=True, compare=False)  # False on the ranks of a multi-process run except rank 0
    model: str = field(default="final", compare=False)  # the model publishing works on: final, or a blend's name

    # the run folder's files, named here and nowhere else (DESIGN.md: the run folder)
    @property
    def config_path(self) -> Path:
        return self.dir / "config.yaml"

    @property
    def status_path(self) -> Path:
        return self.dir / "status.json"

    @property
    def events_path(self) -> Path:
        return self.dir / "events.jsonl"

    @property
    def data_path(self) -> Path:
        return self.dir / "data.json"

    @property
    def plan_path(self) -> Path:
        return self.dir / "plan.json"

    @property
    def report_path(self) -> Path:
        return self.dir / "report.json"

    @property
    def base_logprobs_path(self) -> Path:
        """The base model's next-token log-probabilities on the forgetting watch's prompts (ftcore.train.forgetting),
        computed once before the first step."""
        return self.dir / "base_logprobs.safetensors"

    @property
    def anchor_logprobs_path(self) -> Path:
        """train.anchor=kl: the base's top next tokens at the answer positions of the replay rows
        (ftcore.train.kl_anchor), computed at the first step."""
        return self.dir / "anchor_logprobs.safetensors"

    @property
    def votes_path(self) -> Path:
        return self.dir / "votes.jsonl"

    @property
    def stop_path(self) -> Path:
        return self.dir / "STOP"

    def log_path(self, node_rank: int = 0) -> Path:
        return self.dir / (f"worker-node{node_rank}.log" if node_rank else "worker.log")

    @property
    def final_dir(self) -> Path:
        return self.dir / "final"

    @property
    def checkpoints_dir(self) -> Path:
        return self.dir / "checkpoints"

    @property
    def blends_dir(self) -> Path:
        return self.dir / "blends"

    def blend_dir(self, alpha: float, source: str = "final") -> Path:
        """Where the blend of the base and `source` (final, or checkpoint-N) at `alpha` is written."""
        return self.blends_dir / blend_name(alpha, source).replace("blend-", "alpha-", 1)

    def blend_ref(self, alpha: float, source: str = "final") -> str:
        """The blend as a model reference (--model, Chat, Compare, card, push)."""
        return f"{self.id}/{blend_name(alpha, source)}"

    def blends(self) -> list[Blend]:
        """The blends written whole into this run (written aside, then renamed into place), by alpha."""
        found = []
        for folder in self.blends_dir.iterdir() if self.blends_dir.is_dir() else []:
            parsed = parse_blend_ref(f"{self.id}/{folder.name.replace('alpha-', 'blend-', 1)}")
            if parsed and (folder / "config.json").is_file():
                found.append(Blend(self.blend_ref(parsed[1], parsed[2]), parsed[1], parsed[2], folder))
        return sorted(found, key=lambda b: (b.source, b.alpha))

    @property
    def model_dir(self) -> Path:
        """The folder of the model this Run was opened for (RunStore.model): final/, or a blend's."""
        parsed = parse_blend_ref(f"{self.id}/{self.model}")
        return self.blend_dir(parsed[1], parsed[2]) if parsed else self.final_dir

    def checkpoints(self) -> list[Path]:
        """The run's checkpoints, oldest first (each appears whole: written aside, then renamed into place)."""
        if not self.checkpoints_dir.is_dir():
            return []
        found = [p for p in self.checkpoints_dir.iterdir() if checkpoint_step(p) is not None]
        return sorted(found, key=checkpoint_step)

    def config(self) -> RunConfig:
        return RunConfig.load(self.config_path)

    def final_meta(self) -> dict[str, Any]:
        """What the final model (or the blend this Run was opened for) carries about its making (config, data
        fingerprints, hardware, time; a blend's base, source and alpha)."""
        path = self.model_dir / META_FILE
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}

    def plan(self) -> dict[str, Any]:
        """plan.json: the memory prediction made at launch and the peak measured at the end ({} before)."""
        try:
            return json.loads(self.plan_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def report(self):
        """The typed report (ftcore.eval.schema.Report), or None while the run has none."""
        from ftcore.eval.schema import Report

        return Report.find(self)

    def status(self) -> dict[str, Any]:
        """The status as last written, with a dead worker of a busy run reported as failed (the run, or its
        report when the model was done). Reading never
        writes (a full disk, a read-only mount or another node's reader must not change a run): the verdict is
        made again at each read, from the worker's host, pid and start time."""
        try:
            status = json.loads(self.status_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            error = Text("runs.status_unreadable")
            return {"state": "failed", "error": str(error), "error_zh": error.text("zh")}
        if busy(status) and status.get("pid") and worker_alive(status) is False:
            error = Text("runs.worker_vanished")
            if status.get("state") not in ACTIVE:  # the model is done; only its report died with the worker
                return {**status, "report": "failed", "report_error": str(error), "vanished": True}
            status = {**status, "state": "failed", "error": str(error), "error_zh": error.text("zh"),
                      "ended": status.get("ended") or None, "vanished": True}
        return status

    def update_status(self, **changes: Any) -> dict[str, Any]:
        """Merge `changes` into status.json. An error that is an engine text (a Text, a UserError) is kept in
        English as `error` and in Chinese as `error_zh`; status_error() reads it back in either language."""
        if "error" in changes:
            error = changes["error"]
            changes["error_zh"] = localize(error, "zh") if isinstance(error, Localizable) else None
            changes["error"] = None if error is None else str(error)
        if not self.writes:
            return {**self._read_status(), **changes}
        status = self._read_status()
        status.update(changes)
        write_json(self.status_path, status)
        return status

    def _read_status(self) -> dict[str, Any]:
        try:
            return json.loads(self.status_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def append_event(self, kind: str, **fields: Any) -> None:
        if not self.writes:
            return
        line = json.dumps({"time": round(time.time(), 3), "type": kind, **redact_fields(fields)}, ensure_ascii=False)
        with open(self.events_path, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")

    def note(self, text: Text, **fields: Any) -> None:
        """A message event: the English text (what logs and older readers show) with its catalog key and values,
        so that a reader can show it in its own language (notes())."""
        self.append_event("message", text=str(text), key=text.key, values=text.values, **fields)

    def notes(self) -> list[Localizable]:
        """The run's messages, each renderable in either language (older events: their English)."""
        return [restore(e.get("text", ""), e.get("key"), e.get("values")) for e in self.events("message")]

    def events(self, kind: str | None = None) -> list[dict[str, Any]]:
        if not self.events_path.is_file():
            return []
        out = []
        with open(self.events_path, encoding="utf-8") as handle:
            for line in handle:
                if not line.endswith("\n"):
                    break  # a line still being written
                try:
                    event = json.loads(line)
                except ValueError:
                    continue
                if kind is None or event.get("type") == kind:
                    out.append(event)
        return out

    def add_vote(self, prompt: str, a: str, b: str, winner: str) -> dict[str, Any]:
        """A blind A/B judgement between two of this run's models (base, final, checkpoints), kept in votes.jsonl."""
        if winner not in ("a", "b", "tie"):
            raise UserError("runs.bad_vote", winner=winner)
        vote = {"time": round(time.time(), 3), "prompt": prompt, "a": a, "b": b, "winner": winner}
        with open(self.votes_path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(vote, ensure_ascii=False) + "\n")
        return vote

    def votes(self) -> list[dict[str, Any]]:
        if not self.votes_path.is_file():
            return []
        text = self.votes_path.read_text(encoding="utf-8")
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    def request_stop(self) -> None:
        self.stop_path.touch()
        status = self.status()
        if status.get("state") in ("queued", "running"):
            self.update_status(state="stopping")
        elif status.get("report") in ("queued", "running"):  # the worker ends the report at its next batch
            self.update_status(report="stopping")

    @property
    def stop_requested(self) -> bool:
        return self.stop_path.exists()
