"""`ftcore probe`, `ftcore eval` and `ftcore compare`: forgetting probes, domain metrics, base vs tuned."""

from __future__ import annotations

import json

from ftcore.errors import UserError
from ftcore.eval.schema import metrics_of
from ftcore.settings import Settings


def add_probe_parsers(sub) -> None:
    p = sub.add_parser("probe", help="Run forgetting probe suites on one or more models (greedy, batched).")
    p.add_argument("--model", action="append", required=True, help="Model reference; repeat to compare. The first "
                   "is the base for the kl suite.")
    p.add_argument("--suite", action="append", default=None, help="Built-in suite name, a question/answer "
                   "file (.jsonl/.csv with question, answer, optional match), or an lm-eval benchmark "
                   "(lm_eval:hellaswag, lm_eval:PATH.yaml); repeat. Default: all built-in.")
    p.add_argument("--lm-eval-limit", type=int, default=None, help="Items per lm_eval: suite (0: all; default "
                   "as probe.lm_eval_limit).")
    p.add_argument("--lm-eval-include", default="", help="Folders of your own lm-eval task YAML files.")
    p.add_argument("--max-new-tokens", type=int, default=None)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--device", default="auto", choices=("auto", "gpu", "cpu"), help="auto: a free GPU, or one a "
                   "training run leaves room on, else the CPU; gpu: wait for a GPU; cpu: the CPU.")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("eval", help="Domain metrics of a model on a labelled file.")
    p.add_argument("model")
    p.add_argument("--data", required=True)
    p.add_argument("--format", default="auto")
    p.add_argument("--template", default=None)
    p.add_argument("--max-length", type=int, default=512)
    p.add_argument("--device", default="auto", choices=("auto", "gpu", "cpu"), help="auto: a free GPU, or one a "
                   "training run leaves room on, else the CPU; gpu: wait for a GPU; cpu: the CPU.")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("pilot", help="Short full and LoRA runs on the same data, then gain, forgetting, time and "
                       "memory side by side. Takes the same options as train.")
    p.add_argument("runs", nargs="*", help="Show the table for these two runs instead of starting new ones.")

    p = sub.add_parser("compare", help="Base vs fine-tuned: probes and domain metric with verdicts.")
    p.add_argument("run")
    p.add_argument("--budget", type=float, default=None, help="Points (or %% perplexity) a suite may lose.")
    p.add_argument("--rerun", action="store_true", help="Evaluate again now instead of reading report.json.")
    p.add_argument("--suites", default=None, help="With --rerun: the probe suites in place of the run's "
                   "probe.suites, e.g. all (the full set after the quick one a CPU run made).")
    p.add_argument("--baseline", default=None, help="fewshot:K adds the prompting baseline: the base model with a "
                   "system prompt and K worked examples from the training split.")
    p.add_argument("--device", default="auto", choices=("auto", "gpu", "cpu"), help="auto: a free GPU, or one a "
                   "training run leaves room on, else the CPU; gpu: wait for a GPU; cpu: the CPU.")
    p.add_argument("--json", action="store_true")


def inference_device(settings: Settings, refs: list[str], prefer: str):
    """A device for evaluating these models in this process (held until it exits), through the same inventory
    and locks as training runs; says so on stderr when the models go somewhere unexpected."""
    import sys

    from ftcore import models
    from ftcore.runs import placement

    needs = sorted(placement.inference_gb(models.materialize(models.resolve(r, settings), settings)) for r in refs)
    where = placement.for_inference(settings, sum(needs[-2:]), prefer)  # at most two models loaded at once
    if where.note:
        print(where.note.text(settings.lang), file=sys.stderr)
    return where


def cmd_probe(args, settings: Settings) -> int:
    from transformers.utils import logging as hf_logging

    from ftcore import models
    from ftcore.config import ProbeConfig
    from ftcore.eval.probes import BUILTIN, DEFAULT_BUDGET, compare, format_rows, load_suite, probe_models

    hf_logging.disable_progress_bar()
    for ref in args.model:
        models.resolve(ref, settings)
    names = args.suite or list(BUILTIN)
    probe = ProbeConfig(lm_eval_include=args.lm_eval_include)
    if args.lm_eval_limit is not None:
        probe.lm_eval_limit = args.lm_eval_limit
    # a misspelt suite or a benchmark whose data is out of reach fails before any model loads
    suites = [load_suite(name, probe) for name in names]
    where = inference_device(settings, args.model, args.device)
    results = probe_models(args.model, suites, settings, batch_size=args.batch_size,
                           max_new_tokens=args.max_new_tokens, device=where.device)
    if args.json:
        print(json.dumps({ref: {name: r.to_dict() for name, r in res.items()} for ref, res in results.items()},
                         indent=2, ensure_ascii=False))
        return 0
    width = max(14, *(len(name) + 1 for name in results[args.model[0]]))
    print(f"{'suite':<{width}}{'unit':>6}" + "".join(f"{ref[-24:]:>26}" for ref in args.model))
    for name in [r.suite for r in results[args.model[0]].values()]:
        first = results[args.model[0]][name]
        unit = {"qa": "%", "checks": "%", "ppl": "ppl", "kl": "nats"}[first.kind]
        print(f"{name:<{width}}{unit:>6}" + "".join(f"{results[ref][name].score:>26.2f}" for ref in args.model))
    base = {name: r.to_dict() for name, r in results[args.model[0]].items()}
    for ref in args.model[1:]:  # each later model against the first: the changes with their 95% intervals
        print(f"\n{ref} vs {args.model[0]}:")
        print(format_rows(compare(base, {name: r.to_dict() for name, r in results[ref].items()}), DEFAULT_BUDGET))
    return 0


