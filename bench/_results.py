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


def record(command: str, numbers: str, ratio: str = "") -> None:
    if not RESULTS.exists():
        RESULTS.write_text(HEADER, encoding="utf-8")
    with open(RESULTS, "a", encoding="utf-8") as handle:
        handle.write(f"| {date.today()} | {machine()} | {command} | {numbers} | {ratio} |\n")
