"""What the app costs while nobody trains: CPU seconds of the app process per minute with the Train tab open in a
headless browser and no run active, for this checkout and (with --baseline REV) another commit, each in its own
app on an empty workspace. Also the same minute with no browser, and the browser's requests per minute.

    .venv/bin/python bench/ui_idle.py --baseline 1312ccc --windows 3

Each checkout's app runs alone (started from a `git worktree` of REV for the baseline); medians of the windows.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TICK = os.sysconf("SC_CLK_TCK")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def wait_http(url: str, timeout: float = 300) -> None:
    end = time.time() + timeout
    while time.time() < end:
        try:
            urllib.request.urlopen(url, timeout=2).read(1)
            return
        except OSError:
            time.sleep(1)
    raise SystemExit(f"{url} did not answer within {timeout:.0f} s")


def measure(repo: Path, port: int, windows: int, seconds: float, settle: float) -> dict:
    """Start the app of `repo` on an empty workspace, measure a minute with no browser, then `windows` minutes
    with the Train tab open."""
    from playwright.sync_api import sync_playwright

    home = Path(tempfile.mkdtemp(prefix="ftbench-ui-"))
    env = {**os.environ, "FTCORE_HOME": str(home), "GRADIO_SERVER_PORT": str(port), "PYTHONPATH": str(repo),
           "FTCORE_SKIP_PREPARE": "1", "HF_HUB_OFFLINE": "1", "GRADIO_SERVER_NAME": "127.0.0.1"}
    app = subprocess.Popen([sys.executable, "app.py"], cwd=repo, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_http(url)
        time.sleep(settle)
        before = cpu_seconds(app.pid)
        time.sleep(seconds)
        out = {"idle": cpu_seconds(app.pid) - before, "open": [], "requests": []}
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page()
            sent: list[str] = []
            page.on("request", lambda r: sent.append(r.url))
            page.goto(url, wait_until="domcontentloaded", timeout=120_000)
            page.get_by_role("tab", name="Train", exact=True).click(timeout=120_000)
            page.wait_for_selector("#runs-dropdown", state="visible", timeout=60_000)
            page.wait_for_timeout(settle * 1000)
            for _ in range(windows):
                n, before = len(sent), cpu_seconds(app.pid)
                page.wait_for_timeout(seconds * 1000)  # keeps the browser's event loop running
                out["open"].append(cpu_seconds(app.pid) - before)
                out["requests"].append(len(sent) - n)
            browser.close()
        return out
    finally:
        os.killpg(app.pid, signal.SIGTERM)
        app.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", help="A commit to measure the same way, for the ratio.")
    parser.add_argument("--windows", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--settle", type=float, default=10)
    parser.add_argument("--port", type=int, default=7941)
    args = parser.parse_args()

    checkouts = [("this checkout", ROOT)]
    worktree = None
    if args.baseline:
        worktree = Path(tempfile.mkdtemp(prefix="ftbench-base-")) / "repo"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(worktree), args.baseline],
                       check=True, capture_output=True)
        checkouts.insert(0, (f"baseline {args.baseline}", worktree))
    rows = []
    try:
        for i, (name, repo) in enumerate(checkouts):
            result = measure(repo, args.port + i, args.windows, args.seconds, args.settle)
            rows.append((name, result))
            print(f"{name}: Train tab open {[round(v, 2) for v in result['open']]} CPU s per {args.seconds:.0f} s, "
                  f"no browser {result['idle']:.2f}, requests {result['requests']}", flush=True)
    finally:
        if worktree is not None:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(worktree)],
                           capture_output=True)
    print(f"\n{'checkout':<22}{'tab open (median)':>18}{'no browser':>12}{'requests/min':>14}")
    for name, r in rows:
        per_min = statistics.median(r["requests"]) * 60 / args.seconds
        print(f"{name:<22}{statistics.median(r['open']):>18.2f}{r['idle']:>12.2f}{per_min:>14.0f}")
    if len(rows) == 2:
        base, this = (statistics.median(r["open"]) for _, r in rows)
        print(f"ratio (this / baseline), Train tab open: {this / base:.2f}")


if __name__ == "__main__":
    main()
