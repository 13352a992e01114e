"""The app itself as a Gradio Space: a folder with app.py, ftcore/, ui/, the front matter and requirements."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from ftcore.errors import UserError

SPACE_KEYS = ("title", "sdk", "sdk_version", "app_file", "hf_oauth", "hf_oauth_scopes", "suggested_hardware",
              "models")


def source_root() -> Path:
    root = Path(__file__).resolve().parents[2]
    missing = [p for p in ("app.py", "ui", "spaces_config/README.md", "spaces_config/requirements.txt")
               if not (root / p).exists()]
    if missing:
        raise UserError("hub.space_source", root=root, missing=", ".join(missing))
    return root


def build_space(out: Path) -> Path:
    """A folder ready to push as a Gradio Space: app.py, ftcore/, ui/, README.md (front matter), requirements."""
    out = Path(out).expanduser().resolve()
    root = source_root()
    if out.exists() and any(out.iterdir()):
        raise UserError("hub.space_exists", path=out)
    staging = out.with_name(f".{out.name}.partial-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")
    try:
        staging.mkdir(parents=True)
        shutil.copy2(root / "app.py", staging / "app.py")
        for package in ("ftcore", "ui"):
            shutil.copytree(root / package, staging / package, ignore=ignore)
        shutil.copy2(root / "spaces_config" / "README.md", staging / "README.md")
        shutil.copy2(root / "spaces_config" / "requirements.txt", staging / "requirements.txt")
        if out.exists():
            out.rmdir()
        os.replace(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out


def space_front_matter(readme: Path) -> dict[str, Any]:
    """The Space README's YAML front matter, checked for the keys a Space needs."""
    import yaml

    text = readme.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        raise UserError("hub.no_front_matter", path=readme)
    meta = yaml.safe_load(text.split("---\n", 2)[1]) or {}
    missing = [k for k in SPACE_KEYS if k not in meta]
    if missing:
        raise UserError("hub.front_matter_lacks", path=readme, missing=", ".join(missing))
    return meta
