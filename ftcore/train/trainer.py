"""The one place that builds the datasets, TrainingArguments and the Trainer for a run, and trains it."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import torch

from ftcore import models
from ftcore.data.chat_template import use_chat_template
from ftcore.data.prepare import prepare_data
from ftcore.messages import Text
from ftcore.runs import placement
from ftcore.runs.store import Run
from ftcore.settings import Settings
from ftcore.train.arguments import collator, device_kind, training_arguments
from ftcore.train.callbacks import RunCallback, StopFlag
from ftcore.train.checkpoint import save_final
from ftcore.train.compat import check_environment, check_model_folder
from ftcore.train.engine import trainer_class
from ftcore.train.forgetting import ForgettingWatch
from ftcore.train.measure import local_parameter_bytes, peak_rss_bytes, record_peak, rss_bytes, write_plan
from ftcore.train.methods import ProgressiveCallback, apply_method, distill_trainer_class


def check_same_vocabulary(student, teacher, ref: str) -> None:
    from ftcore.errors import UserError

    if student.get_output_embeddings().weight.shape[0] != teacher.get_output_embeddings().weight.shape[0]:
        raise UserError("trainer.teacher_vocabulary", ref=ref)


def train(run: Run, settings: Settings, flag: StopFlag, resume_from: Path | None = None) -> str:
    """Train the run to the end; returns the final state (done or cancelled). Raises on failure."""
    config = run.config()
    started = time.perf_counter()
    cuda, bf16_ok, gpus = placement.training_flags(settings)
    precision = check_environment(config, cuda, bf16_ok, gpus)
    run.note(Text("notes.loading", ref=config.model.ref))
    source = models.resolve(config.model.ref, settings)
    check_model_folder(models.materialize(source, settings))  # before loading: a quantized model must not load
    trust = config.model.trust_remote_code
    tokenizer = use_chat_template(models.load_tokenizer(config.model.ref, settings, trust_remote_code=trust),
                                  config.data.chat_template, settings)
    splits, info = prepare_data(config, tokenizer, run, replay_source(config, settings, run, flag),
                                settings.tokenized_dir)
    if flag.reason or run.stop_requested:
        return "cancelled"
    staging = run.dir / ".trainer"
    args = training_arguments(config, staging, "validation" in splits, precision)  # before the model: see there
    from ftcore.train.distributed import gather_ints, loads_weights, prepare_sharded_loading

    prepare_sharded_loading(config.dist)
    rss_before = rss_bytes()
    model, _ = models.load(config.model.ref, settings, trust_remote_code=trust, empty=not loads_weights(config.dist))
    model.config.use_cache = False  # no KV cache in training; packed sequences also need it off to stay apart
    from ftcore.train.packed_attention import kernel as packed_kernel
    from ftcore.train.packed_attention import use_packed_attention

    # packed rows attend document by document (varlen kernels on a GPU) instead of through one T x T mask
    per_document = config.train.packing and use_packed_attention(model, device_kind(), precision)
    model, counts = apply_method(model, config, run)
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
        run.note(Text("notes.offload_adam", optimizer=config.train.optimizer))

    callback = RunCallback(run, staging, flag, keep=config.train.save_total_limit,
                           fingerprints={k: v["sha256"] for k, v in info.items()},
                           nan_tolerance=config.train.nan_tolerance,
                           patience=config.train.early_stopping_patience,
                           checkpoint_bytes=counts["parameters"] * 16,
                           eval_tasks=len(splits["validation"]) if isinstance(splits.get("validation"), dict) else 0)
    # forget_kl at each evaluation, from base log-probabilities it computes before the first step
    watch = ForgettingWatch(run, tokenizer, config.train.stop_on_forgetting, pinned=callback.pinned)
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
        run.note(Text("notes.distilling", teacher=config.train.teacher))
    if config.train.anchor == "l2":  # over the distillation Trainer too: the penalty adds to its loss
        from ftcore.train.anchor import anchor_trainer_class

        Trainer = trainer_class(anchor_trainer_class(distill_trainer_class() if "teacher" in extra else None))  # noqa: N806
        extra["anchor_weight"] = config.train.anchor_weight
        run.note(Text("notes.anchor_l2", weight=config.train.anchor_weight, trainable=f"{counts['trainable']:,}"))
    elif config.train.anchor == "kl":
        from ftcore.train.kl_anchor import anchor_rows, kl_anchor_trainer_class

        Trainer = trainer_class(kl_anchor_trainer_class(distill_trainer_class() if "teacher" in extra else None))  # noqa: N806
        rows = anchor_rows(splits["replay"], config.train.seed)
        extra |= {"anchor_weight": config.train.anchor_weight, "anchor_rows": rows, "anchor_run": run}
        run.note(Text("notes.anchor_kl", weight=config.train.anchor_weight, rows=len(rows)))
    trainer = Trainer(
        **extra,
        model=model,
        args=args,
        train_dataset=splits["train"],
        eval_dataset=splits.get("validation"),
        data_collator=collator(config, tokenizer, boundaries=per_document),
        processing_class=tokenizer,
        callbacks=[watch, callback, *([ProgressiveCallback(model, config.train.progressive_stages, run)]
                               if config.train.method == "progressive" else [])],
    )
    if resume_from:
        run.note(Text("notes.resuming", checkpoint=resume_from.name))
    result = trainer.train(resume_from_checkpoint=str(resume_from) if resume_from else None)
    if callback.failure:
        raise callback.failure  # the run's error, in both languages
    if flag.reason:
        return "cancelled"

    fell_back = watch.fall_back(trainer)  # stopped past train.stop_on_forgetting: the last checkpoint within it
    meta = {"base_model": config.model.ref, "base_kind": source.kind, "run_id": run.id,
            "config": config.to_dict(), "data": info, "train_metrics": result.metrics,
            "peak_rss_mb": round(peak_rss_bytes() / 2**20, 1),
            "seconds": round(time.perf_counter() - started, 1), "device": device_kind(), "precision": precision,
            **counts, **fell_back}
    save_final(trainer, tokenizer, run, meta, config.train.save_precision)
    if run.writes:
        record_peak(run)
        shutil.rmtree(staging, ignore_errors=True)
    run.append_event("final", path="final", peak_rss_mb=meta["peak_rss_mb"], seconds=meta["seconds"])
    return "done"


def replay_source(config, settings: Settings, run: Run, flag: StopFlag):
    """Where the replay rows come from: None for the shipped general data, else the base model's own answers."""
    if config.data.replay_source != "self":
        return None
    from ftcore.data.self_replay import self_replay

    return self_replay(config, settings, run, stop=lambda: bool(flag.reason) or run.stop_requested)


def teacher_dtype(precision: str):
    return {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision, torch.float32)














