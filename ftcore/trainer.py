"""The one place that builds the datasets, TrainingArguments and the Trainer for a run, and trains it."""

from __future__ import annotations

import json
import resource
import shutil
import time
from pathlib import Path

import torch

from . import models
from ._atomic import publish_dir, write_json
from .callbacks import RunCallback, StopFlag
from .config import RunConfig
from .data import fingerprint, read_examples, tokenize_all
from .runs import Run
from .settings import Settings


def device_kind() -> str:
    return "cuda" if torch.cuda.is_available() else "cpu"


def training_arguments(config: RunConfig, output_dir: Path, has_eval: bool):
    from transformers import TrainingArguments

    t = config.train
    cuda = device_kind() == "cuda"
    bf16 = cuda and torch.cuda.is_bf16_supported()
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
        max_grad_norm=t.max_grad_norm,
        logging_steps=t.logging_steps,
        logging_nan_inf_filter=False,
        save_strategy="steps" if t.save_steps > 0 else "no",
        save_steps=t.save_steps if t.save_steps > 0 else 500,
        eval_strategy="epoch" if has_eval else "no",
        seed=t.seed,
        data_seed=t.seed,
        use_cpu=not cuda,
        bf16=bf16,
        fp16=cuda and not bf16,
        report_to="none",
        disable_tqdm=True,
        remove_unused_columns=False,
        dataloader_num_workers=0,
        include_num_input_tokens_seen="non_padding",
    )


def prepare_data(config: RunConfig, tokenizer, run: Run):
    from datasets import Dataset

    d = config.data
    splits, info = {}, {}
    for split, path in (("train", d.train), ("validation", d.val)):
        if not path:
            continue
        examples = read_examples(path, d.format, d.template, d.columns)
        tokenized = tokenize_all(examples, tokenizer, d.max_length)
        splits[split] = Dataset.from_list(tokenized.rows)
        info[split] = {"file": str(path), "sha256": fingerprint(path), "rows": len(examples),
                       "examples": len(tokenized.rows), "tokens": tokenized.tokens,
                       "truncated": tokenized.truncated, "dropped": tokenized.dropped}
    write_json(run.dir / "data.json", info)
    run.append_event("data", **info)
    return splits, info


def train(run: Run, settings: Settings, flag: StopFlag) -> str:
    """Train the run to the end; returns the final state (done or cancelled). Raises on failure."""
    from transformers import DataCollatorForSeq2Seq, Trainer

    config = run.config()
    started = time.perf_counter()
    run.append_event("message", text=f"Loading model {config.model.ref}")
    source = models.resolve(config.model.ref, settings)
    model, tokenizer = models.load(config.model.ref, settings, trust_remote_code=config.model.trust_remote_code)
    model.config.use_cache = False  # training never needs the KV cache
    splits, info = prepare_data(config, tokenizer, run)
    if flag.reason or run.stop_requested:
        return "cancelled"

    staging = run.dir / ".trainer"
    callback = RunCallback(run, staging, flag, keep=config.train.save_total_limit)
    trainer = Trainer(
        model=model,
        args=training_arguments(config, staging, "validation" in splits),
        train_dataset=splits["train"],
        eval_dataset=splits.get("validation"),
        data_collator=DataCollatorForSeq2Seq(tokenizer, padding=True, label_pad_token_id=-100),
        processing_class=tokenizer,
        callbacks=[callback],
    )
    result = trainer.train()
    if callback.failure:
        raise RuntimeError(callback.failure)
    if flag.reason:
        return "cancelled"
    meta = {"base_model": config.model.ref, "base_kind": source.kind, "run_id": run.id,
            "config": config.to_dict(), "data": info, "train_metrics": result.metrics,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "seconds": round(time.perf_counter() - started, 1), "device": device_kind()}
    save_final(trainer, tokenizer, run, meta)
    shutil.rmtree(staging, ignore_errors=True)
    run.append_event("final", path="final", peak_rss_mb=meta["peak_rss_mb"], seconds=meta["seconds"])
    return "done"


def save_final(trainer, tokenizer, run: Run, meta: dict) -> None:
    """Write final/ aside and rename it into place: safetensors weights, tokenizer, chat template, metadata."""
    staging = run.dir / ".final.partial"
    shutil.rmtree(staging, ignore_errors=True)
    model = trainer.model
    model.config.use_cache = True
    model.save_pretrained(staging, safe_serialization=True)
    tokenizer.save_pretrained(staging)
    (staging / "fulltune.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8")
    publish_dir(staging, run.final_dir)
