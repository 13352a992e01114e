"""Checkpoints that can be trusted on resume: every file's sha256 is recorded (and the files flushed to disk)
before the checkpoint is renamed into place, and checked before a run resumes from it; the newest checkpoint
that verifies is taken, saying which were skipped and why."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import torch

from ftcore._atomic import publish_dir
from ftcore.errors import UserError
from ftcore.runs.store import CHECKPOINT_META, Run
from ftcore.train.methods import merged

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
    return [p for p in reversed(run.checkpoints()) if (p / CHECKPOINT_META).is_file()]


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


def save_final(trainer, tokenizer, run: Run, meta: dict, save_precision: str = "fp32") -> None:
    """Write final/ aside and rename it into place: safetensors weights, tokenizer, chat template, metadata.

    Every rank takes part in gathering the weights (ZeRO-3 and FSDP hold a shard each); rank 0 writes them.
    """
    model = trainer.accelerator.unwrap_model(trainer.model)
    if hasattr(model, "merge_and_unload"):  # lora: adapters merged into plain weights
        model = merged(model)
        state = model.state_dict()
    else:
        wrapped = trainer.model_wrapped if trainer.is_deepspeed_enabled else trainer.model
        state = trainer.accelerator.get_state_dict(wrapped)
    if not run.writes:
        return
    tied = _tied_names(model)  # a gathered state dict may hold tied weights as separate copies
    dtype = torch.bfloat16 if save_precision == "bf16" else torch.float32
    state = {k: v.to(dtype) if v.is_floating_point() else v for k, v in state.items() if k not in tied}
    staging = run.dir / ".final.partial"
    shutil.rmtree(staging, ignore_errors=True)
    model.config.use_cache = True
    model.config.dtype = dtype
    model.save_pretrained(staging, state_dict=state, safe_serialization=True)
    tokenizer.save_pretrained(staging)
    (staging / "fulltune.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8")
    publish_dir(staging, run.final_dir)


def _tied_names(model) -> set[str]:
    """Names of parameters that are the same tensor as an earlier one (e.g. an output head tied to embeddings)."""
    seen, tied = set(), set()
    for name, param in model.named_parameters(remove_duplicate=False):
        (tied.add(name) if id(param) in seen else seen.add(id(param)))
    return tied
