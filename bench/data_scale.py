"""Data at scale: a generated file of customer-service dialogues (default 100k rows, EN and ZH, 1-3 exchanges with
a system line), each stage in its own process, timed with its peak RSS, against the targets on 2 cores:

    check + report <= 30 s; tokenization <= 60 s cold, <= 5 s from the cache; the first training step <= 90 s after
    `ftcore train` is called, the worker's peak RSS before it <= 3 GB.

    .venv/bin/python bench/data_scale.py [--rows 100000] [--repeats 3] [--stages check,report,tokenize,first-step]

Tokenization uses the embedded model's tokenizer at max length 512 and the workspace cache as training does (a
fresh cache folder for the cold runs). Medians of --repeats runs; appends to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _results import record  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"check": None, "report": None, "check+report": 30.0, "tokenize cold": 60.0, "tokenize cached": 5.0,
           "first step": 90.0}
PRODUCTS = ["router", "washing machine", "phone plan", "laptop", "coffee grinder", "smart watch", "vacuum robot"]
PRODUCTS_ZH = ["路由器", "洗衣机", "手机套餐", "笔记本电脑", "磨豆机", "智能手表", "扫地机器人"]
ISSUES = ["won't turn on", "was charged twice", "arrived damaged", "is slower than promised", "lost its settings",
          "shows error E{n}", "was delivered to the wrong address"]
ISSUES_ZH = ["开不了机", "被重复扣款", "到货时已损坏", "速度比宣传的慢", "设置全丢了", "显示错误代码 E{n}", "送错了地址"]
STEPS = ["please restart it and hold the power button for ten seconds", "I have refunded the duplicate charge",
         "a replacement will ship within three working days", "please send a photo of the damage",
         "I have updated the delivery address on order {order}", "the firmware update fixes this error"]
STEPS_ZH = ["请重启并长按电源键十秒", "重复扣款已经退回", "三个工作日内为您寄出新机", "请拍一张损坏处的照片",
            "订单 {order} 的收货地址已更新", "升级固件即可解决这个错误"]


def generate(path: Path, rows: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as handle:
        for _ in range(rows):
            zh = rng.random() < 0.3
            order = rng.randint(100000, 999999)
            turns = [{"role": "system", "content": "你是电器商城的客服。" if zh else
                      "You are a customer-service agent of an electronics shop."}]
            for t in range(rng.randint(1, 3)):
                n = rng.randint(10, 99)
                if zh:
                    question = f"我的{rng.choice(PRODUCTS_ZH)}{rng.choice(ISSUES_ZH).format(n=n)}，订单号 {order}。"
                    answer = "很抱歉给您带来不便，" + "；".join(s.format(order=order) for s in rng.sample(STEPS_ZH, 2))
                else:
                    question = (f"My {rng.choice(PRODUCTS)} {rng.choice(ISSUES).format(n=n)}. Order {order}"
                                f"{', again' if t else ''}.")
                    answer = "Sorry about that: " + "; ".join(s.format(order=order) for s in rng.sample(STEPS, 2)) + "."
                turns += [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]
            handle.write(json.dumps({"messages": turns}, ensure_ascii=False) + "\n")


def stage(name: str, path: str, cache: str) -> dict:
    """One stage in this process: seconds, and the peak RSS of the process."""
    from ftcore import models
    from ftcore.config import RunConfig
    from ftcore.data import check_file, read_examples
    from ftcore.data.quality.report import quality_report
    from ftcore.data.token_cache import tokenize_dataset
    from ftcore.settings import Settings

    tokenizer = None if name == "check" else models.load_tokenizer(RunConfig().model.ref, Settings.from_env())
    start = time.perf_counter()
    if name == "check":
        check_file(path)
    elif name == "report":
        examples = read_examples(path)
        quality_report(examples, fmt="messages", tokenizer=tokenizer, max_length=512)
    else:
        examples = read_examples(path)
        tokenize_dataset(examples, tokenizer, 512, Path(cache))
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def run_stage(name: str, path: Path, cache: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--stage", name, str(path), str(cache)], capture_output=True,
                         text=True, cwd=ROOT)
    if out.returncode:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def first_step(path: Path) -> dict:
    """`ftcore train --detach` in a fresh workspace (the embedded model linked in, as prepared on this machine):
    seconds until the first training step is logged, and the worker's peak RSS (VmHWM) then."""
    from ftcore.settings import Settings

    prepared = Settings.from_env().models_dir
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        if prepared.is_dir():
            (home / "models").symlink_to(prepared)
        env = {**os.environ, "FTCORE_HOME": str(home)}
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "ftcore", "train", "--data", str(path), "--max-steps", "2",
                              "--batch-size", "4", "--detach", "--name", "scale"], capture_output=True, text=True,
                             env=env, cwd=ROOT)
        if out.returncode:
            raise SystemExit(out.stderr[-3000:])
        run = next((home / "runs").iterdir())
        peak, seconds = 0.0, None
        while time.perf_counter() - start < 900:
            status = json.loads((run / "status.json").read_text()) if (run / "status.json").is_file() else {}
            try:
                peak = max(peak, _tree_hwm_mb(int(status["pid"])))
            except (KeyError, TypeError, ValueError, OSError):
                pass
            events = (run / "events.jsonl").read_text() if (run / "events.jsonl").is_file() else ""
            if '"type": "train"' in events:
                seconds = time.perf_counter() - start
                break
            if status.get("state") in ("failed", "cancelled", "done"):
                raise SystemExit(f"the run ended {status.get('state')}: {status.get('error')}")
            time.sleep(0.2)
        subprocess.run([sys.executable, "-m", "ftcore", "stop", run.name], capture_output=True, env=env, cwd=ROOT)
        shutil.rmtree(home / "runs", ignore_errors=True)
    if seconds is None:
        raise SystemExit("no training step within 900 s")
    return {"seconds": seconds, "peak_rss_mb": peak}


