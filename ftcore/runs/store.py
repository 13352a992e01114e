"""The run store: one folder per run under $FTCORE_HOME/runs, the contract between worker and UI/CLI.

status.json is replaced atomically; events.jsonl is append-only; STOP asks the worker to checkpoint and stop.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ftcore._atomic import write_json, write_text
from ftcore.config import RunConfig
from ftcore.errors import UserError
from ftcore.messages import Bilingual, Localizable, Text, localize, restore
from ftcore.redact import redact_fields
from ftcore.runs.liveness import worker_alive
from ftcore.settings import Settings

ACTIVE = ("queued", "running", "stopping")
META_FILE = "fulltune.json"  # beside a model this app wrote: the config, data and hardware it came from
CHECKPOINT_META = META_FILE  # marks a checkpoint this app wrote
FINISHED = ("done", "failed", "cancelled")
# a blend of the base and one of the run's models, as a model reference: RUN/blend-0.5, RUN/blend-0.5-checkpoint-40
BLEND_REF = re.compile(r"([\w.-]+)/blend-(\d+(?:\.\d+)?)(?:-(checkpoint-\d+))?")
# status "report": the end-of-run report, which runs after the model is done (state "done": usable at once) and
# is absent when none was asked for
REPORT_STATES = ("queued", "running", "stopping", "done", "stopped", "failed")
REPORT_BUSY = ("queued", "running", "stopping")


def busy(status: dict[str, Any]) -> bool:
    """Whether a run's worker is still at work on it: training (queued, running, stopping), or the model done and
    its report running; the worker holds the run's devices until then."""
    return status.get("state") in ACTIVE or status.get("report") in REPORT_BUSY


def status_error(status: dict[str, Any]) -> Bilingual | None:
    """Why a run stopped or failed, as its status keeps it, in English and (for the engine's own texts) Chinese."""
    return Bilingual(status["error"], status.get("error_zh")) if status.get("error") else None


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


def blend_name(alpha: float, source: str = "final") -> str:
    """A blend's name in the report and in its model reference: blend-0.5 (of the final model), or
    blend-0.5-checkpoint-40 (of that checkpoint)."""
    return f"blend-{alpha:g}" + ("" if source == "final" else f"-{source}")


def parse_blend_ref(ref: str) -> tuple[str, float, str] | None:
    """(run id, alpha, source: final or checkpoint-N) of a blend reference, or None for any other text."""
    found = BLEND_REF.fullmatch((ref or "").strip())
    return (found[1], float(found[2]), found[3] or "final") if found else None


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


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


class RunStore:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.root = settings.runs_dir

    def create(self, config: RunConfig, extra_files: dict[str, str] | None = None, run_id: str | None = None) -> Run:
        """Write the run folder aside, then make it visible in one rename. A given run_id is used exactly (the
        nodes of a multi-node run agree on it) and refused when taken."""
        self.root.mkdir(parents=True, exist_ok=True)
        if run_id and (self.root / run_id).exists():
            raise UserError("runs.exists_resume", run=run_id)
        base = run_id or f"{datetime.now().strftime('%Y%m%d-%H%M%S')}-{slug(config.name or 'run')}"
        staging = self.root / f".new-{base}-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        try:
            write_text(staging / "config.yaml", config.to_yaml())
            for name, text in (extra_files or {}).items():
                write_text(staging / name, text)
            write_json(staging / "status.json", {"state": "queued", "step": 0, "epoch": 0.0, "pid": None,
                                                 "error": None, "created": now(), "started": None, "ended": None})
            (staging / "events.jsonl").touch()
            fixed, run_id, suffix = run_id is not None, base, 1
            while True:
                try:
                    os.rename(staging, self.root / run_id)  # fails if the name is taken
                    break
                except OSError:
                    if not (self.root / run_id).exists():
                        raise
                    if fixed:
                        raise UserError("runs.exists", run=run_id) from None
                    suffix += 1
                    run_id = f"{base}-{suffix}"
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return Run(run_id, self.root / run_id)

    def get(self, run_id: str) -> Run:
        if not re.fullmatch(r"[\w.-]+", run_id or "") or run_id.startswith("."):
            raise UserError("runs.bad_id", run=run_id)
        path = self.root / run_id
        if not (path / "config.yaml").is_file():
            raise UserError("runs.missing", run=run_id, root=self.root)
        return Run(run_id, path)

    def model(self, ref: str) -> Run:
        """A run opened for one of its models: RUN (its final model) or a blend reference (RUN/blend-0.5)."""
        parsed = parse_blend_ref(ref)
        if parsed is None:
            return self.get(ref)
        run = self.get(parsed[0])
        return replace(run, model=blend_name(parsed[1], parsed[2]))

    def list(self) -> list[Run]:
        if not self.root.is_dir():
            return []
        runs = [Run(p.name, p) for p in self.root.iterdir()
                if p.is_dir() and not p.name.startswith(".") and (p / "config.yaml").is_file()]
        return sorted(runs, key=lambda r: r.id, reverse=True)


def config_digest(run: Run) -> str:
    return hashlib.sha256((run.dir / "config.yaml").read_bytes()).hexdigest()


def slug(name: str) -> str:
    text = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return text[:40] or "run"
