"""The one device and dtype policy: where a process trains, evaluates and chats, and in which precision.

- Training runs on the GPUs its job was given (the job sets CUDA_VISIBLE_DEVICES before CUDA starts), in bf16
  autocast where the GPU has bf16 in hardware, fp16 on older GPUs (T4, V100), fp32 on the CPU.
- Evaluation and chat load the weights in bf16 (fp16 where bf16 is not native) onto a GPU, fp32 on the CPU;
  inputs follow `model.device`.
- A process that is not a training job (the app, `ftcore probe`) takes a GPU through the same inventory and locks
  as training runs: a free GPU first; a GPU a run is using only where the memory that run leaves holds the model;
  otherwise the CPU (with a note saying why) or, when the user asked for a GPU, it waits.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from ftcore.errors import UserError
from ftcore.messages import Text
from ftcore.runs import devices as inventory
from ftcore.settings import Settings

GiB = 2**30
PREFERENCES = ("auto", "gpu", "cpu")  # auto: a GPU when one has room, else the CPU; gpu: wait for one
SHARE_MARGIN = 1.0  # GiB kept free on a GPU shared with a training run, beyond its planned peak
CHAT_OVERHEAD = 0.5  # GiB for the KV cache, activations and the CUDA context of a chat model


def prepare_process() -> None:
    """Before this process first touches CUDA: number GPUs as NVML and nvidia-smi do, so that an inventory
    index is a CUDA ordinal."""
    os.environ.setdefault("CUDA_DEVICE_ORDER", "PCI_BUS_ID")


def cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


def native_bf16() -> bool:
    """bf16 in hardware on this process's GPU: `is_bf16_supported()` alone counts emulation (T4, V100)."""
    import torch

    return torch.cuda.is_available() and torch.cuda.is_bf16_supported(including_emulation=False)


def training_flags(settings: Settings) -> tuple[bool, bool, int]:
    """(cuda, native bf16, GPU count) in a training process, whose devices are fixed already. A job given GPUs
    whose PyTorch cannot use them fails here, with the fix, instead of training for hours on the CPU."""
    import torch

    cuda = torch.cuda.is_available()
    given = [d for d in settings.devices if d.startswith("cuda")]
    if given and not cuda:
        raise UserError("placement.cpu_torch", gpus=", ".join(given), built=torch.version.cuda or "none")
    return cuda, native_bf16(), torch.cuda.device_count() if cuda else 0


def inventory_flags(found: list[inventory.Device]) -> tuple[bool, bool, int]:
    """The same from the inventory, without starting CUDA (the launching process, the plan panel). A machine
    with GPUs and a CPU-only PyTorch is refused before anything starts."""
    gpus = [d for d in found if d.is_gpu]
    if gpus:
        import torch

        if not torch.backends.cuda.is_built():
            raise UserError("placement.cpu_torch", gpus=", ".join(d.id for d in gpus), built="none")
    return bool(gpus), bool(gpus) and all(d.native_bf16 for d in gpus), len(gpus)


def auto_precision(found: list[inventory.Device]) -> str:
    """What `precision: auto` trains in on these devices."""
    gpus = [d for d in found if d.is_gpu]
    if not gpus:
        return "fp32"
    return "bf16" if all(d.native_bf16 for d in gpus) else "fp16"


def eval_dtype(device: str):
    import torch

    if str(device).startswith("cuda"):
        return torch.bfloat16 if native_bf16() else torch.float16
    return torch.float32


def training_device() -> str:
    """Where the report of a training process evaluates: its own first GPU, or the CPU."""
    return "cuda:0" if cuda_available() else "cpu"


def release_cuda_memory() -> None:
    """After the training model is gone: collect its cycles and give the cached blocks back, so that the
    report's models find the memory."""
    import gc

    gc.collect()
    if cuda_available():
        import torch

        torch.cuda.empty_cache()


