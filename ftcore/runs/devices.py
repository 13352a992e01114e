"""What this machine can train on, and the queue in front of it.

The GPU inventory comes from NVML (nvidia-ml-py) or, without it, from `nvidia-smi`: neither starts CUDA, so the
process that waits in the queue can still choose which GPUs its training process will see. An inherited
`CUDA_VISIBLE_DEVICES` (SLURM, containers; indices or UUIDs) limits the inventory to those GPUs, and a run's
devices are handed to its training process by UUID, which means the same card whatever CUDA's device order is.

A run holds its GPUs (or the CPU) through lock files in one folder for the whole machine (FTCORE_LOCK_DIR, else the
system temp folder: two workspaces on one machine share the GPUs), named by node and physical GPU,
until its worker exits, and waits as `queued`, oldest first, until they are free. Locks are `flock`s, so a worker
that dies for any reason frees its devices; the queue lives in the run folders' status files and in the waiting
worker processes themselves, so it survives a restart of the app.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ftcore.errors import UserError
from ftcore.messages import Text
from ftcore.runs.liveness import pid_alive
from ftcore.runs.registry import RunStore
from ftcore.runs.store import Run
from ftcore.settings import Settings

INVENTORY_TTL_S = 5.0  # the UI asks on every settings change; the hardware does not change that fast
_cache: dict[tuple, tuple[float, list]] = {}


@dataclass(frozen=True)
class Device:
    id: str  # "cuda3": physical GPU 3 as NVML and nvidia-smi number it; or "cpu"
    name: str
    memory_gb: float
    uuid: str = ""  # "GPU-…": what CUDA_VISIBLE_DEVICES and the lock files name
    capability: tuple[int, int] | None = None  # CUDA compute capability
    free_gb: float | None = None  # free memory when the inventory was taken

    @property
    def is_gpu(self) -> bool:
        return self.id.startswith("cuda")

    @property
    def native_bf16(self) -> bool:
        """bf16 in hardware (Ampere and newer); T4 and V100 only emulate it, slowly."""
        return self.is_gpu and self.capability is not None and self.capability >= (8, 0)

    @property
    def lock_name(self) -> str:
        return self.uuid or self.id


def detect(env: Mapping[str, str] | None = None) -> list[Device]:
    """The GPUs this process may use (honouring CUDA_VISIBLE_DEVICES), or the CPU when there is none. Never
    initialises CUDA."""
    env = os.environ if env is None else env
    key = (env.get("CUDA_VISIBLE_DEVICES"), env.get("PATH"))
    hit = _cache.get(key)
    if hit and time.monotonic() - hit[0] < INVENTORY_TTL_S:
        return list(hit[1])
    gpus = _nvml()
    if gpus is None:
        gpus = _nvidia_smi(env.get("PATH"))
    found = visible(gpus or [], env.get("CUDA_VISIBLE_DEVICES")) or [cpu_device()]
    _cache[key] = (time.monotonic(), found)
    return list(found)


def cpu_device() -> Device:
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        total = 0.0
    return Device("cpu", f"CPU ({os.cpu_count()} cores)", round(total, 1))


def _nvml() -> list[Device] | None:
    """GPUs through NVML; None when the library or the driver is not there."""
    try:
        import pynvml
    except ImportError:
        return None
    try:
        pynvml.nvmlInit()
    except Exception:  # no driver (NVMLError_LibraryNotFound / DriverNotLoaded): not a GPU machine
        return None
    try:
        out = []
        for i in range(pynvml.nvmlDeviceGetCount()):
            handle = pynvml.nvmlDeviceGetHandleByIndex(i)
            name, uuid = pynvml.nvmlDeviceGetName(handle), pynvml.nvmlDeviceGetUUID(handle)
            memory = pynvml.nvmlDeviceGetMemoryInfo(handle)
            try:
                capability = tuple(pynvml.nvmlDeviceGetCudaComputeCapability(handle))
            except Exception:
                capability = None
            out.append(Device(f"cuda{i}", _text(name), round(memory.total / 2**30, 1), _text(uuid), capability,
                              round(memory.free / 2**30, 1)))
        return out
    except Exception:
        return None
    finally:
        try:
            pynvml.nvmlShutdown()
        except Exception:
            pass


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _nvidia_smi(path: str | None) -> list[Device] | None:
    """GPUs through `nvidia-smi` (its index is the physical one; it ignores CUDA_VISIBLE_DEVICES)."""
    exe = shutil.which("nvidia-smi", path=path)
    if exe is None:
        return None
    fields = "index,uuid,name,memory.total,memory.free,compute_cap"
    for query in (fields, fields.removesuffix(",compute_cap")):  # drivers before 510 lack compute_cap
        try:
            done = subprocess.run([exe, f"--query-gpu={query}", "--format=csv,noheader,nounits"],
                                  capture_output=True, text=True, timeout=15)
        except (OSError, subprocess.TimeoutExpired):
            return None
        if done.returncode == 0:
            return [d for d in map(_smi_row, done.stdout.splitlines()) if d is not None]
    return None


def _smi_row(line: str) -> Device | None:
    parts = [p.strip() for p in line.split(",")]
    if len(parts) < 5 or not parts[0].isdigit():
        return None
    capability = None
    if len(parts) > 5 and "." in parts[5]:
        major, minor = parts[5].split(".", 1)
        capability = (int(major), int(minor)) if major.isdigit() and minor.isdigit() else None

    def gib(text: str) -> float | None:
        try:
            return round(float(text) / 1024, 1)  # MiB
        except ValueError:
            return None

    return Device(f"cuda{parts[0]}", parts[2], gib(parts[3]) or 0.0, parts[1], capability, gib(parts[4]))


def visible(gpus: list[Device], spec: str | None) -> list[Device]:
    """The GPUs CUDA_VISIBLE_DEVICES names, in its order (indices or GPU-UUID prefixes, as CUDA reads them:
    the list ends at the first entry that names no GPU). None: all of them."""
    if spec is None:
        return list(gpus)
    out: list[Device] = []
    for entry in (e.strip() for e in spec.split(",")):
        if entry.isdigit():
            match = [g for g in gpus if g.id == f"cuda{int(entry)}"]
        elif entry.startswith("GPU-"):
            match = [g for g in gpus if g.uuid.startswith(entry)]
        else:
            match = []
        if len(match) != 1 or match[0] in out:
            break
        out.append(match[0])
    return out


def describe(devices: list[Device]) -> str:
    return ", ".join(f"{d.id}: {d.name}, {d.memory_gb:g} GiB" for d in devices)


@dataclass
class Allocation:
    devices: list[Device]
    handles: list[int] = field(default_factory=list)

    @property
    def ids(self) -> list[str]:
        return [d.id for d in self.devices]

    @property
    def cuda_visible(self) -> str | None:
        gpus = [d.uuid or d.id.removeprefix("cuda") for d in self.devices if d.is_gpu]
        return ",".join(gpus) if gpus else None

    def release(self) -> None:
        for fd in self.handles:
            os.close(fd)  # closing the descriptor drops the flock
        self.handles.clear()


def child_env(base: Mapping[str, str], allocation: Allocation) -> dict[str, str]:
    """The environment of the process that trains on `allocation`: it sees exactly those GPUs (by UUID), or none
    for a CPU run, and PyTorch's allocator grows segments instead of fragmenting them."""
    env = dict(base)
    env["FTCORE_DEVICES"] = ",".join(allocation.ids)
    visible_ids = allocation.cuda_visible
    env["CUDA_VISIBLE_DEVICES"] = visible_ids if visible_ids is not None else ""
    env["CUDA_DEVICE_ORDER"] = "PCI_BUS_ID"
    env["DS_ACCELERATOR"] = "cuda" if visible_ids else "cpu"  # DeepSpeed need not guess (and warn) on import
    if visible_ids is not None and "expandable_segments" not in env.get("PYTORCH_ALLOC_CONF", ""):
        env["PYTORCH_ALLOC_CONF"] = ",".join(filter(None, [env.get("PYTORCH_ALLOC_CONF"),
                                                           "expandable_segments:True"]))
    return env


