"""The one place that builds the datasets, TrainingArguments and the Trainer for a run, and trains it."""

from __future__ import annotations

import json
import resource
import shutil
import time
from pathlib import Path

import torch

from . import models, placement
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


def logging_steps(config: RunConfig, cuda: bool) -> int:
    """0 (auto): every step on the CPU; every 10 on a GPU, where each record waits for the device to finish."""
    return config.train.logging_steps or (10 if cuda else 1)


def training_arguments(config: RunConfig, output_dir: Path, has_eval: bool, precision: str):
    """The Trainer's arguments. Built before the model loads: with ZeRO-3 the DeepSpeed config they hold makes
    from_pretrained partition the weights as they load (deepspeed.zero.Init) instead of a full copy per rank."""
    from transformers import TrainingArguments

    from .distributed import deepspeed_config, fsdp_arguments, fsdp_loading_env

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
        gradient_checkpointing=t.gradient_checkpointing and not fsdp,  # FSDP checkpoints through its own config
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
    cuda, bf16_ok, gpus = placement.training_flags(settings)
    precision = check_environment(config, cuda, bf16_ok, gpus)
    run.append_event("message", text=f"Loading model {config.model.ref}")
    source = models.resolve(config.model.ref, settings)
    check_model_folder(models.materialize(source, settings))  # before loading: a quantized model must not load
    trust = config.model.trust_remote_code
    tokenizer = models.load_tokenizer(config.model.ref, settings, trust_remote_code=trust)
    splits, info = prepare_data(config, tokenizer, run)
    if flag.reason or run.stop_requested:
        return "cancelled"
    staging = run.dir / ".trainer"
    args = training_arguments(config, staging, "validation" in splits, precision)  # before the model: see there
    from .distributed import gather_ints, loads_weights, prepare_sharded_loading

    prepare_sharded_loading(config.dist)
    rss_before = rss_bytes()
    model, _ = models.load(config.model.ref, settings, trust_remote_code=trust, empty=not loads_weights(config.dist))
    model.config.use_cache = False  # no KV cache in training; packed sequences also need it off to stay apart
    from .packed_attention import kernel as packed_kernel
    from .packed_attention import use_packed_attention

    # packed rows attend document by document (varlen kernels on a GPU) instead of through one T x T mask
    per_document = config.train.packing and use_packed_attention(model, device_kind(), precision)
    model, counts = apply_method(model, config)
    # what each rank holds after loading: a shard under ZeRO-3, nothing but on rank 0 under FSDP
    loaded = gather_ints(local_parameter_bytes(model), rss_bytes() - rss_before)
    run.append_event("model", precision=precision, device=device_kind(), world_size=config.dist.world_size,
                     strategy=config.dist.strategy, attention=model.config._attn_implementation,
                     packed_kernel=packed_kernel(per_document or None, device_kind(), precision)
                     if config.train.packing else None,
                     local_parameter_bytes=[row[0] for row in loaded], rss_growth_at_load=[row[1] for row in loaded],
                     **counts)
    if run.writes:
        write_plan(run, config, model.config, precision, splits["train"])
    if config.dist.offload != "none":
        run.append_event("message", text="Offload: DeepSpeed steps its own AdamW (DeepSpeedCPUAdam) on the CPU in "
                                         f"place of {config.train.optimizer}, with the same hyperparameters")

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
        # the teacher only runs forward: on the student's device, in the training precision's dtype
        teacher, _ = models.load(config.train.teacher, settings, phase="eval", device=str(args.device),
                                 dtype=teacher_dtype(precision))
        teacher.config.use_cache = False  # packed sequences stay apart only without a cache
        check_same_vocabulary(model, teacher, config.train.teacher)
        extra |= {"label_positions": False, "teacher": teacher, "alpha": config.train.distill_alpha,
                 "temperature": config.train.distill_temperature}
        run.append_event("message", text=f"Distilling from teacher {config.train.teacher}")
    trainer = Trainer(
        **extra,
        model=model,
        args=args,
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


def teacher_dtype(precision: str):
    return {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision, torch.float32)


def local_parameter_bytes(model) -> int:
    """Bytes of parameter storage this process holds: a rank's shard under ZeRO-3 (`ds_tensor`), nothing for
    FSDP ranks that built the model on the meta device, the whole model otherwise."""
    total = 0
    for param in model.parameters():
        local = getattr(param, "ds_tensor", None)
        tensor = local if local is not None else param
        if tensor.device.type != "meta":
            total += tensor.numel() * tensor.element_size()
    return total


def write_plan(run: Run, config: RunConfig, model_config, precision: str, train_rows=None) -> None:
    """plan.json: the planner's prediction at launch, from this run's own rows (and the worst case, every row at
    max_length, beside it); the measured peak is added when the run ends."""
    from .advice import plan_input
    from .plan import estimate, token_counts

    memory = torch.cuda.get_device_properties(0).total_memory / 2**30 if device_kind() == "cuda" else None
    rows = token_counts(train_rows["input_ids"], train_rows["labels"]) if train_rows is not None else None
    try:
        p = plan_input(config, model_config, precision, memory, rows)
        worst = plan_input(config, model_config, precision, memory)
    except Exception as exc:  # a model family the planner does not know: train anyway, say why there is no plan
        write_json(run.dir / "plan.json", {"predicted": None, "reason": str(exc)})
        return
    write_json(run.dir / "plan.json", {"predicted": estimate(p).to_dict(), "worst_case": estimate(worst).to_dict(),
                                       "basis": "data" if rows else "max_length",
                                       "tokens_per_batch": p.tokens_per_batch, "logit_tokens": p.logit_tokens,
                                       "device": device_kind()})


def rss_bytes() -> int:
    """Resident memory of this process now (VmRSS)."""
    try:
        return int(Path("/proc/self/status").read_text().split("VmRSS:")[1].split()[0]) * 1024
    except (OSError, IndexError, ValueError):
        return 0


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
        plan["measured_reserved_bytes"] = torch.cuda.max_memory_reserved()
        plan["measured"] = "torch.cuda.max_memory_allocated"
        allocated = (plan.get("predicted") or {}).get("allocated")
        if allocated:  # like with like: the allocator's peak against the plan less context and margin
            plan["allocated_over_measured"] = round(allocated / plan["measured_peak_bytes"], 3)
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
