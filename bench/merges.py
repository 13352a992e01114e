"""TIES and DARE merges (through mergekit) beside the linear blend with the base, on one finished run: do they
earn a place among the report's candidates?

Each merge of the run's base and final model is scored like the report's candidates: the run's domain data, its
probe suites, and the paired 95% interval of each change against the base (the base's scores are the report's).
The report's own candidates (final, and the blends its α search scored) are the reference rows. With one
fine-tuned model, TIES keeps the largest `density` share of each task-vector tensor (θ_tuned − θ_base) and adds it
times `weight` (its sign election has only one model to elect from); DARE (dare_linear) drops a random
1 − density share of the task vector and rescales the rest by 1 / density, times `weight`.

    .venv/bin/python bench/merges.py RUN_ID [--merges ties:0.2:1,dare_linear:0.3:0.5] [--no-record]

Merges run on the CPU (mergekit without --cuda: DARE's random drop is then the same for a seed on every machine);
the models are scored where `ftcore probe` would put them (a free GPU, else the CPU), in the engine's dtype.
FTCORE_HOME names the workspace of the run. Needs mergekit (`.venv/bin/pip install -e ".[bench]"`). Appends a
row to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _results import record  # noqa: E402
from forgetting import verdict, worst  # noqa: E402

from ftcore import Settings, models  # noqa: E402
from ftcore.cli.probe import inference_device  # noqa: E402
from ftcore.eval.probes import load_suite  # noqa: E402
from ftcore.eval.report import domain_sets, evaluate_candidate  # noqa: E402
from ftcore.eval.schema import Candidate, Report  # noqa: E402
from ftcore.runs.store import Run  # noqa: E402

DEFAULT_MERGES = "ties:0.2:1,ties:0.5:0.5,dare_linear:0.3:1,dare_linear:0.3:0.5"
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "chat_template.jinja",
                   "generation_config.json")


def parse_merges(text: str) -> list[tuple[str, float, float]]:
    out = []
    for part in text.split(","):
        method, density, weight = part.strip().split(":")
        if method not in ("ties", "dare_linear", "dare_ties"):
            raise SystemExit(f"--merges: {method!r} is not ties, dare_linear or dare_ties")
        out.append((method, float(density), float(weight)))
    return out


def merge(base: Path, tuned: Path, out: Path, method: str, density: float, weight: float, seed: int) -> float:
    """Write the merge with mergekit's CLI (float32, the tuned model's tokenizer files); return its seconds."""
    config = {"merge_method": method, "base_model": str(base), "dtype": "float32",
              "parameters": {"normalize": False},
              "models": [{"model": str(tuned), "parameters": {"density": density, "weight": weight}}]}
    out.parent.mkdir(parents=True, exist_ok=True)
    spec = out.with_suffix(".yml")
    spec.write_text(json.dumps(config, indent=2), encoding="utf-8")  # YAML is a superset of JSON
    shutil.rmtree(out, ignore_errors=True)
    began = time.perf_counter()
    done = subprocess.run([str(Path(sys.executable).with_name("mergekit-yaml")), str(spec), str(out),
                           "--random-seed", str(seed), "--quiet", "--copy-tokenizer"],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"mergekit failed on {method} {density}/{weight}: {done.stderr[-1500:]}")
    seconds = time.perf_counter() - began
    for name in TOKENIZER_FILES:  # the run's chat template and end-of-turn tokens, as the final model has them
        if (tuned / name).is_file():
            shutil.copy2(tuned / name, out / name)
    return seconds


def moved(base: Path, tuned: Path, merged: Path) -> float:
    """‖θ_merged − θ_base‖ / ‖θ_tuned − θ_base‖ over the tensors all three share: how much of the task vector
    the merge keeps (a blend at α keeps α)."""
    from safetensors.torch import load_file

    def weights(folder: Path) -> dict:
        out = {}
        for shard in sorted(folder.glob("*.safetensors")):
            out.update(load_file(shard))
        return out

    b, t, m = weights(base), weights(tuned), weights(merged)
    names = [n for n in t if n in b and n in m]
    num = sum(float((m[n].float() - b[n].float()).pow(2).sum()) for n in names)
    den = sum(float((t[n].float() - b[n].float()).pow(2).sum()) for n in names)
    return (num / den) ** 0.5 if den else 0.0


def score(folder: Path, run: Run, report: Report, base_model, settings: Settings, suites, examples,
          device: str) -> Candidate:
    """The merge as a report candidate, scored by the report's own evaluate_candidate against its base."""
    model, tok = models.load(str(folder), settings, phase="eval", device=device)
    entry = evaluate_candidate(model, tok, run.config(), suites, base_model, report.base["probes"], examples)
    return Candidate.from_dict({"name": folder.name, "path": str(folder), **entry})