@dataclass
class Placement:
    device: str  # "cuda:N" (an ordinal of this process) or "cpu"
    gpu: inventory.Device | None = None
    allocation: inventory.Allocation | None = None  # held while the model lives there; None when shared
    note: Text | None = None  # why it is where it is, when that is not the obvious place
    need_gb: float = 0.0

    def release(self) -> None:
        if self.allocation is not None:
            self.allocation.release()
            self.allocation = None


def for_inference(settings: Settings, need_gb: float, prefer: str = "auto", *, reuse: Placement | None = None,
                  used_gb: float = 0.0, wait_s: float = 600.0, poll: float = 2.0, share: bool = True,
                  holder: str = "chat") -> Placement:
    """A device for a model of `need_gb` in this process. `reuse`: a GPU this process holds already, with
    `used_gb` of it taken by its other models. share=False never goes onto a GPU a training run holds (a
    long-lived server, whose traffic the run's plan does not know)."""
    if prefer not in PREFERENCES:
        raise UserError("placement.preference", value=prefer, choices=", ".join(PREFERENCES))
    found = inventory.detect()
    gpus = [d for d in found if d.is_gpu]
    if not gpus or prefer == "cpu":
        return Placement("cpu", need_gb=need_gb)
    prepare_process()
    deadline = time.monotonic() + wait_s
    while True:
        if reuse is not None and reuse.gpu is not None and used_gb + need_gb <= reuse.gpu.memory_gb * 0.9:
            return Placement(reuse.device, reuse.gpu, None, need_gb=need_gb)
        free = next(((d, a) for d in gpus if (a := inventory.try_lock(settings, [d], 1, holder=holder))), None)
        if free:
            gpu, allocation = free
            return Placement(_ordinal(gpu, gpus), gpu, allocation, need_gb=need_gb)
        shared = next((d for d in gpus if share and room_beside_run(settings, d) >= need_gb), None)
        if shared:
            return Placement(_ordinal(shared, gpus), shared, None, Text("placement.shared", gpu=shared.id),
                             need_gb=need_gb)
        if prefer == "auto":
            return Placement("cpu", note=Text("placement.gpus_busy"), need_gb=need_gb)
        if time.monotonic() > deadline:
            raise UserError("placement.wait_timeout", seconds=round(wait_s))
        time.sleep(poll)


def _ordinal(gpu: inventory.Device, gpus: list[inventory.Device]) -> str:
    return f"cuda:{gpus.index(gpu)}"


def room_beside_run(settings: Settings, gpu: inventory.Device) -> float:
    """GiB a model may take on a GPU that a training run holds: what the run's planned peak leaves (less a
    margin), and never more than is free now. 0 when the run has no plan or another kind of holder has it."""
    holder = inventory.holder(settings, gpu)
    if not holder or holder == "chat":
        return 0.0
    from ftcore.runs.store import Run

    predicted = (Run(holder, settings.runs_dir / holder).plan().get("predicted") or {}).get("total")
    if not predicted:
        return 0.0
    room = gpu.memory_gb - predicted / GiB - SHARE_MARGIN
    if gpu.free_gb is not None:
        room = min(room, gpu.free_gb - SHARE_MARGIN)
    return max(room, 0.0)


def inference_gb(location: str | Path, dtype_bytes: int = 2) -> float:
    """Memory a model needs for chat and evaluation: its weights at `dtype_bytes` per parameter (counted from the
    safetensors headers, nothing loaded) and a fixed allowance for the cache and activations."""
    from safetensors import safe_open

    params = 0
    for path in Path(location).glob("*.safetensors") if Path(location).is_dir() else []:
        with safe_open(str(path), framework="pt") as f:
            for key in f.keys():
                shape = f.get_slice(key).get_shape()
                count = 1
                for size in shape:
                    count *= size
                params += count
    return params * dtype_bytes / GiB + CHAT_OVERHEAD
