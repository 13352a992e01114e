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
from .compat import check_environment, check_model_folder
from .config import OPTIMIZERS, RunConfig
from .data import fingerprint, read_examples, tokenize_all
from .hf_trainer import trainer_class
from .methods import ProgressiveCallback, apply_method, distill_trainer_class, merged
from .mixture import mixture_counts, sample_to
from .runs import Run
from .settings import Settings


def device_kind() -> str:
    return "cuda" if torch.cuda.is_available() else "cpu"


def training_arguments(config: RunConfig, output_dir: Path, has_eval: bool, precision: str, model=None):
    from transformers import TrainingArguments

    from .distributed import deepspeed_config, fsdp_arguments

    t = config.train
    cuda = device_kind() == "cuda"
    evaluate = "no" if not has_eval else ("steps" if t.eval_steps > 0 else "epoch")
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
        gradient_checkpointing=t.gradient_checkpointing,
        logging_steps=t.logging_steps,
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
        report_to="none",
        disable_tqdm=True,
        remove_unused_columns=False,
        dataloader_num_workers=0,
        include_num_input_tokens_seen="non_padding",
        deepspeed=deepspeed_config(config.dist),
        ddp_backend="gloo" if not cuda and config.dist.world_size > 1 else None,
        **(fsdp_arguments(model) if config.dist.strategy == "fsdp" else {}),
    )


def collator(config: RunConfig, tokenizer, boundaries: bool = False):
    """Padding-free packing (examples concatenated, positions restarting per example; with `boundaries` also each
    example's offsets, for per-document attention) or pad-to-longest."""
    from transformers import DataCollatorForSeq2Seq, DataCollatorWithFlattening

    if config.train.packing:
        return DataCollatorWithFlattening(return_position_ids=True, separator_id=-100,
                                          return_flash_attn_kwargs=boundaries)
    return DataCollatorForSeq2Seq(tokenizer, padding=True, label_pad_token_id=-100)


def prepare_data(config: RunConfig, tokenizer, run: Run):
    """Tokenized train and validation splits and data.json. A multi-task mixture samples each task to its share
    of the training examples (weight / sum of weights of the total row count; rows repeat or are subsampled with
    the run's seed) and keeps one validation set per task, which the Trainer evaluates (and logs) separately."""
    from datasets import Dataset

    d, seed = config.data, config.train.seed
    tasks = d.task_list()
    read = {t.name: read_examples(t.train, t.format, t.template, t.columns) for t in tasks}
    shares = mixture_counts({t.name: (len(read[t.name]), t.weight) for t in tasks}) if d.tasks else {}
    splits, info, train_rows, val_sets = {}, {}, [], {}
    for task in tasks:
        suffix = f":{task.name}" if task.name else ""
        examples = read[task.name]
        picked = sample_to(examples, shares[task.name], seed) if d.tasks else examples
        tokens = tokenize_all(picked, tokenizer, d.max_length)
        train_rows += tokens.rows
        info[f"train{suffix}"] = {"file": str(task.train), "sha256": fingerprint(task.train), "rows": len(examples),
                                  "examples": len(tokens.rows), "tokens": tokens.tokens, "truncated": tokens.truncated,
                                  "dropped": tokens.dropped, "replay": 0,
                                  **({"task": task.name, "weight": task.weight} if d.tasks else {})}
        if task.val:
            rows = read_examples(task.val, task.format, task.template, task.columns)
            val = tokenize_all(rows, tokenizer, d.max_length)
            val_sets[task.name] = Dataset.from_list(val.rows)
            info[f"validation{suffix}"] = {"file": str(task.val), "sha256": fingerprint(task.val), "rows": len(rows),
                                           "examples": len(val.rows), "tokens": val.tokens,
                                           "truncated": val.truncated, "dropped": val.dropped}
    general = replay_examples(d.replay, len(train_rows), seed)
    replay = tokenize_all(general, tokenizer, d.max_length).rows if general else []
    splits["train"] = Dataset.from_list(train_rows + replay)
    first = info[next(iter(info))]  # the replay mix is counted once, with the first training file
    first["replay"], first["examples"] = len(replay), first["examples"] + len(replay)
    if val_sets:
        # one task: a plain eval set (eval_loss); several: a dict, logged as eval_TASK_loss per task
        splits["validation"] = val_sets[""] if "" in val_sets else val_sets
    if run.writes:
        write_json(run.dir / "data.json", info)
    run.append_event("data", **info)
    return splits, info


