"""Checkpoints that can be trusted on resume: every file's sha256 is recorded (and the files flushed to disk)
before the checkpoint is renamed into place, and checked before a run resumes from it; the newest checkpoint
that verifies is taken, saying which were skipped and why."""

from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .errors import UserError
from .runs import CHECKPOINT_META, Run

CHUNK = 8 * 2**20


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name != CHECKPOINT_META)


def seal(folder: Path) -> dict[str, str]:
    """sha256 of every file (relative path -> hex), each file fsynced; hashed in parallel (hashlib releases the
    GIL), since a sharded checkpoint holds one large optimizer file per rank."""
    files = _files(folder)

    def one(path: Path) -> tuple[str, str]:
        with open(path, "rb") as handle:
            os.fsync(handle.fileno())
        return str(path.relative_to(folder)), _sha256(path)

    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        return dict(pool.map(one, files))


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def problem(folder: Path) -> str | None:
    """Why a checkpoint cannot be trusted (a file missing, changed, or one more than was written), or None."""
    meta_path = folder / CHECKPOINT_META
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "its metadata is missing or unreadable"
    recorded = meta.get("files")
    if recorded is None:
        return None  # written before checksums were kept: trusted as before
    present = {str(p.relative_to(folder)) for p in _files(folder)}
    for name in sorted(set(recorded) - present):
        return f"{name} is missing"
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        actual = dict(zip(recorded, pool.map(lambda n: _sha256(folder / n), recorded), strict=True))
    for name, digest in recorded.items():
        if actual[name] != digest:
            return f"{name} does not match what was written (sha256 {actual[name][:12]} != {digest[:12]})"
    return None


def listed(run: Run) -> list[Path]:
    """This app's checkpoints of a run (they carry its metadata file), newest first."""
    found = [p for p in run.checkpoints_dir.glob("checkpoint-*") if (p / CHECKPOINT_META).is_file()]
    return sorted(found, key=lambda p: int(p.name.split("-")[-1]), reverse=True)


def choose(run: Run, step: int | None = None) -> tuple[Path | None, list[tuple[str, str]]]:
    """The checkpoint to resume from: step N when asked (refused when it does not verify), else the newest that
    verifies. Returns it (None when there is none) and the (name, problem) of each newer one skipped."""
    candidates = listed(run)
    if step is not None:
        wanted = [p for p in candidates if p.name == f"checkpoint-{step}"]
        if not wanted:
            raise UserError("checkpoints.no_such", run=run.id, step=step,
                            steps=", ".join(p.name.split("-")[-1] for p in candidates) or "none")
        trouble = problem(wanted[0])
        if trouble:
            raise UserError("checkpoints.corrupt", checkpoint=wanted[0].name, problem=trouble)
        return wanted[0], []
    skipped = []
    for path in candidates:
        trouble = problem(path)
        if trouble is None:
            return path, skipped
        skipped.append((path.name, trouble))
    return None, skipped
