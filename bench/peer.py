"""FullTune next to LLaMA-Factory on the same run: wall time, training time, peak memory and the quality of both.

Builds (once) a separate virtual environment for `llamafactory==0.9.5` beside this checkout's .venv, with the
two snags of the CPU torch build handled: the PyPI torchvision and torchaudio do not import beside it, so both are
uninstalled, and an empty `torchaudio` stand-in module is written (LLaMA-Factory imports it at module level for
its multimodal plugin, which text SFT never calls). Then both tools fine-tune the embedded model (SmolLM2-135M-
Instruct, converted to safetensors) on the same rows of the barista demo with the same hyperparameters: every
weight (full), constant LR, no warmup, the same epochs, batch size, max length and seed, fp32 on the CPU, and
gradient checkpointing on in both (LLaMA-Factory's default; --no-gradient-checkpointing turns it off in both). Each tool
runs --repeats times, alternating, each in a fresh process; peak memory is the largest resident set of the
run's whole process tree (the CLI and every process it starts, sampled every 0.25 s from /proc, the same measure
for both tools); training time is the Trainer's own train_runtime in both. FullTune runs with its defaults (padding-free packing, fused AdamW); its end-of-run
evaluation is off so that both do the same work. Finally both final models (of the last repeat) are scored with
the same FullTune probe suites and domain evaluation on the held-out rows. Prints medians and ratios and appends a
dated row to bench/RESULTS.md.

    .venv/bin/python bench/peer.py [--rows 72] [--epochs 4] [--batch-size 8] [--lr 1e-4] [--max-length 512]
        [--repeats 3] [--suites general_en,general_zh,arithmetic,instruction] [--peer-venv DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _results import record  # noqa: E402

from ftcore import DEMOS, Settings, ensure_embedded  # noqa: E402

MODEL = "smollm2-135m-instruct"
PEER = "llamafactory==0.9.5"
TORCH = "torch==2.13.0"
def sh(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    out = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if out.returncode:
        raise SystemExit(f"{' '.join(map(str, cmd))} failed ({out.returncode}):\n{out.stdout[-3000:]}\n"
                         f"{out.stderr[-3000:]}")
    return out


def peer_env(folder: Path) -> Path:
    """The LLaMA-Factory environment (built once): its python."""
    python = folder / "bin" / "python"
    if (folder / ".ready").is_file():
        return python
    print(f"building {PEER} in {folder} (once; a few minutes)", flush=True)
    sh([sys.executable, "-m", "venv", str(folder)])
    sh([str(python), "-m", "pip", "install", "-q", "--upgrade", "pip"])
    sh([str(python), "-m", "pip", "install", "-q", TORCH, PEER])
    subprocess.run([str(python), "-m", "pip", "uninstall", "-y", "-q", "torchvision", "torchaudio"],
                   capture_output=True)
    site = Path(sh([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    (site / "torchaudio").mkdir(exist_ok=True)
    (site / "torchaudio" / "__init__.py").write_text(
        '"""Stand-in: LLaMA-Factory imports torchaudio for audio inputs, which text fine-tuning never uses."""\n')
    sh([str(python), "-c", "import llamafactory.train.tuner"])
    (folder / ".ready").write_text(PEER + "\n")
    return python


def tree_rss(root: int) -> tuple[int, int]:
    """Resident bytes of a process and all its descendants: (sum over the tree, largest single process)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue
    tree, frontier = {root}, [root]
    while frontier:
        children = [pid for pid, ppid in parents.items() if ppid in frontier and pid not in tree]
        tree.update(children)
        frontier = children
    sizes = []
    for pid in tree:
        try:
            sizes.append(int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE"))
        except (OSError, IndexError, ValueError):
            continue
    return sum(sizes), max(sizes, default=0)


def measured(cmd: list[str], env: dict, log: Path) -> dict:
    """Run a command; its wall seconds and the peak resident memory (GiB) of its whole process tree (the CLI and
    every process it starts, sampled every 0.25 s), and of its largest single process."""
    start = time.perf_counter()
    peak_tree = peak_one = 0
    with open(log, "w", encoding="utf-8") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
        while proc.poll() is None:
            total, one = tree_rss(proc.pid)
            peak_tree, peak_one = max(peak_tree, total), max(peak_one, one)
            time.sleep(0.25)
    wall = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd[:4])} ... failed ({proc.returncode}); log {log}:\n"
                         f"{log.read_text(encoding='utf-8')[-3000:]}")
    return {"wall_s": wall, "peak_gib": peak_tree / 2**30, "peak_one_gib": peak_one / 2**30}


