"""The guided first run: check the demo data, plan the memory, train a run sized to the hardware, then read what
the model gained and forgot. Each step says what it did and what to do next; every choice is a normal RunConfig
the user can change (the Train tab and `ftcore train` take the same settings)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

from .advice import advise
from .config import DEFAULT_MODEL, RunConfig, load_layers
from .data import DEMOS, read_examples, write_jsonl
from .data.report import quality_report
from .data.split import split_examples
from .devices import Device, detect
from .jobs import start
from .launcher import wait
from .models import load_config
from .runs import FINISHED, Run
from .settings import Settings

CPU_STEPS = 30  # a few minutes of the embedded model on 2 CPU cores, report included
CPU_SUITES = "general_en,arithmetic,instruction,kl"  # the quick probes; the GPU recipe runs them all


@dataclass
class Step:
    title: str
    text: str
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
    config.name = "first-run"
    config.model.ref = model
    config.data.train, config.data.val, config.data.format = str(train), str(val), "messages"
    if gpu:
        config.train.epochs = 3.0
    else:
        config.train.max_steps = CPU_STEPS
        config.probe.suites = CPU_SUITES
    config.probe.fewshot = 3
    return config.validate()


def guided_run(settings: Settings, model: str = DEFAULT_MODEL, poll: float = 1.0) -> Iterator[Step]:
    """Yield each step as it starts and as it ends; the last step holds the finished run."""
    began = time.perf_counter()
    devices = detect()
    config = guided_config(settings, devices, model)
    where = devices[0].name if devices[0].id.startswith("cuda") else "the CPU"

    yield Step("1. Check the data", "Reading the barista demo (150 English chat examples)...", done=False)
    examples = read_examples(config.data.train, "messages") + read_examples(config.data.val, "messages")
    report = quality_report(examples, fmt="messages")
    warnings = "".join(f"\n- {w}" for w in report["warnings"]) or "\n- none"
    yield Step("1. Check the data", f"{report['rows']} rows: {report['exact_duplicate_rows']} exact duplicates, "
               f"{report['empty_answer_rows']} empty answers, {report['pii_rows']} rows with personal data. Held "
               f"out 20% for validation. Warnings:{warnings}\n\nNext: with your own data, use the Data tab the "
               "same way.")

    advice = advise(config, load_config(model, settings), devices)
    plan = advice.plan
    verdict = ("fits" if plan.fits else "does not fit") if plan.fits is not None else \
        f"needs about {plan.total / 2**30 + 0.4:.1f} GiB of RAM"
    t = config.train
    length = f"{t.max_steps} steps" if t.max_steps else f"{t.epochs:g} epochs"
    yield Step("2. Plan", f"Full fine-tuning of {model} ({advice.parameters / 1e6:,.0f}M parameters) on {where} "
               f"{verdict} ({plan.total / 2**30:.2f} GiB predicted). Recipe: {length}, batch {t.batch_size}, "
               f"learning rate {t.learning_rate:g} ({t.scheduler}), max length {config.data.max_length}, "
               f"{t.optimizer}. Every value can be changed in the Train tab.")

    run = start(config, settings)
    yield Step("3. Train", f"Run {run.id} started.", done=False, run=run)
    while (status := run.status()).get("state") not in FINISHED:
        total = status.get("total_steps") or "?"
        phase = status.get("phase") or status.get("state")
        loss = status.get("loss")
        text = f"Run {run.id}: {phase}, step {status.get('step', 0)}/{total}" + (
            f", loss {loss:.3f}" if isinstance(loss, int | float) else "")
        if phase == "evaluating":
            text += " — scoring the base and the fine-tuned model on validation data and the forgetting probes"
        yield Step("3. Train", text, done=False, run=run)
        time.sleep(poll)
    status = wait(run)
    if status.get("state") != "done":
        yield Step("3. Train", f"Run {run.id} {status.get('state')}: {status.get('error')}", run=run)
        return
    yield Step("3. Train", f"Run {run.id} done: final loss {status.get('loss') or 0:.3f}.", run=run)

    yield Step("4. Compare and probes", _summary(run), run=run)
    yield Step("Done", f"Guided run finished in {time.perf_counter() - began:.0f} s. Next: chat with both models "
               "in Compare, publish in Publish, or train on your own data in Data and Train.", run=run)


def _summary(run: Run) -> str:
    import json

    path = run.dir / "report.json"
    if not path.is_file():
        return "No evaluation report (see the run's log)."
    report = json.loads(path.read_text(encoding="utf-8"))
    final = next(c for c in report["candidates"] if c["name"] == "final")
    base, tuned = report["base"].get("domain", {}), final.get("domain", {})
    shots = (report["base"].get("fewshot") or {}).get("domain") or {}
    lines = ["| | base | base + 3-shot prompt | fine-tuned |", "|---|---|---|---|"]
    for key in ("loss", "rouge_l", "contains"):
        if key in tuned:
            lines.append(f"| domain {key} | {base.get(key, 0):.3g} | {shots.get(key, float('nan')):.3g} | "
                         f"{tuned[key]:.3g} |")
    for row in final["rows"]:
        lines.append(f"| {row['suite']} ({row['kind']}) | {row['base']:.3g} | | {row['tuned']:.3g} ({row['verdict']}) |")
    lines.append("")
    lines.append(f"Recommendation: {report['recommendation']}")
    return "\n".join(lines)
