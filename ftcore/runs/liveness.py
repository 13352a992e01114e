"""Whether a run's worker is alive, judged at each read from its host, pid and process start time (readers never
write): another node's run is not judged here, and a pid reused after a worker died is not taken for it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ftcore.settings import this_node


def process_start(pid: int | None) -> int | None:
    """When a process started (clock ticks since boot, /proc/PID/stat field 22): with the pid it names one
    process, so a pid reused after a worker died is not taken for that worker."""
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError, TypeError):
        return None


def worker_alive(status: dict[str, Any]) -> bool | None:
    """Whether the worker a status names is running: True/False on the machine that started it, None elsewhere
    (another node sharing the workspace cannot see its processes, so it must not judge)."""
    pid = status.get("pid")
    if not pid:
        return False
    if status.get("host") and status["host"] != this_node():
        return None
    if not pid_alive(pid):
        return False
    started = status.get("pid_start")
    return started is None or process_start(pid) in (None, started)


def pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # an exited child that nobody reaped yet is a zombie, not a worker
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except (OSError, IndexError):
        return True
