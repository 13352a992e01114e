"""The guided first run: check the demo data, plan the memory, train a run sized to the hardware, then read what
the model gained and forgot. Each step says what it did and what to do next; every choice is a normal RunConfig
the user can change (the Train tab and `ftcore train` take the same settings)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

from ftcore.config import DEFAULT_MODEL, RunConfig, load_layers
from ftcore.data import DEMOS, read_examples, write_jsonl
from ftcore.data.quality.report import quality_report
from ftcore.data.split import split_examples
from ftcore.errors import UserError
from ftcore.messages import Join, Text
from ftcore.models import load_config
from ftcore.plan.advice import advise
from ftcore.runs.devices import Device, detect
from ftcore.runs.jobs import start
from ftcore.runs.progress import Pace, Tail, human_duration, progress
from ftcore.runs.registry import RunStore
from ftcore.runs.state import busy, status_error
from ftcore.runs.store import Run
from ftcore.settings import Settings

GUIDED_NAME = "first-run"  # the guided run's name: how a reloaded page finds it again
# 2 epochs of the demo's 120 training rows at lr 1e-4 (constant), 3m15s of training on 2 idle cores: the answers
# to trained questions take the data's wording (30 steps at 5e-5 barely moved them: training loss 3.0, now 2.0) and the
# validation loss and ROUGE-L are the best of 5e-5 x 30, 1e-4 x 60 and 2e-4 x 60 (2e-4 overfits: 3.16 vs 3.03)
CPU_STEPS = 60
CPU_LR = 1e-4
CPU_SUITES = "quick"  # the quick probes (no 160-token writing); the GPU recipe runs them all
VERDICTS = {"kept": Text("verdict.kept"), "gained": Text("verdict.gained"), "forgot": Text("verdict.forgot"),
            "uncertain": Text("verdict.uncertain"), "info": Text("verdict.info")}


@dataclass
class Step:
    title: Text
    text: Text
    done: bool = True
    run: Run | None = None


def guided_config(settings: Settings, devices: list[Device], model: str = DEFAULT_MODEL,
                  demo: str = "barista") -> RunConfig:
    """The demo data split 80/20, and a recipe for the hardware: short and constant on a CPU, the full-sft preset
    for 3 epochs on a GPU; the prompting baseline (3 worked examples) in the report either way."""
    gpu = devices[0].id.startswith("cuda")
    data = DEMOS[demo]
    folder = settings.datasets_dir / "guided"
    train, val = folder / f"{demo}.train.jsonl", folder / f"{demo}.val.jsonl"
    if not (train.is_file() and val.is_file()):
        parts = split_examples(read_examples(data.path, data.format, data.template), 0.2, seed=42)
        write_jsonl(parts.train, train)
        write_jsonl(parts.val, val)
    config = load_layers("full-sft" if gpu else "quick-cpu")
    config.name = GUIDED_NAME
    config.model.ref = model
    config.data.train, config.data.val, config.data.format = str(train), str(val), "messages"
    if gpu:
        config.train.epochs = 3.0
    else:
        config.train.max_steps = CPU_STEPS
        config.train.learning_rate = CPU_LR
        config.probe.suites = CPU_SUITES
    config.probe.fewshot = 3
    return config.validate()


def guided_run(settings: Settings, model: str = DEFAULT_MODEL, poll: float = 1.0) -> Iterator[Step]:
    """Yield each step as it starts and as it ends; the last step holds the finished run. Titles and texts are
    Texts: English where a str is expected, text("zh") for Chinese. A guided run already in progress (started in
    another browser, or before a reload) is followed, never started twice."""
    current = latest(settings)
    if current is not None and busy(current.status()):
        yield Step(Text("guided.train"), Text("guided.following", run=current.id), done=False, run=current)
        yield from follow(current, poll)
        return
    devices = detect()
    config = guided_config(settings, devices, model)
    where = devices[0].name if devices[0].id.startswith("cuda") else Text("guided.the_cpu")

    yield Step(Text("guided.check"), Text("guided.reading"), done=False)
    examples = read_examples(config.data.train, "messages") + read_examples(config.data.val, "messages")
    report = quality_report(examples, fmt="messages")
    warnings = Join(report["warnings"], "\n- ") if report["warnings"] else Text("guided.none")
    yield Step(Text("guided.check"), Text("guided.checked", rows=report["rows"],
                                          duplicates=report["exact_duplicate_rows"],
                                          empty=report["empty_answer_rows"], pii=report["pii_rows"],
                                          warnings=warnings))

    advice = advise(config, load_config(model, settings), devices)
    plan = advice.plan
    # one number for the reader: the plan's prediction on a GPU; on the CPU what the process will take in all
    gib = plan.total / 2**30
    verdict = Text("guided.fits" if plan.fits else "guided.does_not_fit", gib=gib) if plan.fits is not None else \
        Text("guided.needs_ram", gib=gib + 0.4)
    t = config.train
    length = Text("guided.steps", n=t.max_steps) if t.max_steps else Text("guided.epochs", n=t.epochs)
    yield Step(Text("guided.plan"), Text("guided.planned", model=model, millions=advice.parameters / 1e6,
                                         where=where, verdict=verdict, length=length,
                                         batch=t.batch_size, lr=t.learning_rate, scheduler=t.scheduler,
                                         max_length=config.data.max_length, optimizer=t.optimizer))

    run = start(config, settings)
    yield Step(Text("guided.train"), Text("guided.started", run=run.id), done=False, run=run)
    yield from follow(run, poll)


def latest(settings: Settings) -> Run | None:
    """The newest guided run of the workspace, or None: the guided panel re-attaches to it after a reload."""
    for run in RunStore(settings).list():
        try:
            if run.config().name == GUIDED_NAME:
                return run
        except UserError:
            continue
    return None


def follow(run: Run, poll: float = 1.0) -> Iterator[Step]:
    """The guided run's steps from its folder: training and the report as they progress (step, loss, time left;
    suite evaluations done), then what the model gained and forgot. A reload of the page follows the same run."""
    tail, pace = Tail(run), Pace()
    while busy(status := run.status()):  # the report too: the last steps read it
        yield Step(Text("guided.train"), Text("guided.progress", run=run.id,
                                              progress=progress(run, status, pace.add(tail.read())).summary()),
                   done=False, run=run)
        time.sleep(poll)
    if status.get("state") != "done":
        yield Step(Text("guided.train"), Text("guided.ended", run=run.id, state=status.get("state"),
                                              error=status_error(status)), run=run)
        return
    yield Step(Text("guided.train"), Text("guided.done_run", run=run.id, loss=status.get("loss") or 0), run=run)
    yield Step(Text("guided.compare"), _summary(run), run=run)
    yield Step(Text("guided.done"), Text("guided.finished", duration=human_duration(_took(run, status))), run=run)


def _took(run: Run, status: dict) -> float | None:
    """From the run's creation to the end of its report (the guided run is both), or of training without one."""
    from datetime import datetime

    try:
        created = datetime.fromisoformat(status["created"]).timestamp()
        reports = run.events("report_end")
        end = reports[-1]["time"] if reports else datetime.fromisoformat(status["ended"]).timestamp()
        return end - created
    except (KeyError, TypeError, ValueError):
        return None


def _summary(run: Run) -> Text:
    report = run.report()
    final = report.final if report else None
    if final is None:
        return Text("guided.no_report")
    rows = {(r.model, r.task): r.metrics for r in report.domain_rows(["final"])}
    base, shots, tuned = rows.get(("base", "all"), {}), rows.get(("fewshot", "all"), {}), final.domain
    lines = [Text("guided.table_head")]
    for key in ("loss", "rouge_l", "contains"):
        if key in tuned:
            lines.append(Text("guided.domain_row", metric=key, base=base.get(key, 0), shots=shots.get(key, float("nan")),
                              tuned=tuned[key]))
    for row in final.rows:
        lines.append(Text("guided.probe_row", suite=row.suite, kind=row.kind, base=row.base, tuned=row.tuned,
                          verdict=VERDICTS.get(row.verdict, row.verdict)))
    return Text("guided.summary", table=Join(lines, "\n"), recommendation=report.recommendation())
