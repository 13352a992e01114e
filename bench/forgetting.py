"""Domain gain against forgetting: full fine-tuning, full with a replay mix, progressive unfreezing and LoRA.

Splits the barista demo into train and validation files (`ftcore data split`, --val-ratio), then trains the
embedded model with the same settings (epochs, batch size, learning rate, constant schedule, max length, seed) in
four variants: `ftcore train --pilot` (method full and method lora, one after the other), full with
`data.replay=R`, and `train.method=progressive`. Every run ends with its evaluation report (report.json): the
domain metric on the held-out validation rows and all built-in probe suites for the base and the final model,
with verdicts against the forgetting budget (probe.budget, default 5). One table is printed from those reports:
rows base, full, full+replay, progressive, lora; columns domain loss, ROUGE-L and contains (%), each suite's score
(% for answer/constraint suites, perplexity for *_ppl, nats for kl), the worst forgetting (points, or % more
perplexity for *_ppl; kl is information only), the verdict, training seconds (model load to final save, from
final/fulltune.json) and peak memory (plan.json: peak RSS of the worker on CPU, max allocated on CUDA).

Then `ftcore probe --model MODEL` (all built-in suites, one model) is timed once, with the load average before
and after, since other work on the machine slows it (target: under 3 minutes). Quality numbers come from one run
per variant (greedy decoding, fixed seed: no repeats). Appends a dated row to bench/RESULTS.md.

    .venv/bin/python bench/forgetting.py [--epochs 1] [--batch-size 8] [--lr 1e-4] [--max-length 256]
        [--replay 0.3] [--val-ratio 0.2] [--seed 42] [--no-probe-timing] [--no-record]
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

MODEL = "smollm2-135m-instruct"
SUITES = ("general_en", "general_zh", "arithmetic", "instruction", "poems", "poem_ppl", "passages_ppl", "kl")
SHORT = {"general_en": "gen_en", "general_zh": "gen_zh", "arithmetic": "arith", "instruction": "instr",
         "poems": "poems", "poem_ppl": "poem_ppl", "passages_ppl": "pass_ppl", "kl": "kl"}
VARIANTS = ("full", "full+replay", "progressive", "lora")
PROBE_TARGET_S = 180.0


def ftcore(args: list[str], env: dict) -> tuple[str, float]:
    """Run the CLI; return its stdout and wall seconds (exit on failure with its stderr)."""
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "ftcore", *args], capture_output=True, text=True, env=env,
                         cwd=ROOT)
    wall = time.perf_counter() - start
    if out.returncode:
        raise SystemExit(f"ftcore {' '.join(args)} failed ({out.returncode}):\n{out.stdout[-3000:]}\n"
                         f"{out.stderr[-3000:]}")
    return out.stdout, wall


def run_facts(run_dir: Path) -> dict:
    """Report, training seconds and peak memory of a finished run."""
    report = json.loads((run_dir / "report.json").read_text(encoding="utf-8"))
    meta = json.loads((run_dir / "final" / "fulltune.json").read_text(encoding="utf-8"))
    plan = json.loads((run_dir / "plan.json").read_text(encoding="utf-8"))
    final = next(c for c in report["candidates"] if c["name"] == "final")
    peak = plan.get("measured_peak_bytes")
    return {"run": run_dir.name, "report": report, "final": final, "seconds": meta.get("seconds"),
            "trainable": meta.get("trainable"), "parameters": meta.get("parameters"),
            "replay": meta.get("data", {}).get("train", {}).get("replay"),
            "peak_gib": peak / 2**30 if peak else None}


def worst(final: dict) -> tuple[float, str]:
    """The largest loss over the non-kl suites (points, or % perplexity), and its suite."""
    rows = [r for r in final["rows"] if r["kind"] != "kl"]
    top = max(rows, key=lambda r: r["lost"], default=None)
    return (top["lost"], top["suite"]) if top else (0.0, "-")


def cell(value, spec: str = ".2f") -> str:
    return "-" if value is None else format(value, spec)


def table(base: dict, facts: dict[str, dict]) -> str:
    head = (f"{'variant':<12}{'loss':>7}{'rougeL':>8}{'contains':>9}"
            + "".join(f"{SHORT[s]:>9}" for s in SUITES)
            + f"{'worst forgetting':>24}  {'verdict':<8}{'train s':>9}{'peak GiB':>9}")
    lines = [head, "-" * len(head)]

    def row(name: str, domain: dict, probes: dict, tail: str) -> str:
        return (f"{name:<12}{cell(domain.get('loss'), '.3f'):>7}{cell(domain.get('rouge_l')):>8}"
                f"{cell(domain.get('contains')):>9}"
                + "".join(f"{cell(probes.get(s, {}).get('score')):>9}" for s in SUITES) + tail)

    lines.append(row("base", base["domain"], base["probes"], f"{'-':>24}  {'-':<8}{'-':>9}{'-':>9}"))
    for name, f in facts.items():
        lost, suite = worst(f["final"])
        unit = "%" if suite.endswith("_ppl") else " pts"
        verdict = "within" if f["final"]["within_budget"] else "forgot"
        lines.append(row(name, f["final"].get("domain", {}), f["final"]["probes"],
                         f"{f'{lost:.1f}{unit} {suite}':>24}  {verdict:<8}{cell(f['seconds'], '.0f'):>9}"
                         f"{cell(f['peak_gib']):>9}"))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--lr", default="1e-4")
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--replay", type=float, default=0.3)
    parser.add_argument("--val-ratio", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--no-probe-timing", action="store_true", help="Skip timing `ftcore probe` on one model.")
    parser.add_argument("--no-record", action="store_true", help="Do not append to bench/RESULTS.md.")
    parser.add_argument("--reuse", action="append", default=[], metavar="VARIANT=RUN_ID",
                        help="Take this variant from a finished run of the same settings instead of training it "
                             "again (e.g. lora=20261128-...-bench-forgetting-lora); repeat.")
    args = parser.parse_args()
    reuse = dict(item.split("=", 1) for item in args.reuse)
    unknown = set(reuse) - set(VARIANTS)
    if unknown:
        parser.error(f"--reuse: unknown variant(s) {', '.join(sorted(unknown))}; use {', '.join(VARIANTS)}")

    settings = Settings(home=Path(os.environ.get("FTCORE_HOME") or tempfile.mkdtemp(prefix="ftbench-"))).ensure()
    env = {**os.environ, "FTCORE_HOME": str(settings.home)}
    t = time.perf_counter()
    ensure_embedded(MODEL, settings)
    print(f"FTCORE_HOME {settings.home}; embedded model ready in {time.perf_counter() - t:.1f} s", flush=True)

    data_dir = Path(tempfile.mkdtemp(prefix="ftbench-forgetting-"))
    ftcore(["data", "split", str(DEMOS["barista"].path), "--val-ratio", str(args.val_ratio), "--seed",
            str(args.seed), "--out", str(data_dir / "barista")], env)
    train_file, val_file = data_dir / "barista.train.jsonl", data_dir / "barista.val.jsonl"
    rows = [sum(1 for line in p.open(encoding="utf-8") if line.strip()) for p in (train_file, val_file)]
    print(f"split: {rows[0]} train rows, {rows[1]} validation rows under {data_dir}", flush=True)

    common = ["train", "--data", str(train_file), "--val", str(val_file), "--model", MODEL,
              "--epochs", str(args.epochs), "--batch-size", str(args.batch_size), "--lr", args.lr,
              "--max-length", str(args.max_length), "--seed", str(args.seed), "train.scheduler=constant"]
    run_ids: dict[str, str] = {}
    walls: dict[str, float] = {}

    run_ids.update(reuse)
    if not {"full", "lora"} <= set(reuse):
        out, walls["pilot"] = ftcore([*common, "--pilot", "--name", "bench-forgetting"], env)
        pilot_ids = re.search(r"^Pilot runs: (\S+) (\S+)$", out, re.M).groups()
        run_ids["full"], run_ids["lora"] = pilot_ids
        pilot_table = out[out.index("method"):].rstrip()
        print(f"pilot (full, then lora) done in {walls['pilot']:.0f} s:\n{pilot_table}", flush=True)
    else:
        out, _ = ftcore(["pilot", reuse["full"], reuse["lora"]], env)
        print(f"pilot table of the reused runs:\n{out.rstrip()}", flush=True)

    for name, extra in (("full+replay", [f"data.replay={args.replay}"]),
                        ("progressive", ["train.method=progressive"])):
        if name in reuse:
            continue
        out, walls[name] = ftcore([*common, *extra, "--name", f"bench-forgetting-{name.replace('+', '-')}"], env)
        run_ids[name] = re.search(r"^Run (\S+): ", out, re.M).group(1)
        print(f"{name} done in {walls[name]:.0f} s ({run_ids[name]})", flush=True)

    facts = {name: run_facts(settings.runs_dir / run_ids[name]) for name in VARIANTS}
    base = facts["full"]["report"]["base"]
    for name, f in facts.items():  # every report has the same base; say so if not
        other = f["report"]["base"]
        if other.get("domain", {}).get("loss") != base["domain"]["loss"]:
            print(f"note: base domain loss differs in the {name} report: {other['domain']['loss']} vs "
                  f"{base['domain']['loss']}")

    budget = facts["full"]["report"]["budget"]
    print(f"\nsame settings for every variant: epochs {args.epochs:g}, batch {args.batch_size}, lr {args.lr} "
          f"constant, max length {args.max_length}, seed {args.seed}; replay share {args.replay:g}; "
          f"domain split: {facts['full']['report']['domain_split']} ({rows[1]} rows); forgetting budget {budget:g}")
    print("units: loss = answer-token cross-entropy; rougeL/contains and qa/checks suites in %; *_ppl perplexity; "
          "kl nats vs base; worst forgetting in points (or % perplexity for *_ppl)\n")
    print(table(base, facts))
    print()
    for name, f in facts.items():
        forgot = [r["suite"] for r in f["final"]["rows"] if r["verdict"] == "forgot"]
        replay = f"  replay rows {f['replay']}" if f["replay"] else ""
        print(f"{name:<12} run {f['run']}  trainable {f['trainable']:,} of {f['parameters']:,}{replay}  "
              f"report {f['report']['seconds']:.0f} s  forgot: {', '.join(forgot) or '-'}")

    probe_s = None
    if not args.no_probe_timing:
        load_before = os.getloadavg()[0]
        out, probe_s = ftcore(["probe", "--model", MODEL], env)
        load_after = os.getloadavg()[0]
        print(f"\n`ftcore probe --model {MODEL}` (all {len(SUITES)} built-in suites, one model): {probe_s:.1f} s "
              f"wall (target < {PROBE_TARGET_S:.0f} s); 1-min load average {load_before:.2f} before, "
              f"{load_after:.2f} after")
        print(out.rstrip())

    if not args.no_record:
        def brief(name: str) -> str:
            f = facts[name]
            lost, suite = worst(f["final"])
            domain = f["final"]["domain"]
            unit = "%" if suite.endswith("_ppl") else "pts"
            return (f"{name} loss {domain['loss']:.2f}, rougeL {domain.get('rouge_l', 0):.1f}, worst {lost:.1f}{unit} "
                    f"{suite}, {'within' if f['final']['within_budget'] else 'forgot'}, {f['seconds']:.0f} s")
        numbers = (f"base loss {base['domain']['loss']:.2f}, rougeL {base['domain'].get('rouge_l', 0):.1f}; "
                   + "; ".join(brief(n) for n in VARIANTS)
                   + (f"; probes 1 model {probe_s:.0f} s" if probe_s else ""))
        record(f"forgetting --epochs {args.epochs:g} --batch-size {args.batch_size} --lr {args.lr} --max-length "
               f"{args.max_length} --replay {args.replay:g} x1", numbers,
               f"probes {probe_s / PROBE_TARGET_S:.2f} of 3-min target" if probe_s else "")


if __name__ == "__main__":
    main()
