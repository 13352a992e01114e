"""`ftcore`: the command line over the public API. User errors print one message and exit 2."""

from __future__ import annotations

import argparse
import re
import sys

from ftcore.cli.data import add_data_parser, cmd_data
from ftcore.cli.models import cmd_blend, cmd_chat, cmd_guided, cmd_models, cmd_plan, cmd_presets, cmd_serve
from ftcore.cli.probe import add_probe_parsers, cmd_compare, cmd_eval, cmd_pilot, cmd_probe
from ftcore.cli.publish import add_hub_parsers, cmd_card, cmd_export, cmd_push, cmd_space
from ftcore.cli.runs import TRAIN_FLAGS, cmd_resume, cmd_runs, cmd_status, cmd_stop, cmd_train
from ftcore.config import (
    DataConfig,
    DistConfig,
    TrainConfig,
    field_help,
)
from ftcore.errors import UserError
from ftcore.settings import Settings


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
    p.add_argument("--no-wait-report", action="store_true", help="Return as soon as the model is ready; the "
                   "evaluation report goes on in the background (ftcore status RUN shows it, ftcore stop RUN ends "
                   "it).")
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
    p.add_argument("--no-wait-report", action="store_true", help="Return as soon as the model is ready.")

    p = sub.add_parser("blend", help="Blend a run's fine-tuned weights with its base model's (WiSE-FT: (1 - alpha) "
                       "x base + alpha x tuned), written into the run folder; prints the reference to use as --model "
                       "(Chat, Compare, card, push).")
    p.add_argument("run")
    p.add_argument("--alpha", type=float, required=True, help="Share of the fine-tuned weights: 0 is the base "
                   "model, 1 the fine-tuned one; lower values forget less and learn less.")
    p.add_argument("--from", dest="source", default="final", metavar="CHECKPOINT", help="Blend this checkpoint "
                   "(checkpoint-N, or N) instead of the final model.")

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


COMMANDS = {"guided": cmd_guided, "models": cmd_models, "train": cmd_train, "data": cmd_data, "runs": cmd_runs, "status": cmd_status,
            "stop": cmd_stop, "resume": cmd_resume, "plan": cmd_plan, "serve": cmd_serve,
            "presets": cmd_presets, "probe": cmd_probe, "eval": cmd_eval, "compare": cmd_compare,
            "pilot": cmd_pilot, "chat": cmd_chat, "blend": cmd_blend, "card": cmd_card, "push": cmd_push, "export": cmd_export,
            "space": cmd_space}

if __name__ == "__main__":
    sys.exit(main())