def fulltune_once(settings: Settings, data: Path, args, work: Path, i: int) -> dict:
    env = {**os.environ, "FTCORE_HOME": str(settings.home), "HF_HUB_OFFLINE": "1"}
    name = f"peer-fulltune-{i}"
    result = measured([sys.executable, "-m", "ftcore", "train", "--data", str(data), "--model", MODEL,
                       "--epochs", str(args.epochs), "--batch-size", str(args.batch_size), "--lr", args.lr,
                       "--max-length", str(args.max_length), "--seed", str(args.seed), "train.scheduler=constant",
                       f"train.gradient_checkpointing={str(args.gradient_checkpointing).lower()}", "probe.suites=none", "probe.domain=false", "--name", name],
                      env, work / f"{name}.log")
    run_dir = max(settings.runs_dir.glob(f"*-{name}"))
    events = [json.loads(line) for line in (run_dir / "events.jsonl").read_text(encoding="utf-8").splitlines()]
    summary = next(e for e in events if e.get("type") == "summary")
    steps = [e for e in events if e.get("type") == "train"]
    return {**result, "train_s": summary["train_runtime"], "steps": summary["step"],
            "last_loss": steps[-1]["loss"] if steps else None, "model": str(run_dir / "final")}


def peer_once(python: Path, model: Path, data: Path, args, work: Path, i: int) -> dict:
    dataset_dir = work / "peer-data"
    dataset_dir.mkdir(exist_ok=True)
    (dataset_dir / "barista.jsonl").write_bytes(data.read_bytes())
    (dataset_dir / "dataset_info.json").write_text(json.dumps({"barista": {
        "file_name": "barista.jsonl", "formatting": "sharegpt", "columns": {"messages": "messages"},
        "tags": {"role_tag": "role", "content_tag": "content", "user_tag": "user", "assistant_tag": "assistant",
                 "system_tag": "system"}}}))
    out_dir = work / f"peer-out-{i}"
    config = work / f"peer-{i}.yaml"
    config.write_text(textwrap.dedent(f"""\
        model_name_or_path: {model}
        stage: sft
        do_train: true
        finetuning_type: full
        dataset: barista
        dataset_dir: {dataset_dir}
        template: smollm2
        cutoff_len: {args.max_length}
        overwrite_cache: true
        preprocessing_num_workers: 1
        output_dir: {out_dir}
        overwrite_output_dir: true
        logging_steps: 5
        save_strategy: "no"
        per_device_train_batch_size: {args.batch_size}
        gradient_accumulation_steps: 1
        learning_rate: {float(args.lr)}
        num_train_epochs: {args.epochs}
        lr_scheduler_type: constant
        warmup_ratio: 0.0
        seed: {args.seed}
        disable_gradient_checkpointing: {str(not args.gradient_checkpointing).lower()}
        bf16: false
        fp16: false
        report_to: none
        """), encoding="utf-8")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "DISABLE_VERSION_CHECK": "1", "WANDB_DISABLED": "true"}
    cli = python.parent / "llamafactory-cli"
    result = measured([str(cli), "train", str(config)], env, work / f"peer-{i}.log")
    metrics = json.loads((out_dir / "train_results.json").read_text(encoding="utf-8"))
    state = json.loads((out_dir / "trainer_state.json").read_text(encoding="utf-8"))
    losses = [e["loss"] for e in state.get("log_history", []) if "loss" in e]
    return {**result, "train_s": metrics["train_runtime"], "steps": state.get("global_step"),
            "last_loss": losses[-1] if losses else None, "model": str(out_dir)}


def scores(settings: Settings, model: str, val: Path, suites: list[str]) -> dict:
    """Domain metrics on the held-out rows and the probe scores, with FullTune's evaluator, for one model."""
    env = {**os.environ, "FTCORE_HOME": str(settings.home), "HF_HUB_OFFLINE": "1"}
    domain = json.loads(sh([sys.executable, "-m", "ftcore", "eval", model, "--data", str(val), "--json"],
                           env=env).stdout)
    args = [a for s in suites for a in ("--suite", s)]
    probes = json.loads(sh([sys.executable, "-m", "ftcore", "probe", "--model", model, *args, "--json"],
                           env=env).stdout)
    return {"domain": domain, "probes": probes}


