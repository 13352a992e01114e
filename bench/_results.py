"""Append a dated row to bench/RESULTS.md (machine, command, numbers, ratio)."""

from __future__ import annotations

import os
import platform
from datetime import date
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
HEADER = "# Benchmark results\n\n| date | machine | command | numbers | ratio |\n|---|---|---|---|---|\n"


def machine() -> str:
    try:
        import torch

        if torch.cuda.is_available():
            return f"{torch.cuda.get_device_name(0)} x{torch.cuda.device_count()}"
    except ImportError:
        pass
    return f"{platform.node() or 'cpu'} ({os.cpu_count()} cores, CPU)"


def record(command: str, numbers: str, ratio: str = "", first: bool = False) -> None:
    """Append a row; with `first`, put it at the top of the table (the side-by-side with a peer tool leads)."""
    if not RESULTS.exists():
        RESULTS.write_text(HEADER, encoding="utf-8")
    row = f"| {date.today()} | {machine()} | {command} | {numbers} | {ratio} |"
    lines = RESULTS.read_text(encoding="utf-8").splitlines()
    at = next((i + 1 for i, line in enumerate(lines) if line.startswith("|---")), len(lines)) if first else len(lines)
    RESULTS.write_text("\n".join([*lines[:at], row, *lines[at:]]) + "\n", encoding="utf-8")
