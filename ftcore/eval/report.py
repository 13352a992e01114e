"""The report every run ends with: the domain metric and the forgetting probes for the base model and the final
model (and, when asked, each kept checkpoint, and blends of base and final: blend_search), base-vs-tuned rows with
verdicts against the forgetting budget, and the recommended candidate: the best domain metric whose forgetting
stays within budget (a recommended blend is written into the run folder)."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

from ftcore import models
from ftcore._atomic import write_json
from ftcore.config import RunConfig
from ftcore.data import read_examples
from ftcore.data.chat_template import use_chat_template
from ftcore.errors import UserError
from ftcore.eval import blend_search, estimate
from ftcore.eval.blend import write_run_blend
from ftcore.eval.domain import MAX_EXAMPLES, evaluate_domain
from ftcore.eval.probes import BUILTIN, compare, load_suite, run_suite, within_budget
from ftcore.eval.probes.runner import Stopped
from ftcore.eval.schema import Report
from ftcore.messages import Text
from ftcore.runs import placement
from ftcore.runs.state import blend_name
from ftcore.runs.store import Run
from ftcore.settings import Settings

# the probes that answer briefly or only read: no 160-token writing (instruction, poems), minutes on a CPU
QUICK = ("general_en", "general_zh", "arithmetic", "passages_ppl", "poem_ppl", "kl")


def suite_names(text: str, on_gpu: bool = True) -> list[str]:
    """The suites a probe.suites value names: none; all; quick (QUICK); auto (all on a GPU, quick on the CPU);
    or a comma list of suite names and files."""
    text = (text or "").strip()
    if text == "auto":
        text = "all" if on_gpu else "quick"
    if text in ("", "none"):
        return []
    if text in ("all", "quick"):
        return list(BUILTIN if text == "all" else QUICK)
    return [part.strip() for part in text.split(",") if part.strip()]


def domain_sets(config: RunConfig) -> tuple[dict[str, list], str]:
    """Examples per task ('' for a single dataset): its validation split, or an even sample of its training data
    when there is none (said in the report)."""
    out, splits = {}, set()
    for task in config.data.task_list():
        if task.val:
            out[task.name] = read_examples(task.val, task.format, task.template, task.columns,
                                           **config.data.read_options())[:MAX_EXAMPLES]
            splits.add("validation")
        else:
            train = read_examples(task.train, task.format, task.template, task.columns, **config.data.read_options())
            step = max(1, len(train) // 50)
            out[task.name] = train[::step][:50]
            splits.add("training sample (no validation file)")
    return out, " + ".join(sorted(splits))


def combine(per_task: dict[str, dict]) -> dict:
    """The mixture's domain numbers: per-task metrics averaged by example count; perplexity from the mean loss."""
    import math

    total = sum(m.get("examples", 0) for m in per_task.values()) or 1
    keys = {k for m in per_task.values() for k, v in m.items() if isinstance(v, int | float)} - {"examples"}
    out: dict[str, Any] = {k: sum(m.get(k, 0) * m.get("examples", 0) for m in per_task.values()) / total
                           for k in keys if all(k in m for m in per_task.values())}
    if "loss" in out:
        out["perplexity"] = math.exp(min(out["loss"], 50))
    out["examples"] = total
    out["seconds"] = sum(m.get("seconds", 0) for m in per_task.values())
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in out.items()}


def fewshot_baseline(model, tokenizer, config: RunConfig, sets: dict[str, list], k: int) -> dict:
    """Domain metrics of the base model prompted with k worked examples from each task's training split."""
    from ftcore.eval.fewshot import draw_shots, with_shots

    prompted = {}
    for task in config.data.task_list():
        if task.name in sets:
            train = read_examples(task.train, task.format, task.template, task.columns, **config.data.read_options())
            prompted[task.name] = with_shots(sets[task.name], draw_shots(train, k, config.train.seed))
    # the worked examples sit in the prompt: room for them on top of the run's max length
    domain, tasks = evaluate_tasks(model, tokenizer, prompted, config.data.max_length * (k + 1))
    return {"k": k, "domain": domain, **({"tasks": tasks} if tasks else {})}


def evaluate_tasks(model, tokenizer, sets: dict[str, list], max_length: int, stop=None) -> tuple[dict, dict | None]:
    """Domain metrics: of the one dataset, or of each task and their combination."""
    if list(sets) == [""]:
        return evaluate_domain(model, tokenizer, sets[""], max_length, stop=stop), None
    per_task = {name: evaluate_domain(model, tokenizer, examples, max_length, stop=stop)
                for name, examples in sets.items()}
    return combine(per_task), per_task


def primary_metric(domain: dict) -> tuple[str, float]:
    """The number candidates are ranked by: accuracy, else ROUGE-L, else minus the loss."""
    for key in ("accuracy", "rouge_l"):
        if key in domain:
            return key, domain[key]
    return "loss", -domain.get("loss", float("inf"))


