"""Refuse impossible or unwise combinations before a worker starts, each with the reason and a fix."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

from ftcore.config import OPTIMIZERS, RunConfig
from ftcore.errors import UserError


def resolve_precision(requested: str, cuda: bool, bf16_ok: bool) -> str:
    """auto -> bf16 on GPUs that have it, fp16 on older GPUs, fp32 on the CPU."""
    if requested == "auto":
        return ("bf16" if bf16_ok else "fp16") if cuda else "fp32"
    if requested == "fp16" and not cuda:
        raise UserError("compat.fp16_cpu")
    if requested == "bf16" and cuda and not bf16_ok:
        raise UserError("compat.no_bf16")
    return requested


def check_optimizer(name: str) -> None:
    package = OPTIMIZERS[name][1]
    if package and importlib.util.find_spec(package) is None:
        pip = {"lomo_optim": "lomo-optim", "galore_torch": "galore-torch"}.get(package, package)
        raise UserError("compat.optimizer_package", name=name, pip=pip)


def check_model_folder(folder: str | Path) -> None:
    """A model saved quantized (8-bit/4-bit) cannot be fully fine-tuned."""
    config = Path(folder) / "config.json"
    if not config.is_file():
        return
    quant = json.loads(config.read_text(encoding="utf-8")).get("quantization_config") or {}
    if quant and quant.get("quant_method") != "gguf":
        raise UserError("compat.quantized", folder=folder, method=quant.get("quant_method", "unknown"))


def check_distributed(config: RunConfig, gpus: int) -> None:
    """Strategy, offload and process count against this machine."""
    d = config.dist
    if d.strategy.startswith("zero") and importlib.util.find_spec("deepspeed") is None:
        raise UserError("compat.needs_deepspeed", strategy=d.strategy)
    if gpus == 0:
        if d.strategy == "fsdp":  # accelerate turns FSDP on for GPUs only: on the CPU it would silently be DDP
            raise UserError("compat.fsdp_cpu")
        if d.strategy != "ddp" and d.world_size == 1:
            raise UserError("compat.nothing_to_shard", strategy=d.strategy)
        if d.offload != "none":
            raise UserError("compat.offload_cpu")
        if d.nproc > (os.cpu_count() or 1):
            raise UserError("compat.cpu_ranks", nproc=d.nproc, cores=os.cpu_count())
    elif d.nproc > gpus:
        raise UserError("compat.too_many_ranks", nproc=d.nproc, gpus=gpus)


def check_environment(config: RunConfig, cuda: bool, bf16_ok: bool, gpus: int = 0) -> str:
    """All checks that depend on this machine; returns the precision to train in."""
    precision = resolve_precision(config.train.precision, cuda, bf16_ok)
    if config.train.optimizer == "adamw_8bit" and not cuda:
        raise UserError("compat.adamw_8bit_cpu")
    if config.train.optimizer == "adalomo" and not cuda:
        raise UserError("compat.adalomo_cpu")  # lomo_optim allocates its states with .cuda()
    if config.train.optimizer_in_backward and precision == "fp16":  # auto on a GPU without bf16
        raise UserError("compat.in_backward_fp16")
    check_optimizer(config.train.optimizer)
    check_distributed(config, gpus if cuda else 0)
    return precision