def slots_needed(run: Run, devices: list[Device]) -> int:
    nproc = run.config().dist.nproc
    if not devices[0].is_gpu:
        return 1  # the CPU is one slot: a second run would only halve the speed of both
    if nproc > len(devices):
        raise UserError("devices.too_many", nproc=nproc, gpus=len(devices))
    return nproc


def acquire(run: Run, settings: Settings, devices: list[Device], stop_requested, poll: float = 1.0
            ) -> Allocation | None:
    """Wait, as `queued`, until this run is the oldest waiting one and enough devices are free; then hold them.
    Returns None when a stop was requested while waiting."""
    need = slots_needed(run, devices)
    announced = False
    while True:
        if stop_requested():
            return None
        if _first_in_line(run, settings):
            allocation = try_lock(settings, devices, need, holder=run.id)
            if allocation:
                return allocation
        if not announced:
            busy = ", ".join(d.id for d in devices)
            run.note(Text("notes.queued", need=need, busy=busy))
            announced = True
        time.sleep(poll)


def lock_path(settings: Settings, device: Device) -> Path:
    # machine-wide (not per workspace), and named by node: nodes that share a lock folder on shared storage
    # never lock each other's devices
    return settings.lock_dir / f"{settings.node_name}-{device.lock_name}.lock"


def _lock_dir(settings: Settings) -> None:
    """The machine-wide lock folder, writable by every user of the machine (sticky, like /tmp)."""
    if not settings.lock_dir.is_dir():
        settings.lock_dir.mkdir(parents=True, exist_ok=True)
        try:
            os.chmod(settings.lock_dir, 0o1777)
        except OSError:
            pass


def try_lock(settings: Settings, devices: list[Device], need: int, holder: str = "") -> Allocation | None:
    """Lock `need` of `devices` without waiting, or none of them. The holder (a run id, or `chat`) is written
    into each lock file so that others can tell who uses a GPU."""
    _lock_dir(settings)
    allocation = Allocation(devices=[])
    for device in devices:
        fd = os.open(lock_path(settings, device), os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        os.ftruncate(fd, 0)
        os.pwrite(fd, holder.encode(), 0)
        allocation.devices.append(device)
        allocation.handles.append(fd)
        if len(allocation.devices) == need:
            return allocation
    allocation.release()
    return None


def holder(settings: Settings, device: Device) -> str | None:
    """Who holds a device's lock now (a run id or `chat`), or None when it is free."""
    path = lock_path(settings, device)
    if not path.is_file():
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return path.read_text(encoding="utf-8", errors="replace").strip() or "?"
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


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
