"""Domain gain against forgetting, one row per lever (a Pareto table): full fine-tuning, its blend with the base,
replay of shipped general data, self-generated replay, freezing the bottom layers, an L2 anchor toward the base,
progressive unfreezing and LoRA.

Splits a demo (barista: chat answers; contracts-risk: a classification) into train and validation files
(`ftcore data split`, --val-ratio), then trains the embedded model once per variant with the same settings
(epochs, batch size, learning rate, max length, seed; the product's defaults otherwise: cosine schedule, probe
suites `auto`, which on the CPU are the quick ones). Each variant changes one setting:

    full            (nothing; probe.blend=always, so that the report also scores blends of base and final)
    full+blend      the blend the full run's report evaluated in full (its α search's pick), no extra training
    full+replay     data.replay=R (shipped general instruction data, EN and ZH)
    full+self       data.replay=R data.replay_source=self (the base model's own answers to general prompts)
    freeze_bottom   train.method=freeze_bottom (embeddings and the bottom quarter of the layers fixed)
    l2_anchor       train.anchor=l2 train.anchor_weight=W (L2-SP toward the base weights)
    kl_anchor       data.replay=R train.anchor=kl train.anchor_weight=K (KL to the base on the replay rows)
    progressive     train.method=progressive
    lora            train.method=lora

Columns: the domain metric the report ranks by (accuracy for classification, ROUGE-L for answers) and the
answer-token loss on the held-out rows; the gain over the base and its share of full fine-tuning's gain; the
worst forgetting over the scored suites (points, or % more perplexity for *_ppl) with the paired 95% interval of
that suite's change and the verdict; the recommended candidate of each run; training seconds (model load to final
save), the wall seconds of the whole command (data preparation, training and report) and peak memory (plan.json:
peak RSS of the worker on CPU, max allocated on CUDA).

Target (the issue's): the recommended model with the defaults plus at most one toggle keeps >= 90% of full
fine-tuning's domain gain while forgetting no more than LoRA. The check is printed for every variant.
One run per variant (greedy decoding, fixed seed). Appends a dated row per demo to bench/RESULTS.md.

    .venv/bin/python bench/forgetting.py [--demo barista --demo contracts-risk] [--epochs 2] [--batch-size 8]
        [--lr 1e-4] [--max-length 256] [--replay 0.3] [--anchor-weight 1] [--kl-weight 1] [--val-ratio 0.2] [--seed 42]
        [--variants full,lora,...] [--reuse VARIANT=RUN_ID] [--no-record]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _results import record  # noqa: E402

from ftcore import DEMOS, Settings, ensure_embedded  # noqa: E402
from ftcore.eval.schema import Candidate, Report  # noqa: E402

MODEL = "smollm2-135m-instruct"


def variants(args) -> dict[str, list[str]]:
    """Variant name -> the settings it adds to the common ones (full+blend trains nothing: it reads full's report)."""
    replay = f"data.replay={args.replay:g}"
    return {"full": ["probe.blend=always"], "full+blend": [], "full+replay": [replay],
            "full+self": [replay, "data.replay_source=self"], "freeze_bottom": ["train.method=freeze_bottom"],
            "l2_anchor": ["train.anchor=l2", f"train.anchor_weight={args.anchor_weight:g}"],
            "kl_anchor": [replay, "train.anchor=kl", f"train.anchor_weight={args.kl_weight:g}"],
            "progressive": ["train.method=progressive"], "lora": ["train.method=lora"]}


def ftcore(args: list[str], env: dict) -> tuple[str, float, str]:
    """Run the CLI; return its stdout, wall seconds and, on failure, the end of its stderr."""
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "ftcore", *args], capture_output=True, text=True, env=env,
                         cwd=ROOT)
    wall = time.perf_counter() - start
    error = "" if out.returncode == 0 else f"exit {out.returncode}: {(out.stderr or out.stdout)[-1500:]}"
    return out.stdout, wall, error