def _tree_hwm_mb(pid: int) -> float:
    """The largest peak RSS (VmHWM) of the run's process and its children (the worker under its launcher)."""
    import psutil

    root = psutil.Process(pid)
    best = 0.0
    for proc in [root, *root.children(recursive=True)]:
        try:
            for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    best = max(best, int(line.split()[1]) / 1024)
        except OSError:
            continue
    return best


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--stage":
        print(json.dumps(stage(*sys.argv[2:5])))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--stages", default="check,report,tokenize,first-step")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    stages = args.stages.split(",")
    results: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "support.jsonl"
        generate(path, args.rows)
        size_mb = path.stat().st_size / 2**20
        print(f"{args.rows:,} rows, {size_mb:.0f} MB", flush=True)
        for i in range(args.repeats):
            cache = Path(tmp) / f"cache-{i}"
            for name in stages:
                if name == "tokenize":
                    got = {"tokenize cold": run_stage("tokenize", path, cache),
                           "tokenize cached": run_stage("tokenize", path, cache)}
                elif name == "first-step":
                    got = {"first step": first_step(path)}
                else:
                    got = {name: run_stage(name, path, cache)}
                for key, value in got.items():
                    results.setdefault(key, []).append(value)
                    print(f"run {i + 1} {key}: {value['seconds']:.1f} s, peak RSS {value['peak_rss_mb']:.0f} MB",
                          flush=True)
    if "check" in results and "report" in results:
        results["check+report"] = [{"seconds": a["seconds"] + b["seconds"],
                                    "peak_rss_mb": max(a["peak_rss_mb"], b["peak_rss_mb"])}
                                   for a, b in zip(results["check"], results["report"], strict=True)]
    print(f"\n| stage ({args.rows:,} rows, {size_mb:.0f} MB) | median s | target s | time / target | peak RSS MB |")
    print("|---|---|---|---|---|")
    summary = []
    for key in TARGETS:
        if key not in results:
            continue
        seconds = statistics.median(r["seconds"] for r in results[key])
        peak = max(r["peak_rss_mb"] for r in results[key])
        target = TARGETS[key]
        ratio = f"{seconds / target:.2f}" if target else ""
        print(f"| {key} | {seconds:.1f} | {target or ''} | {ratio} | {peak:.0f} |")
        summary.append(f"{key} {seconds:.1f} s" + (f" ({ratio} of {target:.0f} s)" if target else "")
                       + f", {peak:.0f} MB")
    if not args.no_record:
        record(f"data_scale --rows {args.rows} x{args.repeats}", "; ".join(summary), "medians; RSS = peak")


if __name__ == "__main__":
    main()
