"""Load: 20 chat sessions at once (gradio_client, one session each) while 5 runs are started from 3 browser
contexts. All complete, the runs train in the order they were started (one device, first come first served), and
the app's memory stays bounded; the numbers are printed (README, Security and reliability)."""

from __future__ import annotations

import statistics
import threading
import time

import psutil
import pytest
from conftest import wait_for
from test_browser import browser, goto_tab, open_page, start_app  # noqa: F401 (browser: a fixture)

import ftcore

pytestmark = pytest.mark.browser
CHATS, RUNS = 20, 5
APP_PEAK_LIMIT = 3 * 2**30  # the app process: gradio, torch, the tiny model and 20 sessions


class Peak(threading.Thread):
    """The resident memory of the app process (and, apart, of the app with its workers), sampled every 0.2 s."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.process, self.app, self.total, self.done = psutil.Process(pid), 0, 0, threading.Event()

    def run(self):
        while not self.done.wait(0.2):
            try:
                app = self.process.memory_info().rss
                total = app + sum(c.memory_info().rss for c in self.process.children(recursive=True))
            except psutil.Error:
                continue
            self.app, self.total = max(self.app, app), max(self.total, total)


def chat(url: str, model: str, i: int, results: list) -> None:
    from gradio_client import Client

    started = time.monotonic()
    try:
        history, _ = Client(url, verbose=False).predict(model, "", 0.0, 0.9, 16, "", [], f"Session {i}: oat milk?",
                                                        api_name="/chat")
        results.append((history[-1]["role"], time.monotonic() - started))
    except Exception as exc:  # counted as a failure below
        results.append((repr(exc), time.monotonic() - started))


def start_run(page, model: str, name: str) -> None:
    goto_tab(page, "Train")
    box = page.locator("#model-dropdown input")
    box.fill(model)
    box.press("Enter")
    page.get_by_label("Max steps").fill("3")
    page.get_by_label("Run name").fill(name)
    page.locator("#train-command").get_by_text(f"--name {name}").wait_for(timeout=30_000)
    page.locator("#start-training").click()
    page.locator("#run-status").get_by_text(name).first.wait_for(timeout=60_000)


def test_twenty_chats_and_five_queued_runs_from_three_browsers(home, browser, tiny_model, tmp_path):  # noqa: F811
    url, proc = start_app(home, tmp_path)
    peak = Peak(proc.pid)
    peak.start()
    try:
        pages = [open_page(browser, url) for _ in range(3)]
        results: list = []
        chats = [threading.Thread(target=chat, args=(url, str(tiny_model), i, results)) for i in range(CHATS)]
        began = time.monotonic()
        for thread in chats:
            thread.start()
        names = [f"load-{i}" for i in range(RUNS)]
        for i, name in enumerate(names):  # contexts 0, 1, 2, 0, 1: each start after the previous one's
            start_run(pages[i % 3], str(tiny_model), name)
        for thread in chats:
            thread.join(timeout=600)
        chat_wall = time.monotonic() - began
        runs = sorted(ftcore.RunStore(home).list(), key=lambda r: names.index(r.config().name))
        assert [r.config().name for r in runs] == names
        for run in runs:
            wait_for(lambda run=run: run.status()["state"] in ftcore.FINISHED and not ftcore.busy(run.status()),
                     timeout=600, run=run)
        runs_wall = time.monotonic() - began
    finally:
        peak.done.set()
        proc.terminate()
        proc.wait(timeout=30)

    assert [r[0] for r in results] == ["assistant"] * CHATS, results
    statuses = [r.status() for r in runs]
    assert [s["state"] for s in statuses] == ["done"] * RUNS, statuses
    # one device: each run trained after the one started before it had finished training (first come first served)
    began = [next(e["time"] for e in r.events("message") if e["text"] == "Worker started") for r in runs]
    ended = [r.events("end")[-1]["time"] for r in runs]
    assert began == sorted(began), began
    assert all(ended[i] <= began[i + 1] for i in range(RUNS - 1)), (began, ended)  # never two trainings at once
    latencies = sorted(r[1] for r in results)
    print(f"\nload: {CHATS} chats in {chat_wall:.1f} s (median {statistics.median(latencies):.1f} s, "
          f"slowest {latencies[-1]:.1f} s); {RUNS} runs from 3 browsers done in {runs_wall:.1f} s; "
          f"app peak RSS {peak.app / 2**20:.0f} MiB, app + workers {peak.total / 2**20:.0f} MiB")
    assert 0 < peak.app < APP_PEAK_LIMIT