def facts_of(run_dir: Path, wall: float | None) -> dict:
    """Report, training seconds and peak memory of a finished run."""
    report = Report.from_dict(json.loads((run_dir / "report.json").read_text(encoding="utf-8")))
    meta = json.loads((run_dir / "final" / "fulltune.json").read_text(encoding="utf-8"))
    plan = json.loads((run_dir / "plan.json").read_text(encoding="utf-8"))
    peak = plan.get("measured_peak_bytes")
    return {"run": run_dir.name, "report": report, "candidate": report.final, "seconds": meta.get("seconds"),
            "wall": wall, "trainable": meta.get("trainable"), "parameters": meta.get("parameters"),
            "peak_gib": peak / 2**30 if peak else None}


def worst(candidate: Candidate) -> tuple[float, str, str, str]:
    """The largest loss over the scored suites (kl is a distance, left out): amount, suite, unit, interval."""
    rows = [r for r in candidate.rows if r.kind != "kl"]
    top = max(rows, key=lambda r: r.lost, default=None)
    if top is None:
        return 0.0, "-", "", ""
    return top.lost, top.suite, "%" if top.suite.endswith("_ppl") else "pts", top.interval_text


def verdict(candidate: Candidate) -> str:
    verdicts = {r.verdict for r in candidate.rows if r.kind != "kl"}
    return "forgot" if "forgot" in verdicts else "uncertain" if "uncertain" in verdicts else "kept"


def cell(value, spec: str = ".2f") -> str:
    return "-" if value is None else format(value, spec)


def rows_of(base: dict, facts: dict[str, dict]) -> list[dict]:
    """One dict per variant with every column's value (metric, gain, share, worst, target checks)."""
    def metric_of(candidate: Candidate) -> tuple[str, float | None]:
        if candidate.metric is None:
            return "loss", None
        return candidate.metric, candidate.domain_value
    metric = metric_of(facts["full"]["candidate"])[0] if "full" in facts else "loss"
    base_value = base["domain"].get(metric) if metric != "loss" else base["domain"].get("loss")
    full_gain = None
    out = []
    for name, f in facts.items():
        c = f["candidate"]
        value = c.domain.get(metric) if metric != "loss" else c.domain.get("loss")
        gain = None if value is None or base_value is None else (
            base_value - value if metric == "loss" else value - base_value)
        if name == "full":
            full_gain = gain
        out.append({"name": name, "metric": metric, "value": value, "loss": c.domain.get("loss"), "gain": gain,
                    "worst": worst(c), "verdict": verdict(c), "facts": f})
    lora_worst = next((r["worst"][0] for r in out if r["name"] == "lora"), None)
    for r in out:
        r["share"] = None if r["gain"] is None or not full_gain else r["gain"] / full_gain
        # None: not measured in this command (full or LoRA left out of --variants)
        r["keeps_gain"] = None if r["share"] is None else r["share"] >= 0.9
        r["no_worse_than_lora"] = None if lora_worst is None else r["worst"][0] <= lora_worst + 1e-9
    return out


def table(base: dict, rows: list[dict]) -> str:
    metric = rows[0]["metric"] if rows else "loss"
    head = (f"{'variant':<14}{metric:>9}{'loss':>7}{'gain':>8}{'of full':>8}  {'worst forgetting [95% interval]':<40}"
            f"{'verdict':<10}{'recommended':<18}{'train s':>8}{'wall s':>8}{'peak GiB':>9}  target")
    lines = [head, "-" * len(head)]
    base_value = base["domain"].get(metric)
    lines.append(f"{'base':<14}{cell(base_value):>9}{cell(base['domain'].get('loss'), '.3f'):>7}")
    for r in rows:
        f = r["facts"]
        lost, suite, unit, ci = r["worst"]
        worst_text = f"{lost:.1f}{unit} {suite} {ci}".strip()
        recommended = f["report"].recommended or "none"
        target = target_text(r)
        lines.append(f"{r['name']:<14}{cell(r['value']):>9}{cell(r['loss'], '.3f'):>7}{cell(r['gain']):>8}"
                     f"{cell(None if r['share'] is None else 100 * r['share'], '.0f') + '%':>8}  {worst_text:<40}"
                     f"{r['verdict']:<10}{recommended:<18}{cell(f['seconds'], '.0f'):>8}{cell(f['wall'], '.0f'):>8}"
                     f"{cell(f['peak_gib']):>9}  {target}")
    return "\n".join(lines)