def _scores(model, tokenizer, suites, base_model, config: RunConfig, on_result, stop=None) -> dict[str, dict]:
    out = {}
    for suite in suites:
        if stop is not None and stop():
            raise Stopped
        result = run_suite(model, tokenizer, suite, base=base_model,
                           max_new_tokens=config.probe.max_new_tokens or None, stop=stop)
        out[suite.name] = {**result.to_dict(), "items": result.items[:60]}
        on_result(result)
    return out


def evaluate_candidate(model, tok, config: RunConfig, suites, base_model, base_probes: dict[str, dict],
                       examples: dict[str, list], on_result=lambda result: None, stop=None) -> dict[str, Any]:
    """A candidate's domain metrics, probe scores and verdicts against the base's probe scores (`base_model`
    for the kl suite), as report.json holds it."""
    entry: dict[str, Any] = {}
    if examples:
        entry["domain"], tasks = evaluate_tasks(model, tok, examples, config.data.max_length, stop)
        if tasks:
            entry["tasks"] = tasks
    entry["probes"] = _scores(model, tok, suites, base_model, config, on_result, stop)
    rows = compare(base_probes, entry["probes"], config.probe.budget)
    entry["rows"] = [r.to_dict() for r in rows]
    entry["within_budget"] = within_budget(rows)
    if examples:
        entry["metric"], entry["metric_value"] = primary_metric(entry["domain"])
    return entry