def check_same_vocabulary(student, teacher, ref: str) -> None:
    from .errors import UserError

    if student.get_output_embeddings().weight.shape[0] != teacher.get_output_embeddings().weight.shape[0]:
        raise UserError("trainer.teacher_vocabulary", ref=ref)


def replay_examples(share: float, count: int, seed: int) -> list:
    """General instruction examples (EN and ZH, written for this project) mixed into training against
    forgetting: `share` of the domain example count, drawn with the run's seed."""
    import random
    from importlib import resources

    want = round(share * count)
    if want <= 0:
        return []
    folder = resources.files("ftcore") / "data" / "replay"
    pool = [e for name in ("general_en.jsonl", "general_zh.jsonl") for e in read_examples(folder / name, "messages")]
    rng = random.Random(seed)
    picked = rng.sample(pool, min(want, len(pool)))
    picked += [rng.choice(pool) for _ in range(want - len(picked))]  # beyond the pool: repeats
    return picked


def train(run: Run, settings: Settings, flag: StopFlag, resume_from: Path | None = None) -> str:
    """Train the run to the end; returns the final state (done or cancelled). Raises on failure."""
    config = run.config()
    started = time.perf_counter()
    cuda = device_kind() == "cuda"
    precision = check_environment(config, cuda, cuda and torch.cuda.is_bf16_supported(),
                                  torch.cuda.device_count())
    run.append_event("message", text=f"Loading model {config.model.ref}")
    source = models.resolve(config.model.ref, settings)
    check_model_folder(models.materialize(source, settings))  # before loading: a quantized model must not load
    model, tokenizer = models.load(config.model.ref, settings, trust_remote_code=config.model.trust_remote_code)
    model.config.use_cache = False  # no KV cache in training; packed sequences also need it off to stay apart
    # on the CPU, packed rows attend document by document instead of through one block-diagonal mask
    from .packed_attention import use_packed_attention

    per_document = config.train.packing and not cuda and use_packed_attention(model)
    model, counts = apply_method(model, config)
    run.append_event("model", precision=precision, device=device_kind(), world_size=config.dist.world_size,
                     strategy=config.dist.strategy, **counts)
    if run.writes:
        write_plan(run, config, model.config, precision)
    splits, info = prepare_data(config, tokenizer, run)
    if flag.reason or run.stop_requested:
        return "cancelled"

    staging = run.dir / ".trainer"
    callback = RunCallback(run, staging, flag, keep=config.train.save_total_limit,
                           fingerprints={k: v["sha256"] for k, v in info.items()},
                           nan_tolerance=config.train.nan_tolerance,
                           patience=config.train.early_stopping_patience,
                           checkpoint_bytes=counts["parameters"] * 16,
                           eval_tasks=len(splits["validation"]) if isinstance(splits.get("validation"), dict) else 0)
    extra = {"optimizer_in_backward": config.train.optimizer_in_backward}
    Trainer = trainer_class()  # noqa: N806 (the engine's Trainer, over a method's own when it has one)
    if config.train.method == "distill":
        Trainer = trainer_class(distill_trainer_class())  # noqa: N806
        teacher, _ = models.load(config.train.teacher, settings)
        teacher.config.use_cache = False  # packed sequences stay apart only without a cache
        check_same_vocabulary(model, teacher, config.train.teacher)
        extra |= {"label_positions": False, "teacher": teacher, "alpha": config.train.distill_alpha,
                 "temperature": config.train.distill_temperature}
        run.append_event("message", text=f"Distilling from teacher {config.train.teacher}")
    trainer = Trainer(
        **extra,
        model=model,
        args=training_arguments(config, staging, "validation" in splits, precision, model),
        train_dataset=splits["train"],
        eval_dataset=splits.get("validation"),
        data_collator=collator(config, tokenizer, boundaries=per_document),
        processing_class=tokenizer,
        callbacks=[callback, *([ProgressiveCallback(model, config.train.progressive_stages, run)]
                               if config.train.method == "progressive" else [])],
    )
    if resume_from:
        run.append_event("message", text=f"Resuming from {resume_from.name}")
    result = trainer.train(resume_from_checkpoint=str(resume_from) if resume_from else None)
    if callback.failure:
        raise RuntimeError(callback.failure)
    if flag.reason:
        return "cancelled"

    meta = {"base_model": config.model.ref, "base_kind": source.kind, "run_id": run.id,
            "config": config.to_dict(), "data": info, "train_metrics": result.metrics,
            "peak_rss_mb": round(peak_rss_bytes() / 2**20, 1),
            "seconds": round(time.perf_counter() - started, 1), "device": device_kind(), "precision": precision,
            **counts}
    save_final(trainer, tokenizer, run, meta, config.train.save_precision)
    if run.writes:
        record_peak(run)
        shutil.rmtree(staging, ignore_errors=True)
    run.append_event("final", path="final", peak_rss_mb=meta["peak_rss_mb"], seconds=meta["seconds"])
    return "done"