def target_text(row: dict) -> str:
    """yes, no (why), or n/a when full fine-tuning or LoRA was not run in the same command."""
    checks = (("gain < 90%", row["keeps_gain"]), ("forgets more than LoRA", row["no_worse_than_lora"]))
    if any(ok is None for _, ok in checks):
        return "n/a (" + ", ".join(f"no {x} run" for x, ok in (("full", checks[0][1]), ("lora", checks[1][1]))
                                   if ok is None) + ")"
    return "yes" if all(ok for _, ok in checks) else "no (" + ", ".join(x for x, ok in checks if not ok) + ")"


def blend_facts(full: dict) -> dict | None:
    """The full run's blend candidate that got full probes (the α search's pick), as a variant of its own."""
    blends = [c for c in full["report"].candidates if c.alpha is not None]
    if not blends:
        return None
    search = full["report"].raw.get("blend_search") or {}
    picked = next((c for c in blends if c.alpha == search.get("picked")), blends[0])
    return {**full, "candidate": picked, "seconds": None, "wall": search.get("seconds"),
            "blend": {"alpha": picked.alpha, "search": search}}


def run_demo(demo: str, args, settings: Settings, env: dict, reuse: dict[str, str]) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix=f"ftbench-forgetting-{demo}-"))
    _, _, error = ftcore(["data", "split", str(DEMOS[demo].path), "--val-ratio", str(args.val_ratio), "--seed",
                          str(args.seed), "--out", str(data_dir / demo)], env)
    if error:
        raise SystemExit(f"data split failed: {error}")
    train_file, val_file = data_dir / f"{demo}.train.jsonl", data_dir / f"{demo}.val.jsonl"
    counts = [sum(1 for line in p.open(encoding="utf-8") if line.strip()) for p in (train_file, val_file)]
    print(f"\n== {demo}: {counts[0]} train rows, {counts[1]} validation rows under {data_dir}", flush=True)
    common = ["train", "--data", str(train_file), "--val", str(val_file), "--model", MODEL,
              "--epochs", str(args.epochs), "--batch-size", str(args.batch_size), "--lr", args.lr,
              "--max-length", str(args.max_length), "--seed", str(args.seed)]
    chosen = [v.strip() for v in args.variants.split(",")]
    facts: dict[str, dict] = {}
    failed: dict[str, str] = {}
    for name, extra in variants(args).items():
        if name not in chosen or name == "full+blend":
            continue
        if name in reuse:
            facts[name] = facts_of(settings.runs_dir / reuse[name], None)
            continue
        load = os.getloadavg()[0]
        out, wall, error = ftcore([*common, *extra, "--name", f"pareto-{demo}-{name.replace('+', '-')}"], env)
        if error:
            failed[name] = error
            print(f"{name} FAILED after {wall:.0f} s: {error}", flush=True)
            continue
        run_id = re.search(r"^Run (\S+): ", out, re.M).group(1)
        facts[name] = facts_of(settings.runs_dir / run_id, wall)
        print(f"{name} done in {wall:.0f} s ({run_id}; 1-min load {load:.1f} at the start)", flush=True)
    if "full" in facts and "full+blend" in chosen:
        blended = blend_facts(facts["full"])
        if blended is not None:
            facts = {"full": facts["full"], "full+blend": blended, **{k: v for k, v in facts.items() if k != "full"}}
    if not facts:
        raise SystemExit(f"{demo}: every variant failed")
    report = next(iter(facts.values()))["report"]
    base = report.base
    rows = rows_of(base, facts)
    print(f"\n{demo}: epochs {args.epochs:g}, batch {args.batch_size}, lr {args.lr} (cosine, the default), max "
          f"length {args.max_length}, seed {args.seed}; replay share {args.replay:g}; L2 weight "
          f"{args.anchor_weight:g}; KL weight {args.kl_weight:g}; domain split: {report.domain_split} ({counts[1]} rows); suites "
          f"{', '.join(report.suites)}; forgetting budget {report.budget:g}")
    print(table(base, rows))
    if "full+blend" in facts:
        b = facts["full+blend"]["blend"]
        points = ", ".join(f"{p['alpha']:g}: predicted worst {p.get('predicted_worst', 0):.1f}"
                           for p in b["search"].get("points", []))
        print(f"\nfull+blend: α {b['alpha']:g} (the fine-tuned share), coarse points {points}; the search took "
              f"{b['search'].get('seconds', 0):.0f} s of the full run's {facts['full']['report'].seconds or 0:.0f} s "
              f"report, evaluated in full: {b['search'].get('evaluated')}")
    for name, error in failed.items():
        print(f"{name}: failed — {error.splitlines()[-1] if error.splitlines() else error}")
    for name, f in facts.items():
        if name != "full+blend":
            print(f"{name:<14} run {f['run']}  trainable {f['trainable']:,} of {f['parameters']:,}  report "
                  f"{f['report'].seconds or 0:.0f} s  recommendation: {f['report'].recommendation()}")
    if not args.no_record:
        brief = "; ".join(
            f"{r['name']} {r['metric']} {cell(r['value'])} (gain {cell(r['gain'])}, "
            f"{cell(None if r['share'] is None else 100 * r['share'], '.0f')}% of full), worst {r['worst'][0]:.1f}"
            f"{r['worst'][2]} {r['worst'][1]} {r['worst'][3]} {r['verdict']}, "
            f"{cell(r['facts']['seconds'], '.0f')} s train" for r in rows)
        met = [r["name"] for r in rows if r["keeps_gain"] and r["no_worse_than_lora"]]
        record(f"forgetting --demo {demo} --epochs {args.epochs:g} --batch-size {args.batch_size} --lr {args.lr} "
               f"--max-length {args.max_length} --replay {args.replay:g} --anchor-weight {args.anchor_weight:g} --kl-weight {args.kl_weight:g} x1",
               f"base {rows[0]['metric']} {cell(base['domain'].get(rows[0]['metric']))}; {brief}"
               + (f"; failed: {', '.join(failed)}" if failed else ""),
               f">=90% of full's gain and <= LoRA's forgetting: {', '.join(met) or 'none'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", action="append", choices=sorted(DEMOS), help="Repeat; default barista.")
    parser.add_argument("--epochs", type=float, default=2.0)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--lr", default="1e-4")
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--replay", type=float, default=0.3)
    parser.add_argument("--anchor-weight", type=float, default=1.0)
    parser.add_argument("--kl-weight", type=float, default=1.0)
    parser.add_argument("--val-ratio", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--variants", default=",".join(variants(argparse.Namespace(replay=0.3, anchor_weight=1, kl_weight=1))),
                        help="Comma-separated subset of the variants (default all).")
    parser.add_argument("--no-record", action="store_true", help="Do not append to bench/RESULTS.md.")
    parser.add_argument("--reuse", action="append", default=[], metavar="VARIANT=RUN_ID",
                        help="Take this variant from a finished run of the same settings (one demo only); repeat.")
    args = parser.parse_args()
    reuse = dict(item.split("=", 1) for item in args.reuse)
    demos = args.demo or ["barista"]
    if reuse and len(demos) > 1:
        parser.error("--reuse works with one --demo")

    settings = Settings(home=Path(os.environ.get("FTCORE_HOME") or tempfile.mkdtemp(prefix="ftbench-"))).ensure()
    env = {**os.environ, "FTCORE_HOME": str(settings.home)}
    t = time.perf_counter()
    ensure_embedded(MODEL, settings)
    print(f"FTCORE_HOME {settings.home}; embedded model ready in {time.perf_counter() - t:.1f} s", flush=True)
    for demo in demos:
        run_demo(demo, args, settings, env, reuse)


if __name__ == "__main__":
    main()