def _cache_key(ref: str, source_kind: str, suites, config: RunConfig) -> str | None:
    """Base-model probe scores are reused for models that cannot change (embedded ones and finished runs)."""
    if source_kind not in ("embedded", "run"):
        return None
    blob = json.dumps([ref, [(s.name, s.items) for s in suites if s.kind != "kl"], config.probe.max_new_tokens],
                      sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def make_report(run: Run, settings: Settings, device: str | None = None, stop=None, suites: str | None = None
                ) -> dict[str, Any]:
    """Evaluate base and candidates, write report.json and events, and return the report. The models load on
    `device` (default: this process's GPU, else the CPU) in the device policy's dtype. `stop`: checked between
    suites, candidates and generation batches; true raises Stopped and writes no report. `suites`: a probe.suites
    value in place of the run's (`ftcore compare RUN --rerun --suites all`). A "report_plan" event says before
    the work begins what it holds and how long it should take on this device (ftcore.eval.estimate)."""
    config = run.config()
    began = time.perf_counter()
    device = device or placement.training_device()
    names = suite_names(config.probe.suites if suites is None else suites, on_gpu=device != "cpu")
    suites = [load_suite(name, config.probe) for name in names]
    examples, split = domain_sets(config) if config.probe.domain else ({}, "")
    candidates = [("final", run.final_dir)]
    if config.probe.checkpoints:
        candidates += [(p.name, p) for p in run.checkpoints()]

    def record(who: str):
        return lambda result: run.append_event("probe", model=who, suite=result.suite, suite_kind=result.kind,
                                               score=result.score, seconds=result.seconds)

    source = models.resolve(config.model.ref, settings)
    loading = time.perf_counter()
    base_model, tokenizer = models.load(config.model.ref, settings, phase="eval", device=device)
    tokenizer = use_chat_template(tokenizer, config.data.chat_template, settings)  # the base reads rows as training did
    load_s = time.perf_counter() - loading
    key = _cache_key(config.model.ref, source.kind, suites, config)
    cache = settings.home / "probe-cache" / f"{key}.json" if key else None
    speed = estimate.measure(base_model, tokenizer, estimate.calibration_prompts(suites, examples))
    run.append_event("report_plan", suites=names, **estimate.plan(
        speed, tokenizer, suites, examples, [name for name, _ in candidates], load_s=load_s,
        base_cached=bool(cache and cache.is_file()), max_new_tokens=config.probe.max_new_tokens,
        fewshot=config.probe.fewshot))
    base = {"ref": config.model.ref}
    if examples:
        base["domain"], tasks = evaluate_tasks(base_model, tokenizer, examples, config.data.max_length, stop)
        if tasks:
            base["tasks"] = tasks
        if config.probe.fewshot:
            try:
                base["fewshot"] = fewshot_baseline(base_model, tokenizer, config, examples, config.probe.fewshot)
            except UserError as exc:  # the report goes on without the baseline, and says why
                base["fewshot"] = {"k": config.probe.fewshot, "error": str(exc)}
    cached = bool(cache and cache.is_file())
    scored = [s for s in suites if s.kind != "kl"]
    # progress for readers: one "probe" event follows each of these suite evaluations
    run.append_event("report_begin", units=(0 if cached else len(scored)) + len(candidates) * len(suites),
                     candidates=[name for name, _ in candidates])
    if cached:
        base["probes"] = json.loads(cache.read_text(encoding="utf-8"))
    else:
        base["probes"] = _scores(base_model, tokenizer, scored, None, config, record("base"), stop)
        if cache:
            write_json(cache, base["probes"])
    if any(s.kind == "kl" for s in suites):
        base["probes"]["kl"] = {"suite": "kl", "kind": "kl", "score": 0.0, "n": 0, "seconds": 0.0, "items": []}

    def evaluate(name: str, model, tok) -> dict[str, Any]:
        return evaluate_candidate(model, tok, config, suites, base_model, base["probes"], examples, record(name),
                                  stop)

    report_candidates, search = [], None
    for name, path in candidates:
        if stop is not None and stop():
            raise Stopped
        model, tok = models.load(str(path), settings, phase="eval", device=device)
        entry = {"name": name, "path": str(Path(path).relative_to(run.dir)), **evaluate(name, model, tok)}
        report_candidates.append(entry)
        if name == "final" and blend_search.wanted(config.probe.blend, entry, suites):
            blends, search = _search_blends(run, config, base_model, model, tok, base, entry, suites, examples,
                                            evaluate, stop)
            report_candidates += blends
        del model
        placement.release_cuda_memory()

    chosen = recommend(report_candidates, config.probe.budget, search)
    picked = next((c for c in report_candidates if c["name"] == chosen["recommended"]), None)
    if picked is not None and picked.get("alpha") is not None:  # a folder: usable in Chat, Compare, card, push
        picked["path"] = str(write_run_blend(run, settings, picked["alpha"]).relative_to(run.dir))
    report = {"budget": config.probe.budget, "suites": [s.name for s in suites], "domain_split": split,
              "base": base, "candidates": report_candidates, **chosen, **({"blend_search": search} if search else {}),
              "seconds": round(time.perf_counter() - began, 1)}
    write_json(run.report_path, report)
    run.append_event("report", recommended=report["recommended"], recommendation=report["recommendation"],
                     seconds=report["seconds"])
    return report


def _search_blends(run: Run, config: RunConfig, base_model, model, tok, base, final, suites, examples, evaluate,
                   stop) -> tuple[list[dict], dict]:
    """Blends of base and final as candidates (blend_search); readers of the progress learn of each full
    evaluation as it starts."""

    def evaluate_blend(alpha: float, blended) -> dict[str, Any]:
        run.append_event("report_more", units=len(suites))
        return {"name": blend_name(alpha), "ref": run.blend_ref(alpha), "path": "",
                **evaluate(blend_name(alpha), blended, tok)}

    return blend_search.search(base_model, model, tok, base=base, final=final, suites=suites, examples=examples,
                               max_length=config.data.max_length, budget=config.probe.budget,
                               evaluate=evaluate_blend, stop=stop)


def _worst(candidate: dict | None) -> float:
    return max((r["lost"] for r in (candidate or {}).get("rows", []) if r["kind"] != "kl"), default=0.0)


def _blend_text(best: dict, candidates: list[dict], budget: float, search: dict | None) -> Text:
    """A recommended blend: which α, why, and how it compares with the final model."""
    final = next((c for c in candidates if c["name"] == "final"), None)
    tried = ", ".join(f"{p['alpha']:g}" for p in (search or {}).get("points", [])) or f"{best['alpha']:g}"
    return Text("report.best_blend", name=best["name"], metric=best["metric"], value=abs(best["metric_value"]),
                alpha=best["alpha"], rest=round(1 - best["alpha"], 3), tried=tried, worst=_worst(best),
                final_worst=_worst(final), budget=budget, ref=best.get("ref") or best["name"])


def recommend(candidates: list[dict], budget: float, search: dict | None = None) -> dict[str, Any]:
    """The recommended candidate and why: the text in English, and its catalog key and values for readers in
    another language (recommendation() turns them back into a text)."""
    inside = [c for c in candidates if c["within_budget"]]
    if not inside:
        best, text = None, Text("report.over_budget", budget=budget)
    elif "metric_value" in inside[0]:
        best = max(inside, key=lambda c: c["metric_value"])
        text = (_blend_text(best, candidates, budget, search) if best.get("alpha") is not None else
                Text("report.best", name=best["name"], metric=best["metric"], value=abs(best["metric_value"])))
    else:
        best = inside[0]
        text = Text("report.within_budget", name=best["name"])
    return {"recommended": None if best is None else best["name"], "recommendation": str(text),
            "recommendation_key": text.key, "recommendation_values": text.values}


def recommendation(report: Report | dict[str, Any]) -> str:
    """A report's recommendation, renderable in either language (a report written before the key was kept stays
    in English)."""
    return (report if isinstance(report, Report) else Report.from_dict(report)).recommendation()