def write_plan(run: Run, config: RunConfig, model_config, precision: str) -> None:
    """plan.json: the planner's prediction at launch; the measured peak is added when the run ends."""
    from .advice import plan_input
    from .plan import estimate

    memory = torch.cuda.get_device_properties(0).total_memory / 2**30 if device_kind() == "cuda" else None
    try:
        p = plan_input(config, model_config, precision, memory)
    except Exception as exc:  # a model family the planner does not know: train anyway, say why there is no plan
        write_json(run.dir / "plan.json", {"predicted": None, "reason": str(exc)})
        return
    write_json(run.dir / "plan.json", {"predicted": estimate(p).to_dict(), "device": device_kind()})


def peak_rss_bytes() -> int:
    """Peak resident memory of this process. VmHWM, not ru_maxrss: the latter keeps the launching process's
    peak across exec, so a worker started by a big UI process would report the UI's memory."""
    try:
        status = Path("/proc/self/status").read_text()
        return int(status.split("VmHWM:")[1].split()[0]) * 1024
    except (OSError, IndexError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def record_peak(run: Run) -> None:
    path = run.dir / "plan.json"
    plan = json.loads(path.read_text()) if path.is_file() else {}
    if device_kind() == "cuda":
        plan["measured_peak_bytes"] = torch.cuda.max_memory_allocated()
        plan["measured"] = "torch.cuda.max_memory_allocated"
    else:
        plan["measured_peak_bytes"] = peak_rss_bytes()
        plan["measured"] = "peak RSS of the worker process (includes the Python runtime and libraries)"
    predicted = (plan.get("predicted") or {}).get("total")
    if predicted:
        plan["predicted_over_measured"] = round(predicted / plan["measured_peak_bytes"], 3)
    write_json(path, plan)


def save_final(trainer, tokenizer, run: Run, meta: dict, save_precision: str = "fp32") -> None:
    """Write final/ aside and rename it into place: safetensors weights, tokenizer, chat template, metadata.

    Every rank takes part in gathering the weights (ZeRO-3 and FSDP hold a shard each); rank 0 writes them.
    """
    model = trainer.accelerator.unwrap_model(trainer.model)
    if hasattr(model, "merge_and_unload"):  # lora: adapters merged into plain weights
        model = merged(model)
        state = model.state_dict()
    else:
        wrapped = trainer.model_wrapped if trainer.is_deepspeed_enabled else trainer.model
        state = trainer.accelerator.get_state_dict(wrapped)
    if not run.writes:
        return
    tied = _tied_names(model)  # a gathered state dict may hold tied weights as separate copies
    dtype = torch.bfloat16 if save_precision == "bf16" else torch.float32
    state = {k: v.to(dtype) if v.is_floating_point() else v for k, v in state.items() if k not in tied}
    staging = run.dir / ".final.partial"
    shutil.rmtree(staging, ignore_errors=True)
    model.config.use_cache = True
    model.config.dtype = dtype
    model.save_pretrained(staging, state_dict=state, safe_serialization=True)
    tokenizer.save_pretrained(staging)
    (staging / "fulltune.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8")
    publish_dir(staging, run.final_dir)


def _tied_names(model) -> set[str]:
    """Names of parameters that are the same tensor as an earlier one (e.g. an output head tied to embeddings)."""
    seen, tied = set(), set()
    for name, param in model.named_parameters(remove_duplicate=False):
        (tied.add(name) if id(param) in seen else seen.add(id(param)))
    return tied