def describe(c: Candidate, base_value: float | None, full_gain: float | None) -> dict:
    gain = None if c.domain_value is None or base_value is None else (
        (base_value - c.domain_value) if c.metric == "loss" else (c.domain_value - base_value))
    lost, suite, unit, interval = worst(c)
    return {"value": c.domain_value, "gain": gain, "share": None if gain is None or not full_gain else gain / full_gain,
            "worst": lost, "suite": suite, "unit": unit, "interval": interval, "verdict": verdict(c)}


def num(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run")
    parser.add_argument("--merges", default=DEFAULT_MERGES, help="method:density:weight, comma-separated")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    settings = Settings.from_env()
    run = Run(args.run, settings.runs_dir / args.run)
    report = Report.load(run)
    config = run.config()
    base_folder = models.local_folder(config.model.ref, settings)
    # the device policy of `ftcore probe`: a free GPU, or one a training run leaves room on, else the CPU
    device = inference_device(settings, [config.model.ref, str(run.final_dir)], "auto").device
    base_model, _ = models.load(config.model.ref, settings, phase="eval", device=device)  # for the kl suite
    suites = [load_suite(name, config.probe) for name in report.raw["suites"]]
    examples, _ = domain_sets(config) if config.probe.domain else ({}, "")

    metric = report.final.metric
    base_value = report.base.get("domain", {}).get(metric or "loss")
    full_gain = describe(report.final, base_value, None)["gain"]
    table = [("final", report.final, None, None, 1.0)]
    table += [(c.name, c, None, None, c.alpha) for c in report.candidates if c.alpha is not None]
    out_root = settings.home / "bench-merges" / run.id
    for method, density, weight in parse_merges(args.merges):
        name = f"{method}-d{density:g}-w{weight:g}"
        seconds = merge(base_folder, run.final_dir, out_root / name, method, density, weight, args.seed)
        kept = moved(base_folder, run.final_dir, out_root / name)
        began = time.perf_counter()
        candidate = score(out_root / name, run, report, base_model, settings, suites, examples, device)
        table.append((name, candidate, seconds, time.perf_counter() - began, kept))
        print(f"{name}: merged in {seconds:.1f} s, keeps {kept:.2f} of the task vector's norm, scored in "
              f"{table[-1][3]:.0f} s", flush=True)

    metric_name = metric or "loss"
    head = (f"{'candidate':<26}{'‖τ‖ kept':>9}{metric_name:>9}{'gain':>8}{'of full':>8}  {'worst forgetting [95% interval]':<40}"
            f"{'verdict':<10}{'merge s':>8}{'score s':>8}")
    lines = [head, "-" * len(head), f"{'base':<26}{0:>9.2f}{num(base_value):>9}"]
    cells = []
    for name, c, merge_s, score_s, kept in table:
        d = describe(c, base_value, full_gain)
        share = "-" if d["share"] is None else f"{100 * d['share']:.0f}%"
        worst = f"{d['worst']:.1f}{d['unit']} {d['suite']} {d['interval']}".strip()
        lines.append(f"{name:<26}{kept:>9.2f}{num(d['value']):>9}{num(d['gain']):>8}{share:>8}"
                     f"  {worst:<40}{d['verdict']:<10}{'-' if merge_s is None else f'{merge_s:.0f}':>8}"
                     f"{'-' if score_s is None else f'{score_s:.0f}':>8}")
        cells.append(f"{name} (‖τ‖ kept {kept:.2f}) {metric_name} {num(d['value'])} ({share} of full's gain), worst {worst} {d['verdict']}")
    print("\n".join(lines))
    if not args.no_record:
        record(f"merges {run.id} --merges {args.merges}", "; ".join(cells),
               "mergekit TIES/DARE beside the report's blends (same suites, paired intervals against the base)")


if __name__ == "__main__":
    main()
