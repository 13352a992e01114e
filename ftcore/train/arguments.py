"""The Trainer's arguments for a run: precision, logging, evaluation and saving cadence, the optimizer, the
distributed settings, and the collator that packs rows without padding."""

from __future__ import annotations

from pathlib import Path

import torch

from ftcore.config import OPTIMIZERS, RunConfig
from ftcore.runs import placement


def _checkpointing_argument() -> str:
    """activation_checkpointing in the transformers of this machine, gradient_checkpointing before it."""
    import dataclasses

    from transformers import TrainingArguments

    names = {f.name for f in dataclasses.fields(TrainingArguments)}
    return "activation_checkpointing" if "activation_checkpointing" in names else "gradient_checkpointing"


def device_kind() -> str:
    return "cuda" if torch.cuda.is_available() else "cpu"


def logging_steps(config: RunConfig, cuda: bool) -> int:
    """0 (auto): every step on the CPU; every 10 on a GPU, where each record waits for the device to finish."""
    return config.train.logging_steps or (10 if cuda else 1)


def training_arguments(config: RunConfig, output_dir: Path, has_eval: bool, precision: str):
    """The Trainer's arguments. Built before the model loads: with ZeRO-3 the DeepSpeed config they hold makes
    from_pretrained partition the weights as they load (deepspeed.zero.Init) instead of a full copy per rank."""
    from transformers import TrainingArguments

    from ftcore.train.distributed import deepspeed_config, fsdp_arguments, fsdp_loading_env

    t = config.train
    cuda = device_kind() == "cuda"
    evaluate = "no" if not has_eval else ("steps" if t.eval_steps > 0 else "epoch")
    fsdp = config.dist.strategy == "fsdp"
    fsdp_loading_env(config.dist)
    return TrainingArguments(
        output_dir=str(output_dir),
        num_train_epochs=t.epochs,
        max_steps=t.max_steps if t.max_steps > 0 else -1,
        per_device_train_batch_size=t.batch_size,
        per_device_eval_batch_size=t.batch_size,
        gradient_accumulation_steps=t.grad_accum,
        learning_rate=t.learning_rate,
        lr_scheduler_type=t.scheduler,
        warmup_steps=t.warmup_ratio,
        weight_decay=t.weight_decay,
        max_grad_norm=0.0 if t.optimizer_in_backward else t.max_grad_norm,  # the weights moved in backward
        optim=OPTIMIZERS[t.optimizer][0],
        # GaLore projects the decoder's linear layers (attention and MLP), the matrices the planner counts
        optim_target_modules=[r".*attn.*", r".*mlp.*"] if t.optimizer == "galore_adamw" else None,
        # FSDP checkpoints through its own config; transformers renamed the argument (the old name warns)
        **{_checkpointing_argument(): t.gradient_checkpointing and not fsdp},
        logging_steps=logging_steps(config, cuda),
        logging_nan_inf_filter=False,  # a NaN must reach the guard, not be hidden from the log
        save_strategy="steps" if t.save_steps > 0 else "no",
        save_steps=t.save_steps if t.save_steps > 0 else 500,
        eval_strategy=evaluate,
        eval_steps=t.eval_steps if t.eval_steps > 0 else None,
        seed=t.seed,
        data_seed=t.seed,
        use_cpu=not cuda,
        bf16=precision == "bf16",
        fp16=precision == "fp16",
        # fp32 on Ampere and newer: TF32 matmuls (10-bit mantissa inputs, fp32 accumulation), as PyTorch advises
        tf32=True if cuda and precision == "fp32" and placement.native_bf16() else None,
        report_to="none",
        disable_tqdm=True,
        remove_unused_columns=False,
        dataloader_num_workers=0,
        include_num_input_tokens_seen="non_padding",
        deepspeed=deepspeed_config(config.dist),
        ddp_backend="gloo" if not cuda and config.dist.world_size > 1 else None,
        # every weight gets a gradient each step, except while progressive training has layers frozen
        ddp_find_unused_parameters=t.method == "progressive",
        **(fsdp_arguments(config.dist, t.gradient_checkpointing) if fsdp else {}),
    )


def collator(config: RunConfig, tokenizer, boundaries: bool = False):
    """Padding-free packing (examples concatenated, positions restarting per example; with `boundaries` also each
    example's offsets, for per-document attention) or pad-to-longest."""
    from transformers import DataCollatorForSeq2Seq, DataCollatorWithFlattening

    if config.train.packing:
        return DataCollatorWithFlattening(return_position_ids=True, separator_id=-100,
                                          return_flash_attn_kwargs=boundaries)
    return DataCollatorForSeq2Seq(tokenizer, padding=True, label_pad_token_id=-100)
