"""Several processes, GPUs or nodes: the torchrun command line, DeepSpeed/FSDP settings for the Trainer, and the
few collective calls the callbacks need so that every rank takes the same decision at the same step."""

from __future__ import annotations

import json
import os
import sys
from importlib import resources
from pathlib import Path
from typing import Any

from .config import DistConfig


def rank() -> int:
    return int(os.environ.get("RANK", "0"))


def is_main() -> bool:
    """Global rank 0 writes the run folder; the other ranks only train."""
    return rank() == 0


def deepspeed_preset_name(dist: DistConfig) -> str | None:
    if not dist.strategy.startswith("zero"):
        return None
    return dist.strategy + ("" if dist.offload == "none" else f"_offload_{dist.offload}")


def deepspeed_presets() -> list[str]:
    folder = resources.files("ftcore") / "presets" / "deepspeed"
    return sorted(p.name.removesuffix(".json") for p in folder.iterdir() if p.name.endswith(".json"))


def deepspeed_config(dist: DistConfig) -> dict[str, Any] | None:
    """The shipped DeepSpeed JSON for this strategy and offload ("auto" values are filled in by the Trainer)."""
    name = deepspeed_preset_name(dist)
    if name is None:
        return None
    text = (resources.files("ftcore") / "presets" / "deepspeed" / f"{name}.json").read_text(encoding="utf-8")
    return json.loads(text)


def fsdp_arguments(model) -> dict[str, Any]:
    """TrainingArguments for FSDP: shard everything, wrap each decoder layer."""
    layer = type(model.get_decoder().layers[0]).__name__
    return {"fsdp": "full_shard auto_wrap",
            "fsdp_config": {"transformer_layer_cls_to_wrap": [layer], "use_orig_params": True,
                            "sync_module_states": True, "state_dict_type": "FULL_STATE_DICT"}}


def torchrun_command(run_dir: Path, dist: DistConfig, resume: str | None = None) -> list[str]:
    """The launch line each node runs: its local ranks, each `python -m ftcore.worker RUN_DIR --rank`."""
    if dist.nnodes == 1:
        where = ["--standalone"]
    else:
        where = ["--nnodes", str(dist.nnodes), "--node-rank", str(dist.node_rank),
                 "--master-addr", dist.master_addr, "--master-port", str(dist.master_port)]
    return [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", str(dist.nproc), *where,
            "-m", "ftcore.worker", str(run_dir), "--rank", *(["--resume", resume] if resume else [])]


def sync_any(*flags: bool) -> list[bool]:
    """Each flag becomes true on every rank when it is true on any rank (one small all-reduce)."""
    import torch
    import torch.distributed as td

    if not (td.is_available() and td.is_initialized()) or td.get_world_size() == 1:
        return list(flags)
    device = "cuda" if td.get_backend() == "nccl" else "cpu"
    tensor = torch.tensor([int(f) for f in flags], dtype=torch.int32, device=device)
    td.all_reduce(tensor, op=td.ReduceOp.MAX)
    return [bool(v) for v in tensor.tolist()]


def barrier() -> None:
    import torch.distributed as td

    if td.is_available() and td.is_initialized():
        td.barrier()
