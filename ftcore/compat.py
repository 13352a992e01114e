"""Refuse impossible or unwise combinations before a worker starts, each with the reason and a fix."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

from .config import OPTIMIZERS, RunConfig
from .errors import UserError


def resolve_precision(requested: str, cuda: bool, bf16_ok: bool) -> str:
    """auto -> bf16 on GPUs that have it, fp16 on older GPUs, fp32 on the CPU."""
    if requested == "auto":
        return ("bf16" if bf16_ok else "fp16") if cuda else "fp32"
    if requested == "fp16" and not cuda:
        raise UserError("precision=fp16 on the CPU is not supported for training (no fp16 autocast with loss "
                        "scaling there); use precision=auto (fp32) or bf16.")
    if requested == "bf16" and cuda and not bf16_ok:
        raise UserError("This GPU has no bf16 support (it predates Ampere); use precision=fp16 or auto.")
    return requested


def check_optimizer(name: str) -> None:
    package = OPTIMIZERS[name][1]
    if package and importlib.util.find_spec(package) is None:
        pip = {"lomo_optim": "lomo-optim", "galore_torch": "galore-torch"}.get(package, package)
        raise UserError(f"optimizer={name} needs the package '{pip}': pip install {pip} (or pick adamw_torch_fused).")


def check_model_folder(folder: str | Path) -> None:
    """A model saved quantized (8-bit/4-bit) cannot be fully fine-tuned."""
    config = Path(folder) / "config.json"
    if not config.is_file():
        return
    quant = json.loads(config.read_text(encoding="utf-8")).get("quantization_config") or {}
    if quant and quant.get("quant_method") != "gguf":
        raise UserError(
            f"The model at {folder} is stored quantized ({quant.get('quant_method', 'unknown')}). Full fine-tuning "
            "updates every weight in full precision, which a quantized checkpoint cannot hold. Use the unquantized "
            "model; to save memory, keep optimizer states in 8 bits instead (train.optimizer=adamw_8bit), or turn "
            "on gradient checkpointing.")


def check_distributed(config: RunConfig, gpus: int) -> None:
    """Strategy, offload and process count against this machine."""
    d = config.dist
    if d.strategy.startswith("zero") and importlib.util.find_spec("deepspeed") is None:
        raise UserError(f"strategy={d.strategy} needs DeepSpeed: pip install 'fulltune[deepspeed]' (or use "
                        "strategy=ddp or fsdp).")
    if gpus == 0:
        if d.strategy != "ddp" and d.world_size == 1:
            raise UserError(f"strategy={d.strategy} shards training state across processes, and this is one CPU "
                            "process: there is nothing to shard. Use strategy=ddp, or dist.nproc=2 or more.")
        if d.offload != "none":
            raise UserError("dist.offload moves state from GPU memory to CPU memory; without a GPU everything is "
                            "in CPU memory already. Use dist.offload=none.")
        if d.nproc > (os.cpu_count() or 1):
            raise UserError(f"dist.nproc={d.nproc} asks for {d.nproc} processes, and this machine has no GPU and "
                            f"{os.cpu_count()} cores: CPU ranks would only compete for them. Use at most one rank "
                            f"per core, or a machine with {d.nproc} GPUs.")
    elif d.nproc > gpus:
        raise UserError(f"dist.nproc={d.nproc} but this machine has {gpus} GPU(s); set dist.nproc to {gpus} or "
                        "fewer (one process per GPU).")


def check_environment(config: RunConfig, cuda: bool, bf16_ok: bool, gpus: int = 0) -> str:
    """All checks that depend on this machine; returns the precision to train in."""
    precision = resolve_precision(config.train.precision, cuda, bf16_ok)
    if config.train.optimizer == "adamw_8bit" and not cuda:
        raise UserError("optimizer=adamw_8bit (bitsandbytes) needs a CUDA GPU; on the CPU use adamw_torch_fused.")
    check_optimizer(config.train.optimizer)
    check_distributed(config, gpus if cuda else 0)
    return precision