def cmd_eval(args, settings: Settings) -> int:
    from transformers.utils import logging as hf_logging

    from ftcore import models
    from ftcore.config import parse_template
    from ftcore.data import read_examples
    from ftcore.eval.domain import evaluate_domain

    hf_logging.disable_progress_bar()
    examples = read_examples(args.data, args.format, parse_template(args.template) if args.template else None)
    where = inference_device(settings, [args.model], args.device)
    model, tokenizer = models.load(args.model, settings, phase="eval", device=where.device)
    result = evaluate_domain(model, tokenizer, examples, args.max_length)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        for key, value in result.items():
            if key != "samples":
                print(f"{key:<12} {value}")
    return 0


def cmd_compare(args, settings: Settings) -> int:
    from ftcore.eval.probes import compare, format_rows
    from ftcore.eval.report import make_report
    from ftcore.eval.schema import Report
    from ftcore.runs.registry import RunStore

    run = RunStore(settings).get(args.run)
    if args.rerun:
        if run.status().get("state") != "done":
            raise UserError("cli.not_done", run=run.id)
        where = inference_device(settings, [run.config().model.ref, str(run.final_dir)], args.device)
        report = Report.from_dict(make_report(run, settings, device=where.device, suites=args.suites))
    else:
        report = Report.load(run)
    budget = report.budget if args.budget is None else args.budget
    final = report.final
    if final is None:
        raise UserError("report.missing", run=run.id)
    rows = compare(report.base["probes"], final.probes, budget)
    prompted = baseline(args.baseline, report, run, settings, args.device)
    if args.json:
        print(json.dumps({"budget": budget, "rows": [r.to_dict() for r in rows], "base_domain":
                          report.base.get("domain"), "final_domain": final.domain or None,
                          "fewshot": prompted, "base_tasks": report.base.get("tasks"),
                          "final_tasks": final.tasks or None,
                          "recommended": report.recommended, "recommendation": report.recommendation_en},
                         indent=2, ensure_ascii=False))
        return 0
    print(format_rows(rows, budget))
    if final.domain:
        print(f"\ndomain ({report.domain_split}):")
        print(domain_table(report, prompted))
    print(f"\nrecommended: {report.recommendation_en}")
    return 0


def baseline(spec: str | None, report, run, settings: Settings, prefer: str = "auto") -> dict | None:
    """The prompting baseline of `--baseline fewshot:K`: from the report when it holds that K, else computed."""
    cached = report.base.get("fewshot")
    if not spec:
        return cached
    kind, _, k = spec.partition(":")
    if kind != "fewshot" or not k.isdigit() or not 0 < int(k) <= 16:
        raise UserError("cli.bad_baseline", spec=spec)
    if cached and cached.get("k") == int(k):
        return cached
    from ftcore import models
    from ftcore.eval.report import domain_sets, fewshot_baseline

    config = run.config()
    sets, _ = domain_sets(config)
    where = inference_device(settings, [config.model.ref], prefer)
    model, tokenizer = models.load(config.model.ref, settings, phase="eval", device=where.device)
    return fewshot_baseline(model, tokenizer, config, sets, int(k))


def domain_table(report, prompted: dict | None) -> str:
    """base | base + K-shot | fine-tuned, for the mixture and for each task (the report's domain rows)."""
    rows = report.domain_rows(["final"], fewshot=prompted or {})
    shots = {r.task: r.metrics for r in rows if r.model == "fewshot"}
    base = {r.task: r.metrics for r in rows if r.model == "base"}
    k = next((r.k for r in rows if r.model == "fewshot"), None)
    lines = [f"  {'task':<16}{'metric':<12}{'base':>10}" + (f"{'base+' + str(k) + 'shot':>12}" if k else "")
             + f"{'fine-tuned':>12}"]
    for row in (r for r in rows if r.model == "final"):
        shot = shots.get(row.task)
        for key, value in metrics_of(row.metrics).items():
            middle = f"{shot[key]:>12.3f}" if shot and key in shot else (f"{'-':>12}" if k else "")
            lines.append(f"  {row.task:<16}{key:<12}{base.get(row.task, {}).get(key, float('nan')):>10.3f}{middle}"
                         f"{value:>12.3f}")
    return "\n".join(lines)


def cmd_pilot(args, settings: Settings) -> int:
    from ftcore.recipes.pilot import pilot_rows
    from ftcore.runs.registry import RunStore

    store = RunStore(settings)
    runs = [store.get(r) for r in args.runs]
    if not runs:
        raise UserError("cli.no_pilot")
    rows = pilot_rows(runs)
    print(f"{'method':<8}{'state':<10}{'gain':>10}{'worst loss':>12}{'seconds':>10}{'peak GiB':>10}  forgot")
    for r in rows:
        print(f"{r['method']:<8}{r['state']:<10}{_num(r.get('gain')):>10}{_num(r.get('worst_forgetting')):>12}"
              f"{_num(r.get('seconds')):>10}{_num(r.get('peak_gib')):>10}  {', '.join(r.get('forgot', [])) or '-'}")
    return 0


def _num(value) -> str:
    return "-" if value is None else f"{value:.2f}"
