"""`ftcore`: the command line over the public API. User errors print one message and exit 2."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time

from . import jobs, launcher, models
from .cli_data import add_data_parser, cmd_data
from .cli_hub import add_hub_parsers, cmd_card, cmd_export, cmd_push, cmd_space
from .cli_probe import add_probe_parsers, cmd_compare, cmd_eval, cmd_pilot, cmd_probe
from .config import (
    DataConfig,
    DistConfig,
    RunConfig,
    TrainConfig,
    apply_overrides,
    field_help,
    load_layers,
    parse_columns,
    parse_template,
    presets,
)
from .errors import UserError
from .hparams import suggest_learning_rate
from .runs import FINISHED, Run, RunStore
from .settings import Settings

TRAIN_FLAGS = [  # flag, section, key, type
    ("--data", "data", "train", str), ("--val", "data", "val", str), ("--format", "data", "format", str),
    ("--template", "data", "template", parse_template), ("--columns", "data", "columns", parse_columns),
    ("--max-length", "data", "max_length", int),
    ("--epochs", "train", "epochs", float), ("--max-steps", "train", "max_steps", int),
    ("--lr", "train", "learning_rate", float), ("--batch-size", "train", "batch_size", int),
    ("--grad-accum", "train", "grad_accum", int), ("--save-steps", "train", "save_steps", int),
    ("--seed", "train", "seed", int),
    ("--nproc", "dist", "nproc", int), ("--nnodes", "dist", "nnodes", int), ("--node-rank", "dist", "node_rank", int),
    ("--master-addr", "dist", "master_addr", str), ("--master-port", "dist", "master_port", int),
    ("--strategy", "dist", "strategy", str), ("--offload", "dist", "offload", str),
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ftcore", description="Full-parameter fine-tuning of causal LMs.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("guided", help="A guided first run: check the demo data, plan, train a run sized to this "
                       "hardware, then compare base, base + prompt and fine-tuned, with the forgetting probes.")
    p.add_argument("--model", default=None, help="Base model (default: the embedded one).")

    p = sub.add_parser("models", help="List models usable as --model.")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("train", help="Fine-tune a model on a data file.")
    helps = {"data": field_help(DataConfig), "train": field_help(TrainConfig), "dist": field_help(DistConfig)}
    for flag, section, key, kind in TRAIN_FLAGS:
        if flag in ("--data", "--val"):  # repeat them for a multi-task mixture: --data FILE[:WEIGHT]
            p.add_argument(flag, dest=f"{section}.{key}", action="append", default=None, help=helps[section][key]
                           + (" Repeat as --data FILE[:WEIGHT] for a multi-task mixture." if flag == "--data"
                              else " Repeat: one per --data, in the same order."))
            continue
        p.add_argument(flag, dest=f"{section}.{key}", type=kind, default=None, help=helps[section][key])
    p.add_argument("--model", dest="model.ref", default=None, help="Base model: embedded name, Hub id, folder or run id.")
    p.add_argument("--trust-remote-code", dest="model.trust_remote_code", action="store_true", default=None,
                   help="Allow the model repository's own code (off unless you trust the model).")
    p.add_argument("--name", default=None, help="A name for the run.")
    p.add_argument("--config", default=None, help="A YAML RunConfig to start from (over the preset, if any).")
    p.add_argument("--preset", default=None, help="A shipped preset to start from: `ftcore presets` lists them.")
    p.add_argument("--detach", action="store_true", help="Start the worker and return; prints the run id last.")
    p.add_argument("--pilot", action="store_true", help="Start a full and a LoRA run of this configuration (one "
                   "after the other), then print gain, forgetting, time and memory side by side.")
    p.add_argument("overrides", nargs="*", help="section.key=value overrides, e.g. train.warmup_ratio=0.1")

    add_data_parser(sub, helps["data"])
    add_probe_parsers(sub)
    add_hub_parsers(sub)

    p = sub.add_parser("presets", help="List the shipped training presets.")
    p.add_argument("--show", default=None, metavar="NAME", help="Print one preset as YAML.")

    p = sub.add_parser("runs", help="List runs.")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("status", help="Show a run's status.")
    p.add_argument("run")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("stop", help="Stop a run (checkpoint, then end as cancelled).")
    p.add_argument("run")
    p.add_argument("--grace", type=float, default=60.0, help="Seconds to wait before signalling the worker.")

    p = sub.add_parser("plan", help="Predict memory per device for full fine-tuning, and what would fit.")
    p.add_argument("--model", default=None, help="Model reference (default: the embedded model).")
    p.add_argument("--optimizer", default="adamw_torch_fused", help=helps["train"]["optimizer"])
    p.add_argument("--precision", default="fp32", choices=["fp32", "bf16", "fp16"])
    p.add_argument("--batch-size", type=int, default=4)
    p.add_argument("--grad-accum", type=int, default=1)
    p.add_argument("--max-length", type=int, default=512)
    p.add_argument("--gradient-checkpointing", action="store_true")
    p.add_argument("--nproc", type=int, default=1, help="Processes (GPUs) sharing the work.")
    p.add_argument("--gpu-mem", type=float, default=None, help="Memory per device in GiB (omit for the CPU).")
    p.add_argument("--strategy", default="ddp", choices=["ddp", "zero1", "zero2", "zero3", "fsdp"])
    p.add_argument("--offload", default="none", choices=["none", "optimizer", "params"])
    p.add_argument("--data", default=None, help="Plan from this file's own rows (tokenized with the model's "
                   "tokenizer; packed tokens per batch at the 95th percentile) instead of every row at max length.")
    p.add_argument("--format", default="auto", help=helps["data"]["format"])
    p.add_argument("--no-packing", action="store_true", help="Rows padded to the longest of each batch.")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("serve", help="An OpenAI-compatible endpoint (/v1/chat/completions, /v1/completions, "
                       "/v1/models) for a run, a checkpoint folder or any model reference.")
    p.add_argument("model", help="Model reference: a run id, a folder, an embedded name or a Hub id.")
    p.add_argument("--host", default="127.0.0.1", help="Address to listen on (another than loopback needs a key).")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--api-key-env", default="FTCORE_API_KEY", help="Environment variable holding the API key "
                   "(unset: no key, loopback only).")
    p.add_argument("--api-key-file", default=None, help="Read the API key from this file's first line instead.")
    p.add_argument("--max-tokens", type=int, default=512, help="The most new tokens one request may ask for.")
    p.add_argument("--concurrency", type=int, default=1, help="Generations at once (transformers engine).")
    p.add_argument("--queue", type=int, default=32, help="Requests waiting beyond those; more get HTTP 429.")
    p.add_argument("--engine", default="auto", choices=["auto", "transformers", "vllm"], help="auto: vLLM on a "
                   "free GPU when it is installed, else transformers.")
    p.add_argument("--device", default="auto", choices=["auto", "gpu", "cpu"], help="transformers engine: auto "
                   "(a free GPU, or one a run leaves room on, else the CPU), gpu (wait for one), cpu.")

    p = sub.add_parser("resume", help="Continue a failed or cancelled run from its newest checkpoint that verifies "
                       "(every file's sha256 as written).")
    p.add_argument("run")
    p.add_argument("--checkpoint", type=int, default=None, metavar="STEP", help="Resume from checkpoint-STEP "
                   "instead (refused when it does not verify).")
    p.add_argument("--detach", action="store_true", help="Start the worker and return.")

    p = sub.add_parser("chat", help="Print one answer to a prompt.")
    p.add_argument("--model", default=None, help="Model reference (default: the embedded model).")
    p.add_argument("--max-new-tokens", type=int, default=200)
    p.add_argument("prompt")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    # `section.key=value` overrides may come after options too
    unknown = [a for a in extra if not re.fullmatch(r"\w+\.\w+=.*", a, flags=re.S)]
    if unknown or (extra and args.command != "train"):
        parser.error(f"unrecognized arguments: {' '.join(unknown or extra)}")
    if extra:
        args.overrides = [*args.overrides, *extra]
    settings = Settings.from_env()
    try:
        return COMMANDS[args.command](args, settings)
    except UserError as exc:
        print(f"error: {exc.text(settings.lang)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # never a traceback for the user; the message names the failure
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


def cmd_guided(args, settings: Settings) -> int:
    from .config import DEFAULT_MODEL
    from .guided import guided_run

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
    rows = models.list_models(settings)
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        for row in rows:
            print(f"{row['ref']:<40} {row['kind']:<9} {row['state']:<22} {row['description']}")
    return 0


def train_config(args) -> RunConfig:
    config = load_layers(args.preset, args.config)
    values = {key: value for key, value in vars(args).items() if "." in key and value is not None}
    values.update(data_values(values.pop("data.train", None), values.pop("data.val", None)))
    config = apply_overrides(config, args.overrides, values)
    if args.name:
        config.name = args.name
    if not config.name:
        config.name = "run"
    return config.validate()


def data_values(files: list[str] | None, vals: list[str] | None) -> dict:
    """--data/--val as config values: one file is data.train/data.val; several files, or FILE:WEIGHT, make a
    multi-task mixture (data.tasks) with one --val per --data."""
    if not files:
        if vals:
            return {"data.val": vals[-1]}
        return {}
    parsed = []
    for text in files:
        match = re.fullmatch(r"(.+):(\d+(?:\.\d*)?|\.\d+)", text)
        parsed.append((match.group(1), float(match.group(2))) if match and not os.path.exists(text) else (text, None))
    if len(parsed) == 1 and parsed[0][1] is None:
        return {"data.train": parsed[0][0], **({"data.val": vals[-1]} if vals else {})}
    if vals and len(vals) != len(parsed):
        raise UserError("cli.val_count", data=len(parsed), val=len(vals))
    return {"data.tasks": [{"train": path, "weight": 1.0 if weight is None else weight,
                            "val": vals[i] if vals else None} for i, (path, weight) in enumerate(parsed)]}


def cmd_train(args, settings: Settings) -> int:
    config = train_config(args)
    if config.dist.nnodes > 1 and config.dist.node_rank > 0:  # node 0 reports progress; this node waits
        jobs.check(config, settings)
        run, pid = jobs.join(config, settings, reap=False)
        print(f"Node {config.dist.node_rank} joined run {run.id}")
        return 0 if args.detach else os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    if args.pilot:
        from .pilot import start_pilot

        runs = start_pilot(config, settings, reap=not args.detach)
        print("Pilot runs: " + " ".join(r.id for r in runs))
        if args.detach:
            return 0
        for run in runs:
            launcher.wait(run)
        return cmd_pilot(argparse.Namespace(runs=[r.id for r in runs]), settings)
    run = jobs.start(config, settings, reap=not args.detach)
    if args.detach:
        print(f"Started run {run.id}")
        return 0
    return follow(run)


def follow(run: Run) -> int:
    """Show a progress bar until the run ends; Ctrl-C stops the run cleanly."""
    from tqdm import tqdm

    print(f"Run {run.id}: {run.dir}")
    bar = tqdm(total=None, unit="step", dynamic_ncols=True)
    try:
        while True:
            status = run.status()
            if status.get("total_steps") and bar.total != status["total_steps"]:
                bar.total = status["total_steps"]
            bar.n = status.get("step", 0)
            loss = status.get("loss")
            bar.set_postfix_str(f"{status.get('state')}" + (f" loss={loss:.4f}" if loss is not None else ""))
            if status.get("state") in FINISHED:
                break
            time.sleep(0.5)
    except KeyboardInterrupt:
        bar.close()
        print("Stopping: writing a checkpoint...", file=sys.stderr)
        status = launcher.stop(run)
    bar.close()
    state = status.get("state")
    if state == "done":
        print(f"Done. Final model: {run.final_dir}")
        return 0
    print(f"Run {run.id} {state}: {status.get('error')}", file=sys.stderr)
    return 1


def cmd_presets(args, settings: Settings) -> int:
    if args.show:
        print(load_layers(args.show).to_yaml(), end="")
        return 0
    for name, description in presets().items():
        print(f"{name:<24} {description}")
    return 0


def cmd_runs(args, settings: Settings) -> int:
    rows = []
    for run in RunStore(settings).list():
        status = run.status()
        config = run.config()
        rows.append({"id": run.id, "name": config.name, "state": status.get("state"), "step": status.get("step"),
                     "total_steps": status.get("total_steps"), "model": config.model.ref,
                     "created": status.get("created")})
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        for r in rows:
            print(f"{r['id']:<45} {r['state']:<10} {r['step']}/{r['total_steps'] or '?':<8} {r['model']}")
    return 0


def cmd_status(args, settings: Settings) -> int:
    run = RunStore(settings).get(args.run)
    status = run.status()
    if args.json:
        print(json.dumps({"id": run.id, **status}, indent=2, ensure_ascii=False))
    else:
        for key in ("state", "step", "total_steps", "epoch", "loss", "pid", "started", "ended", "error"):
            if status.get(key) is not None:
                print(f"{key:<12} {status[key]}")
    return 0


def cmd_stop(args, settings: Settings) -> int:
    status = launcher.stop(RunStore(settings).get(args.run), grace=args.grace)
    print(f"{args.run}: {status.get('state')}")
    return 0


def cmd_plan(args, settings: Settings) -> int:
    from . import plan

    ref = args.model or RunConfig().model.ref
    model_config = models.load_config(ref, settings)
    tokens = logits = None
    if args.data:
        from .data import read_examples, tokenize_all

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
    options = plan.suggest(p, args.gpu_mem) if args.gpu_mem and not result.fits else []
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
    from .serve import read_api_key, serve
    from .serve.app import Limits

    if min(args.max_tokens, args.concurrency, args.port) < 1 or args.queue < 0:
        raise UserError("cli.serve_limits")
    key = read_api_key(args.api_key_env, args.api_key_file)
    limits = Limits(max_tokens=args.max_tokens, concurrency=args.concurrency, queue=args.queue)
    return serve(args.model, settings, host=args.host, port=args.port, api_key=key, limits=limits,
                 engine=args.engine, prefer=args.device, on_ready=lambda text: print(text, flush=True))


def cmd_resume(args, settings: Settings) -> int:
    run = RunStore(settings).get(args.run)
    checkpoint = jobs.resume(run, settings, reap=not args.detach, step=args.checkpoint)
    print(f"Resuming {run.id} from {checkpoint.name}")
    return 0 if args.detach else follow(run)


def cmd_chat(args, settings: Settings) -> int:
    from transformers.utils import logging as hf_logging

    from .generate import Decoding, ModelCache, chat

    hf_logging.disable_progress_bar()
    ref = args.model or RunConfig().model.ref
    models.resolve(ref, settings)
    print(chat(ModelCache(settings, size=1), ref, args.prompt, Decoding(max_new_tokens=args.max_new_tokens)))
    return 0


COMMANDS = {"guided": cmd_guided, "models": cmd_models, "train": cmd_train, "data": cmd_data, "runs": cmd_runs, "status": cmd_status,
            "stop": cmd_stop, "resume": cmd_resume, "plan": cmd_plan, "serve": cmd_serve,
            "presets": cmd_presets, "probe": cmd_probe, "eval": cmd_eval, "compare": cmd_compare,
            "pilot": cmd_pilot, "chat": cmd_chat, "card": cmd_card, "push": cmd_push, "export": cmd_export,
            "space": cmd_space}

if __name__ == "__main__":
    sys.exit(main())
