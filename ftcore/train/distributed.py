"""Several processes, GPUs or nodes: the torchrun command line, DeepSpeed/FSDP settings for the Trainer, and the
few collective calls the callbacks need so that every rank takes the same decision at the same step."""

from __future__ import annotations

import json
import os
import sys
from importlib import resources
from pathlib import Path
from typing import Any

from ftcore.config import DistConfig


def rank() -> int:
    return int(os.environ.get("RANK", "0"))


def local_rank() -> int:
    """This process's index on its node (torchrun's LOCAL_RANK; 0 without torchrun)."""
    return int(os.environ.get("LOCAL_RANK", "0"))


def is_main() -> bool:
    """Global rank 0 writes the run folder; the other ranks only train."""
    return rank() == 0


def deepspeed_preset_name(dist: DistConfig) -> str | None:
    if not dist.strategy.startswith("zero"):
        return None
    return dist.strategy + ("" if dist.offload == "none" else f"_offload_{dist.offload}")


def deepspeed_presets() -> list[str]:
    folder = resources.files("ftcore") / "config" / "presets" / "deepspeed"
    return sorted(p.name.removesuffix(".json") for p in folder.iterdir() if p.name.endswith(".json"))


def deepspeed_config(dist: DistConfig) -> dict[str, Any] | None:
    """The shipped DeepSpeed JSON for this strategy and offload ("auto" values are filled in by the Trainer)."""
    name = deepspeed_preset_name(dist)
    if name is None:
        return None
    text = (resources.files("ftcore") / "config" / "presets" / "deepspeed" / f"{name}.json").read_text(encoding="utf-8")
    return json.loads(text)


def fsdp_arguments(dist: DistConfig, gradient_checkpointing: bool) -> dict[str, Any]:
    """TrainingArguments for FSDP2: shard weights, gradients and states, one unit per decoder layer (the model's
    own `_no_split_modules`), weights loaded on rank 0 only and broadcast when sharded (the other ranks build the
    model on the meta device), activation checkpointing done by FSDP itself, a full state dict for the final
    save. Nothing here needs the model, so it can be built before the model loads."""
    return {"fsdp": True,
            "fsdp_config": {"version": 2, "auto_wrap_policy": "TRANSFORMER_BASED_WRAP", "reshard_after_forward": True,
                            "cpu_ram_efficient_loading": True, "state_dict_type": "FULL_STATE_DICT",
                            "activation_checkpointing": gradient_checkpointing,
                            **({"cpu_offload": True} if dist.offload == "params" else {})}}


def prepare_sharded_loading(dist: DistConfig) -> None:
    """Between TrainingArguments (which starts the process group) and from_pretrained: ZeRO-3 partitions the
    weights as they load only if deepspeed.comm knows the ranks already (else zero.Init sizes its batch for one
    process and fails)."""
    if dist.strategy == "zero3":
        import deepspeed
        import torch.distributed as td

        deepspeed.init_distributed(dist_backend=td.get_backend())


def fsdp_loading_env(dist: DistConfig) -> None:
    """Before from_pretrained under FSDP: transformers loads the weights on local rank 0 only when accelerate's
    FSDP flags are set (the Trainer sets them later, too late for loading)."""
    if dist.strategy == "fsdp":
        os.environ["ACCELERATE_USE_FSDP"] = "true"
        os.environ["FSDP_CPU_RAM_EFFICIENT_LOADING"] = "true"


def loads_weights(dist: DistConfig) -> bool:
    """Whether this rank reads the checkpoint: under FSDP only global rank 0 does; the others build the shapes
    and receive rank 0's weights as the model is sharded (accelerate's cpu_ram_efficient_loading), so no rank but
    one holds a whole copy in host memory."""
    return dist.strategy != "fsdp" or is_main()


def needs_torchrun(dist: DistConfig) -> bool:
    """DeepSpeed and FSDP read the rank variables torchrun sets, also with one process; plain single-device runs
    go without it."""
    return dist.world_size > 1 or dist.strategy != "ddp"


def launch_command(run_dir: Path, dist: DistConfig, resume: str | None = None) -> list[str]:
    """The training process of a job: `python -m ftcore.runs.worker RUN_DIR --rank`, directly or under torchrun."""
    rank_args = ["-m", "ftcore.runs.worker", str(run_dir), "--rank", *(["--resume", resume] if resume else [])]
    if not needs_torchrun(dist):
        return [sys.executable, *rank_args]
    return torchrun_command(run_dir, dist, resume)


def torchrun_command(run_dir: Path, dist: DistConfig, resume: str | None = None) -> list[str]:
    """The launch line each node runs: its local ranks, each `python -m ftcore.runs.worker RUN_DIR --rank`."""
    if dist.nnodes == 1:
        where = ["--standalone"]
    else:
        where = ["--nnodes", str(dist.nnodes), "--node-rank", str(dist.node_rank),
                 "--master-addr", dist.master_addr, "--master-port", str(dist.master_port)]
    return [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", str(dist.nproc), *where,
            "-m", "ftcore.runs.worker", str(run_dir), "--rank", *(["--resume", resume] if resume else [])]


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


def gather_ints(*values: int) -> list[list[int]]:
    """Each rank's values, in rank order, on every rank (one row per rank; this process alone without a group)."""
    import torch.distributed as td

    if not (td.is_available() and td.is_initialized()) or td.get_world_size() == 1:
        return [list(values)]
    rows: list = [None] * td.get_world_size()
    td.all_gather_object(rows, list(values))
    return rows


def barrier() -> None:
    import torch.distributed as td

    if td.is_available() and td.is_initialized():
        td.barrier()


def from_main(value):
    """Rank 0's value (any picklable object) on every rank: a decision only rank 0 can make, taken by all."""
    import torch.distributed as td

    if not (td.is_available() and td.is_initialized()) or td.get_world_size() == 1:
        return value
    box = [value]
    td.broadcast_object_list(box, src=0)
    return box[0]
