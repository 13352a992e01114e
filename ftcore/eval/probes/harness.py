"""Standard benchmarks as probe suites (`lm_eval:TASK`) through EleutherAI's lm-evaluation-harness: the harness
loads the task and scores each question on the already-loaded model through its own HFLM wrapper; each item's
0/1 correctness (acc for multiple choice, exact_match for generated answers) makes a suite result scored like
any other answer suite (% correct). lm-eval is imported only here, when such a suite is asked for."""

from __future__ import annotations

import hashlib
import json
import logging
import math
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ftcore.errors import UserError
from ftcore.eval.probes.suites import Suite

PREFIX = "lm_eval:"
METRICS = ("acc", "exact_match")  # per-item 0/1 scores, in the order preferred


@dataclass
class HarnessTasks:
    """What a harness suite runs: lm-eval's loaded task dict, the items per subtask and each subtask's metric."""

    loaded: dict[str, Any]
    limit: int | None
    metrics: dict[str, str]


def is_harness(name: str) -> bool:
    return name.startswith(PREFIX)


def check(name: str, include: str = ""):
    """That `lm_eval:TASK` names a task the harness knows (or a task file, in folders that exist), before a run
    trains for an hour and its report then fails on a typo. Returns the task manager and the task's spec."""
    spec = name[len(PREFIX):].strip()
    is_file = spec.endswith((".yaml", ".yml"))
    if is_file and not Path(spec).expanduser().is_file():
        raise UserError("harness.no_file", suite=name, path=spec)
    folders = [part.strip() for part in include.split(",") if part.strip()]
    for folder in folders:
        if not Path(folder).expanduser().is_dir():
            raise UserError("harness.bad_include", path=folder)
    try:
        from lm_eval.tasks import TaskManager
    except ImportError as exc:
        raise UserError("harness.not_installed", suite=name) from exc

    with quiet():
        # a task file alone needs no index of the harness's thousands of tasks (seconds to build)
        manager = TaskManager(include_path=[str(Path(f).expanduser()) for f in folders] or None,
                              include_defaults=not (is_file and not folders))
    if not is_file and spec not in manager.all_tasks:
        import difflib

        close = difflib.get_close_matches(spec, manager.all_tasks, n=3)
        raise UserError("harness.unknown_task", suite=name, close=", ".join(close) or "-")
    return manager, spec


def load(name: str, *, limit: int, include: str = "") -> Suite:
    """`lm_eval:TASK` (a task, group or tag the harness knows, or one in the `include` folders) or
    `lm_eval:PATH.yaml` (a task file). `limit`: items per suite, shared evenly by a group's subtasks (0: all).
    Each item names its subtask and document, with the text and choices the model reads (for estimates)."""
    manager, spec = check(name, include)
    is_file = spec.endswith((".yaml", ".yml"))
    with quiet():
        try:
            loaded = manager.load([str(Path(spec).expanduser()) if is_file else spec])
        except OSError as exc:  # ConnectionError, FileNotFoundError, the Hub's offline errors
            raise UserError("harness.no_data", suite=name, error=_short(exc)) from exc
        except Exception as exc:  # a task config the harness cannot build: its own words, on one line
            raise UserError("harness.bad_task", suite=name, error=_short(exc)) from exc

    tasks = loaded["tasks"]
    metrics = {}
    for leaf, task in tasks.items():
        names = list(task.aggregation())
        metric = next((m for m in METRICS if m in names), None)
        if metric is None:
            raise UserError("harness.no_metric", suite=name, task=leaf, metrics=", ".join(names) or "-")
        metrics[leaf] = metric
        if task.get_config("num_fewshot") is None:  # as the harness's simple_evaluate does
            task.set_config(key="num_fewshot", value=0)
        task.set_fewshot_seed(seed=1234)
    per_task = math.ceil(limit / len(tasks)) if limit else None
    items = []
    for leaf in sorted(tasks):
        task = tasks[leaf]
        choosing = task.get_config("output_type") == "multiple_choice"
        for doc_id, doc in task.doc_iterator(limit=per_task):
            blob = json.dumps(doc, sort_keys=True, ensure_ascii=False, default=str)
            text = task.doc_to_text(doc)  # an index, not a text, where the choices are the contexts (winogrande)
            items.append({"task": leaf, "doc": doc_id, "hash": hashlib.sha256(blob.encode()).hexdigest()[:12],
                          "prompt": text if isinstance(text, str) else "",
                          "choices": [str(c) for c in task.doc_to_choice(doc)] if choosing else []})
    label = spec if not is_file else (next(iter(loaded["groups"]), None) or next(iter(sorted(tasks))))
    description = f"lm-eval {label}: {len(items)} items" + (f" (first {per_task} per task)" if per_task else "")
    return Suite(PREFIX + label, "harness", description, items, harness=HarnessTasks(loaded, per_task, metrics))


def run(model, tokenizer, suite: Suite, *, batch_size: int = 16, stop=None) -> list[dict[str, Any]]:
    """Each item of the suite scored on this model, in the suite's order: prompt, reply (the choice the model
    ranked first, or its generated answer) and ok. `stop`: checked before each forward pass; true raises
    Stopped."""
    from lm_eval.evaluator import evaluate

    tasks: HarnessTasks = suite.harness
    with quiet():
        out = evaluate(lm=_lm(model, tokenizer, batch_size, stop), task_dict=tasks.loaded, limit=tasks.limit,
                       bootstrap_iters=0, log_samples=True)
    by_item: dict[tuple[str, int], dict] = {}
    for leaf, samples in out["samples"].items():
        first = samples[0]["filter"] if samples else None
        for sample in samples:
            if sample["filter"] == first:  # generated answers may be read by several filters: the task's first
                by_item[(leaf, sample["doc_id"])] = sample
    return [_outcome(by_item[(item["task"], item["doc"])], tasks.metrics[item["task"]]) for item in suite.items]


def _outcome(sample: dict, metric: str) -> dict[str, Any]:
    args, resps = sample["arguments"], sample["filtered_resps"]
    if isinstance(resps[0], tuple | list):  # multiple choice: (log-likelihood, is greedy) per choice
        best = max(range(len(resps)), key=lambda i: resps[i][0])
        # the choice is the continuation, or the context where the choices are contexts (winogrande)
        reply = str(args[best][1 if len({a[1] for a in args}) > 1 else 0]).strip()
    else:
        reply = str(resps[0]).strip()
    return {"prompt": str(args[0][0]), "reply": reply, "ok": float(sample[metric]) == 1.0}


def _lm(model, tokenizer, batch_size: int, stop):
    """The harness's wrapper around this model and tokenizer (nothing is reloaded; the model stays on its
    device), checking `stop` before each forward pass so that a report can end between two batches."""
    from lm_eval.models.huggingface import HFLM

    from ftcore.eval.probes.runner import Stopped

    class StoppableLM(HFLM):
        def _model_call(self, *args, **kwargs):
            if stop is not None and stop():
                raise Stopped
            return super()._model_call(*args, **kwargs)

        def _model_generate(self, *args, **kwargs):
            if stop is not None and stop():
                raise Stopped
            return super()._model_generate(*args, **kwargs)

    return StoppableLM(pretrained=model, tokenizer=tokenizer, batch_size=batch_size)


@contextmanager
def quiet():
    """The harness's info and warning lines (seeds, "pretrained is not a string") say nothing to our users."""
    logger = logging.getLogger("lm_eval")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _short(exc: Exception) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 240 else text[:237] + "..."
