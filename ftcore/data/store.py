"""The workspace's datasets: data files copied in by content hash, and prepared datasets (checked, split,
augmented) that the Data tab hands to training."""

from __future__ import annotations

import json
import secrets
import shutil
from pathlib import Path

from ftcore._atomic import publish_dir, write_json, write_text
from ftcore.data import Example, fingerprint, write_jsonl
from ftcore.errors import UserError
from ftcore.runs.registry import slug
from ftcore.runs.state import now
from ftcore.settings import Settings


def stage_data_file(path: str | Path, settings: Settings) -> Path:
    """Copy a data file into the workspace under its content hash, so the run never depends on the original
    (an upload's temp file, a file the user edits later). The user's file name never becomes a path."""
    source = Path(path)
    if source.parent == settings.datasets_dir:  # staged already: named by its content, never changes
        return source
    target = settings.datasets_dir / f"{fingerprint(source)[:20]}{source.suffix.lower()}"
    if not target.is_file():
        settings.datasets_dir.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(target.suffix + ".partial")
        shutil.copyfile(source, partial)
        partial.replace(target)
    names = target.with_name(target.name + ".name")
    if not names.is_file():  # the name the user knows it by, for model cards (a name only, never a path)
        # a prepared dataset's file (train.jsonl, val.jsonl) is known by its dataset's name
        known = dataset_name(source) if (source.parent / "info.json").is_file() else source.stem
        write_text(names, slug(known) or "data")
    return target


def dataset_name(path: str | Path) -> str:
    """The name a staged or prepared data file is known by: its original file name, else its own stem."""
    path = Path(path)
    side = path.with_name(path.name + ".name")
    if side.is_file():
        return side.read_text(encoding="utf-8").strip() or path.stem
    info = path.parent / "info.json"  # a prepared dataset's folder
    if info.is_file():
        try:
            return slug(json.loads(info.read_text(encoding="utf-8")).get("name") or "") or path.stem
        except ValueError:
            pass
    return path.stem


def prepared_root(settings: Settings) -> Path:
    return settings.datasets_dir / "prepared"


def prepare_dataset(settings: Settings, examples: list[Example], name: str, *, val_ratio: float = 0.0,
                    augment_ops: list[str] | None = None, augment_factor: int = 1, seed: int = 42,
                    paraphrase=None, chat_template: str | None = None) -> str:
    """Split (stratified when labelled), augment the training side only, and write train/val JSONL files in
    canonical form; returns the dataset id. `chat_template`: the template the rows were checked with (tool
    calls need one with tool support), which runs on this dataset use."""
    from ftcore.data.augment import augment_examples
    from ftcore.data.split import split_examples

    if not examples:
        raise UserError("datasets.no_examples")
    train, val, dropped = examples, [], 0
    if val_ratio > 0:
        result = split_examples(examples, val_ratio, seed=seed)
        train, val = result.train, result.val
        dropped = result.dropped_augmented
    added = (augment_examples(train, augment_ops, augment_factor, seed=seed, paraphrase=paraphrase)
             if augment_ops else [])
    # the time, and a random part: two datasets of one name in one second must not replace each other
    dataset_id = f"{slug(name or 'dataset')}-{now()[:19].replace(':', '').replace('-', '')}-{secrets.token_hex(3)}"
    root = prepared_root(settings)
    staging = root / f".{dataset_id}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    write_jsonl(train + added, staging / "train.jsonl")
    if val:
        write_jsonl(val, staging / "val.jsonl")
    write_json(staging / "info.json", {"id": dataset_id, "name": name, "created": now(), "train": len(train),
                                       "augmented": len(added), "validation": len(val),
                                       "dropped_augmented": dropped, "augment_ops": augment_ops or [],
                                       "chat_template": chat_template})
    publish_dir(staging, root / dataset_id)
    return dataset_id


def prepared_datasets(settings: Settings) -> list[dict]:
    root = prepared_root(settings)
    if not root.is_dir():
        return []
    out = []
    for info in sorted(root.glob("*/info.json"), reverse=True):
        meta = json.loads(info.read_text(encoding="utf-8"))
        meta["train_file"] = str(info.parent / "train.jsonl")
        meta["val_file"] = str(info.parent / "val.jsonl") if (info.parent / "val.jsonl").is_file() else None
        out.append(meta)
    return out