def flat(score: dict) -> dict[str, float]:
    """suite -> score, and the domain metrics, from `ftcore eval --json` and `ftcore probe --json`."""
    values = {f"domain_{k}": v for k, v in score["domain"].items()
              if isinstance(v, (int, float)) and k not in ("examples", "seconds")}  # counts, not scores
    for results in score["probes"].values():  # {model ref: {suite: result}}
        values.update({suite: result["score"] for suite, result in results.items()})
    return values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=72, help="Training rows (the first N of the train split).")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--lr", default="1e-4")
    parser.add_argument("--max-length", type=int, default=512)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--suites", default="general_en,general_zh,arithmetic,instruction")
    parser.add_argument("--peer-venv", type=Path, default=ROOT / ".peer-venv")
    parser.add_argument("--gradient-checkpointing", action=argparse.BooleanOptionalAction, default=True,
                        help="Recompute activations in both tools (LLaMA-Factory's default, on unless "
                             "disable_gradient_checkpointing; FullTune's is off).")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()

    python = peer_env(args.peer_venv.resolve())
    settings = Settings(home=Path(os.environ.get("FTCORE_HOME") or tempfile.mkdtemp(prefix="ftbench-"))).ensure()
    ensure_embedded(MODEL, settings)
    model = settings.models_dir / MODEL
    work = Path(tempfile.mkdtemp(prefix="ftbench-peer-"))
    env = {**os.environ, "FTCORE_HOME": str(settings.home)}
    sh([sys.executable, "-m", "ftcore", "data", "split", str(DEMOS["barista"].path), "--val-ratio", "0.2", "--seed",
        str(args.seed), "--out", str(work / "barista")], env=env)
    lines = (work / "barista.train.jsonl").read_text(encoding="utf-8").splitlines()[: args.rows]
    train, val = work / "train.jsonl", work / "barista.val.jsonl"
    train.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"work {work}; {len(lines)} training rows, held-out rows in {val}", flush=True)

    runs: dict[str, list[dict]] = {"fulltune": [], "llamafactory": []}
    for i in range(args.repeats):  # alternate, so that drift in the machine's load hits both alike
        runs["llamafactory"].append(peer_once(python, model, train, args, work, i))
        runs["fulltune"].append(fulltune_once(settings, train, args, work, i))
        for tool in runs:
            r = runs[tool][-1]
            print(f"repeat {i + 1} {tool:<12} wall {r['wall_s']:.0f} s, train {r['train_s']:.0f} s, "
                  f"peak {r['peak_gib']:.2f} GiB (largest process {r['peak_one_gib']:.2f}), {r['steps']} steps, last loss {r['last_loss']}", flush=True)

    med = {tool: {k: statistics.median(r[k] for r in rs) for k in ("wall_s", "train_s", "peak_gib")}
           for tool, rs in runs.items()}
    suites = args.suites.split(",")
    quality = {tool: flat(scores(settings, rs[-1]["model"], val, suites)) for tool, rs in runs.items()}
    quality["base"] = flat(scores(settings, str(model), val, suites))

    ft, lf = med["fulltune"], med["llamafactory"]
    ckpt = "on" if args.gradient_checkpointing else "off"
    ratios = {k: ft[k] / lf[k] for k in ft}
    print(f"\nsame run: {len(lines)} rows, {args.epochs} epochs, batch {args.batch_size}, lr {args.lr} constant, "
          f"max length {args.max_length}, fp32 on CPU, gradient checkpointing {ckpt}; medians of {args.repeats}")
    print(f"{'':<14}{'wall s':>9}{'train s':>9}{'peak GiB':>10}")
    for tool in ("fulltune", "llamafactory"):
        print(f"{tool:<14}{med[tool]['wall_s']:>9.1f}{med[tool]['train_s']:>9.1f}{med[tool]['peak_gib']:>10.2f}")
    print(f"{'ratio':<14}{ratios['wall_s']:>9.3f}{ratios['train_s']:>9.3f}{ratios['peak_gib']:>10.3f}"
          "   (targets: wall <= 0.8, peak <= 1.0)")
    keys = sorted(set(quality["base"]) | set(quality["fulltune"]))
    print(f"\n{'score':<22}{'base':>10}{'fulltune':>10}{'llamafactory':>14}   (loss lower is better)")
    for key in keys:
        cells = [quality[t].get(key) for t in ("base", "fulltune", "llamafactory")]
        print(f"{key:<22}" + "".join(f"{c:>{w}.3f}" if c is not None else f"{'-':>{w}}"
                                     for c, w in zip(cells, (10, 10, 14), strict=True)))

    if not args.no_record:
        q = "; ".join(f"{k} {quality['fulltune'].get(k, float('nan')):.2f} vs {quality['llamafactory'].get(k, float('nan')):.2f}"
                      for k in keys)
        record(f"peer (llamafactory 0.9.5) --rows {len(lines)} --epochs {args.epochs} --batch-size {args.batch_size} "
               f"--lr {args.lr} --max-length {args.max_length} checkpointing {ckpt} x{args.repeats}",
               f"FullTune wall {ft['wall_s']:.0f} s, train {ft['train_s']:.0f} s, peak {ft['peak_gib']:.2f} GiB; "
               f"LLaMA-Factory wall {lf['wall_s']:.0f} s, train {lf['train_s']:.0f} s, peak {lf['peak_gib']:.2f} GiB; "
               f"quality FullTune vs LLaMA-Factory: {q}",
               f"wall {ratios['wall_s']:.2f}x, train {ratios['train_s']:.2f}x, peak {ratios['peak_gib']:.2f}x", first=True)


if __name__ == "__main__":
    main()
