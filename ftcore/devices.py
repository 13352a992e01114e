"""What this machine can train on, and the queue in front of it: a run holds its GPUs (or the CPU) through lock
files under $FTCORE_HOME/devices until its worker exits, and waits as `queued`, oldest first, until they are free.

Locks are `flock`s, so a worker that dies for any reason frees its devices; the queue lives in the run folders'
status files and in the waiting worker processes themselves, so it survives a restart of the app.
"""

from __future__ import annotations

import fcntl
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from .errors import UserError
from .runs import Run, RunStore, pid_alive
from .settings import Settings


@dataclass(frozen=True)
class Device:
    id: str  # "cuda0", "cuda1", ... or "cpu"
    name: str
    memory_gb: float


def detect() -> list[Device]:
    """The GPUs this process may use, or the CPU when there is none."""
    import torch

    if torch.cuda.is_available():
        return [Device(f"cuda{i}", torch.cuda.get_device_name(i),
                       round(torch.cuda.get_device_properties(i).total_memory / 2**30, 1))
                for i in range(torch.cuda.device_count())]
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        total = 0.0
    return [Device("cpu", f"CPU ({os.cpu_count()} cores)", round(total, 1))]


def describe(devices: list[Device]) -> str:
    return ", ".join(f"{d.id}: {d.name}, {d.memory_gb:g} GiB" for d in devices)


@dataclass
class Allocation:
    devices: list[str]
    handles: list[int] = field(default_factory=list)

    @property
    def cuda_visible(self) -> str | None:
        ids = [d.removeprefix("cuda") for d in self.devices if d.startswith("cuda")]
        return ",".join(ids) if ids else None

    def release(self) -> None:
        for fd in self.handles:
            os.close(fd)  # closing the descriptor drops the flock
        self.handles.clear()


def slots_needed(run: Run, devices: list[Device]) -> int:
    nproc = run.config().dist.nproc
    if devices[0].id == "cpu":
        return 1  # the CPU is one slot: a second run would only halve the speed of both
    if nproc > len(devices):
        raise UserError("devices.too_many", nproc=nproc, gpus=len(devices))
    return nproc


def acquire(run: Run, settings: Settings, devices: list[Device], stop_requested, poll: float = 1.0
            ) -> Allocation | None:
    """Wait, as `queued`, until this run is the oldest waiting one and enough devices are free; then hold them.
    Returns None when a stop was requested while waiting."""
    need = slots_needed(run, devices)
    folder = settings.home / "devices"
    folder.mkdir(parents=True, exist_ok=True)
    announced = False
    while True:
        if stop_requested():
            return None
        if _first_in_line(run, settings):
            allocation = _try_lock(folder, [f"{settings.node_name}-{d.id}" for d in devices], need)
            if allocation:
                return allocation
        if not announced:
            busy = ", ".join(d.id for d in devices)
            run.append_event("message", text=f"Queued: waiting for {need} free device(s) of {busy}.")
            announced = True
        time.sleep(poll)


def _try_lock(folder: Path, ids: list[str], need: int) -> Allocation | None:
    allocation = Allocation(devices=[])
    for device in ids:
        # the node name keeps nodes that share one workspace from locking each other's devices
        fd = os.open(folder / f"{device}.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        allocation.devices.append(device.rsplit("-", 1)[-1])
        allocation.handles.append(fd)
        if len(allocation.devices) == need:
            return allocation
    allocation.release()
    return None


def _first_in_line(run: Run, settings: Settings) -> bool:
    """No older run is waiting: runs start in the order they were queued."""
    mine = run.status().get("queued_at") or ""
    for other in RunStore(settings).list():
        if other.id == run.id:
            continue
        status = other.status()
        theirs = status.get("queued_at") or ""
        if (status.get("state") == "queued" and pid_alive(status.get("pid")) and theirs
                and (theirs, other.id) < (mine, run.id)):
            return False
    return True
