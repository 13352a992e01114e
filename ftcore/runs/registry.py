"""The runs of a workspace: a new run folder made visible in one rename, a run opened by id or model reference,
and the list of runs, newest first."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from dataclasses import replace
from datetime import datetime

from ftcore._atomic import write_json, write_text
from ftcore.config import RunConfig
from ftcore.errors import UserError
from ftcore.runs.state import blend_name, now, parse_blend_ref
from ftcore.runs.store import Run
from ftcore.settings import Settings


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
            staged = Run(base, staging)
            write_text(staged.config_path, config.to_yaml())
            for name, text in (extra_files or {}).items():
                write_text(staging / name, text)
            write_json(staged.status_path, {"state": "queued", "step": 0, "epoch": 0.0, "pid": None,
                                                 "error": None, "created": now(), "started": None, "ended": None})
            staged.events_path.touch()
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
        run = Run(run_id, self.root / run_id)
        if not run.config_path.is_file():
            raise UserError("runs.missing", run=run_id, root=self.root)
        return run

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
        runs = [Run(p.name, p) for p in self.root.iterdir() if p.is_dir() and not p.name.startswith(".")]
        runs = [r for r in runs if r.config_path.is_file()]
        return sorted(runs, key=lambda r: r.id, reverse=True)


def config_digest(run: Run) -> str:
    return hashlib.sha256(run.config_path.read_bytes()).hexdigest()


def slug(name: str) -> str:
    text = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return text[:40] or "run"
