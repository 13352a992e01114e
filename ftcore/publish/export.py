"""An offline export of a finished run's model: a folder or a .zip with exactly what a push would upload."""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

from ftcore.errors import UserError
from ftcore.publish.card import write_card
from ftcore.publish.files import final_folder
from ftcore.publish.push import files_to_publish
from ftcore.runs.store import Run


def export(run: Run, out: Path, settings=None) -> Path:
    """The model repository's files as a folder or a .zip (written aside, then renamed into place)."""
    out = Path(out).expanduser().resolve()
    final_folder(run)
    if not (run.model_dir / "README.md").is_file():
        write_card(run, settings)
    files = files_to_publish(run)
    if out.exists() and (out.is_file() or any(out.iterdir())):
        raise UserError("hub.export_exists", path=out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.with_name(f".{out.name}.partial-{os.getpid()}")
    try:
        if out.suffix == ".zip":
            with zipfile.ZipFile(staging, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for path in files:
                    archive.write(path, arcname=f"{run.id}/{path.name}")
        else:
            staging.mkdir()
            for path in files:
                shutil.copy2(path, staging / path.name)
        if out.exists():
            out.rmdir()
        os.replace(staging, out)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True) if staging.is_dir() else staging.unlink()
    return out


# ---------------------------------------------------------------------------------------------------------- space

