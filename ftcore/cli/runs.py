"""`ftcore train|runs|status|stop|resume`: start a run from flags, follow it to the end, list, stop and resume runs."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time

from ftcore.cli._table import emit
from ftcore.cli.probe import cmd_pilot
from ftcore.config import (
    RunConfig,
    apply_overrides,
    load_layers,
    parse_columns,
    parse_template,
)
from ftcore.errors import UserError
from ftcore.runs import jobs, launcher
from ftcore.runs.registry import RunStore
from ftcore.runs.state import busy
from ftcore.runs.store import Run
from ftcore.settings import Settings

TRAIN_FLAGS = [  # flag, section, key, type
    ("--data", "data", "train", str), ("--val", "data", "val", str), ("--format", "data", "format", str),
    ("--template", "data", "template", parse_template), ("--columns", "data", "columns", parse_columns),
    ("--max-length", "data", "max_length", int), ("--chat-template", "data", "chat_template", str),
    ("--epochs", "train", "epochs", float), ("--max-steps", "train", "max_steps", int),
    ("--lr", "train", "learning_rate", float), ("--batch-size", "train", "batch_size", int),
    ("--grad-accum", "train", "grad_accum", int), ("--save-steps", "train", "save_steps", int),
    ("--seed", "train", "seed", int),
    ("--nproc", "dist", "nproc", int), ("--nnodes", "dist", "nnodes", int), ("--node-rank", "dist", "node_rank", int),
    ("--master-addr", "dist", "master_addr", str), ("--master-port", "dist", "master_port", int),
    ("--strategy", "dist", "strategy", str), ("--offload", "dist", "offload", str),
]


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
        from ftcore.recipes.pilot import start_pilot

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
    return follow(run, settings.lang, not args.no_wait_report)


def follow(run: Run, lang: str = "en", wait_report: bool = True) -> int:
    """Show a progress bar until the model is done (time left and tokens/s from ftcore's progress), say where it
    is the moment it is, then follow its report (suite evaluations, time left) unless `wait_report` is false;
    Ctrl-C stops the run cleanly (during the report: ends the report, the model stays)."""
    from tqdm import tqdm

    from ftcore.messages import localize
    from ftcore.runs.progress import Pace, Tail, progress

    print(f"Run {run.id}: {run.dir}")
    bar = tqdm(total=None, unit="step", dynamic_ncols=True)
    tail, pace, ready = Tail(run), Pace(), False
    try:
        while True:
            status = run.status()
            now = progress(run, status, pace.add(tail.read()))
            if status.get("state") == "done" and not ready:
                ready = True
                bar.n = now.total or now.step
                bar.close()
                print(f"The model is ready: {run.final_dir}", flush=True)
                if not (wait_report and busy(status)):
                    break
                bar = tqdm(total=None, unit="suite", dynamic_ncols=True, desc="report")
            total, done = (now.report_total, now.report_done) if ready else (now.total, now.step)
            if total and bar.total != total:
                bar.total = total
            bar.n = done
            bar.set_postfix_str(localize(now.summary(), lang), refresh=True)
            if not busy(status):
                break
            time.sleep(0.5)
    except KeyboardInterrupt:
        bar.close()
        print("Stopping the report (the model stays)..." if ready else "Stopping: writing a checkpoint...",
              file=sys.stderr)
        status = launcher.stop(run)
    bar.close()
    state = status.get("state")
    if state != "done":
        print(f"Run {run.id} {state}: {status.get('error')}", file=sys.stderr)
        return 1
    if not ready:
        print(f"The model is ready: {run.final_dir}")
    report = status.get("report")
    if report == "done":
        print(f"Report: {run.report_path} (ftcore compare {run.id})")
    elif report in ("running", "stopping"):
        print(f"The report goes on in the background: ftcore status {run.id}; ftcore stop {run.id} ends it.")
    elif report in ("stopped", "failed"):
        print(f"Report {report}{': ' + status['report_error'] if status.get('report_error') else ''}; "
              f"ftcore compare {run.id} --rerun makes it later.", file=sys.stderr)
    return 0


def cmd_runs(args, settings: Settings) -> int:
    rows = []
    for run in RunStore(settings).list():
        status = run.status()
        config = run.config()
        rows.append({"id": run.id, "name": config.name, "state": status.get("state"), "step": status.get("step"),
                     "total_steps": status.get("total_steps"), "model": config.model.ref,
                     "created": status.get("created")})
    return emit(rows, args.json,
                lambda r: f"{r['id']:<45} {r['state']:<10} {r['step']}/{r['total_steps'] or '?':<8} {r['model']}")


def cmd_status(args, settings: Settings) -> int:
    run = RunStore(settings).get(args.run)
    status = run.status()
    if args.json:
        print(json.dumps({"id": run.id, **status}, indent=2, ensure_ascii=False))
    else:
        from ftcore.messages import localize
        from ftcore.runs.progress import human_duration, progress

        now = progress(run, status)
        print(localize(now.summary(), settings.lang))
        for key in ("state", "report", "step", "total_steps", "epoch", "loss", "forget_kl", "pid", "started", "ended",
                    "error", "report_error"):
            if status.get(key) is not None:
                print(f"{key:<12} {status[key]}")
        stopped = run.final_meta().get("forgetting_stop")  # train.stop_on_forgetting ended the run
        if stopped:
            print(f"{'forgetting':<12} {stopped['forget_kl']} nats > {stopped['threshold']} at step {stopped['step']};"
                  f" final model from {stopped['final_from'] or 'that step'}")
        if now.reporting and now.report_total:
            print(f"{'suites':<12} {now.report_done}/{now.report_total}")
        if now.report_estimate is not None:
            print(f"{'estimate':<12} {human_duration(now.report_estimate)} at most")
        if now.eta_seconds is not None:
            print(f"{'eta':<12} {human_duration(now.eta_seconds)}")
        if now.tokens_per_second is not None:
            print(f"{'tokens/s':<12} {now.tokens_per_second:.1f}")
    return 0


def cmd_stop(args, settings: Settings) -> int:
    status = launcher.stop(RunStore(settings).get(args.run), grace=args.grace)
    print(f"{args.run}: {status.get('state')}")
    return 0


def cmd_resume(args, settings: Settings) -> int:
    run = RunStore(settings).get(args.run)
    checkpoint = jobs.resume(run, settings, reap=not args.detach, step=args.checkpoint)
    print(f"Resuming {run.id} from {checkpoint.name}")
    return 0 if args.detach else follow(run, settings.lang, not args.no_wait_report)
