"""`ftcore models|presets|plan|serve|chat|guided|blend`: what can be trained, what it needs, and using a model."""

from __future__ import annotations

import json

from ftcore import models
from ftcore.cli._table import emit
from ftcore.config import (
    RunConfig,
    load_layers,
    presets,
)
from ftcore.errors import UserError
from ftcore.plan.lr import suggest_learning_rate
from ftcore.settings import Settings


def cmd_guided(args, settings: Settings) -> int:
    from ftcore.config import DEFAULT_MODEL
    from ftcore.recipes.guided import guided_run

    shown = None
    for step in guided_run(settings.ensure(), args.model or DEFAULT_MODEL, poll=2.0):
        line = f"== {step.title}" if step.title != shown else None
        if line:
            print(line, flush=True)
            shown = step.title
        if step.done or step.title.startswith("3") and step.text.endswith("started."):
            print(step.text, flush=True)
    return 0 if step.run is not None and step.run.status().get("state") == "done" else 1


def cmd_models(args, settings: Settings) -> int:
    return emit(models.list_models(settings), args.json,
                lambda r: f"{r['ref']:<40} {r['kind']:<9} {r['state']:<22} {r['description']}")


def cmd_presets(args, settings: Settings) -> int:
    if args.show:
        print(load_layers(args.show).to_yaml(), end="")
        return 0
    for name, description in presets().items():
        print(f"{name:<24} {description}")
    return 0


def cmd_plan(args, settings: Settings) -> int:
    from ftcore.plan import memory as plan
    from ftcore.plan.suggest import suggest

    ref = args.model or RunConfig().model.ref
    model_config = models.load_config(ref, settings)
    tokens = logits = None
    if args.data:
        from ftcore.data import read_examples, tokenize_all

        rows = tokenize_all(read_examples(args.data, args.format), models.load_tokenizer(ref, settings),
                            args.max_length).rows
        counts = plan.token_counts([r["input_ids"] for r in rows], [r["labels"] for r in rows])
        tokens, logits = plan.data_tokens(*counts, args.batch_size, not args.no_packing)
    p = plan.plan_from_config(model_config, batch_size=args.batch_size, grad_accum=args.grad_accum,
                              max_length=args.max_length, precision=args.precision, optimizer=args.optimizer,
                              gradient_checkpointing=args.gradient_checkpointing, nproc=args.nproc,
                              strategy=args.strategy, offload=args.offload, device_memory_gb=args.gpu_mem,
                              tokens_per_batch=tokens, logit_tokens=logits)
    result = plan.estimate(p)
    options = suggest(p, args.gpu_mem) if args.gpu_mem and not result.fits else []
    lr = suggest_learning_rate(args.model or RunConfig().model.ref, p.params)
    if args.json:
        print(json.dumps({**result.to_dict(), "suggestions": [d for d, _ in options], "parameters": p.params,
                          "suggested_learning_rate": lr.learning_rate, "learning_rate_source": lr.source},
                         indent=2))
        return 0
    print(plan.format_plan(result))
    print(f"suggested learning rate: {lr}")
    for description, _ in options[:5]:
        print(f"fits with: {description}")
    if args.gpu_mem and not result.fits and not options:
        print("Nothing near this configuration fits; use more devices (--nproc) with zero3, or a smaller model.")
    return 0


def cmd_serve(args, settings: Settings) -> int:
    from ftcore.serve import read_api_key, serve
    from ftcore.serve.app import Limits

    if min(args.max_tokens, args.concurrency, args.port) < 1 or args.queue < 0:
        raise UserError("cli.serve_limits")
    key = read_api_key(args.api_key_env, args.api_key_file)
    limits = Limits(max_tokens=args.max_tokens, concurrency=args.concurrency, queue=args.queue)
    return serve(args.model, settings, host=args.host, port=args.port, api_key=key, limits=limits,
                 engine=args.engine, prefer=args.device, on_ready=lambda text: print(text, flush=True))


def cmd_chat(args, settings: Settings) -> int:
    from transformers.utils import logging as hf_logging

    from ftcore.serve.generate import Decoding, ModelCache, chat

    hf_logging.disable_progress_bar()
    ref = args.model or RunConfig().model.ref
    models.resolve(ref, settings)
    print(chat(ModelCache(settings, size=1), ref, args.prompt, Decoding(max_new_tokens=args.max_new_tokens)))
    return 0


def cmd_blend(args, settings: Settings) -> int:
    import time

    from ftcore.eval.blend import check_alpha, write_run_blend
    from ftcore.runs.registry import RunStore

    run = RunStore(settings).get(args.run)
    alpha = check_alpha(args.alpha)
    source = f"checkpoint-{args.source}" if args.source.isdigit() else args.source
    began = time.perf_counter()
    folder = write_run_blend(run, settings, alpha, source)
    print(f"Blend written: {folder} ({alpha:g} x {source} + {1 - alpha:g} x {run.config().model.ref}, "
          f"{time.perf_counter() - began:.1f} s). Use it as --model:")
    print(run.blend_ref(alpha, source))
    return 0
