"""The Train tab draws forgetting beside the validation loss in a real browser: a run in progress is shown before
its first evaluation (no forgetting point yet), and the points appear as evaluations are logged; the label is in the
reader's language. Screenshot: train-forgetting.png in the test's folder."""

from __future__ import annotations

import json
import subprocess
import time

import pytest
import test_browser
from test_browser import goto_tab, open_page, shot, start_app

import ftcore

pytestmark = pytest.mark.browser
browser = test_browser.browser  # the fixture: headless Chromium


def append(run, events):
    with open(run.events_path, "a", encoding="utf-8") as handle:
        handle.write("".join(json.dumps(e) + "\n" for e in events))


def points(page, elem_id: str, series: str, n: int) -> None:
    """Wait for n points of a series drawn in its colour (a series the plot's spec lacks has paths without one)."""
    page.wait_for_function("([id, series, n]) => Array.from(document.querySelectorAll(`#${id} g.mark-symbol "
                           "path[role=graphics-symbol]`)).filter(p => (p.getAttribute('aria-label') || '')"
                           ".endsWith(`series: ${series}`) && (p.getAttribute('stroke') || '').startsWith('#'))"
                           ".length >= n", arg=[elem_id, series, n], timeout=30_000)


def test_forgetting_points_appear_beside_the_validation_loss_as_a_run_evaluates(home, browser, tmp_path):
    from ftcore.runs.liveness import process_start

    worker = subprocess.Popen(["sleep", "600"])  # stands in for the run's live worker
    run = ftcore.RunStore(home.ensure()).create(ftcore.apply_overrides(ftcore.RunConfig(name="forgetting"),
                                                                       ["data.train=x.jsonl", "data.val=y.jsonl"]))
    start = time.time() - 60
    append(run, [{"time": start, "type": "train_begin", "total_steps": 40, "step": 0},
                 *({"time": start + i, "type": "train", "step": i, "loss": 3 - i / 10, "learning_rate": 1e-4,
                    "grad_norm": 1.0, "num_input_tokens_seen": 500 * i} for i in range(1, 6))])
    run.update_status(state="running", step=5, total_steps=40, loss=2.5, pid=worker.pid,
                      pid_start=process_start(worker.pid), host=home.node_name)
    url, proc = start_app(home, tmp_path)
    try:
        page = open_page(browser, url, locale="zh-CN")
        goto_tab(page, "训练")
        page.locator("#run-status").get_by_text(run.id).wait_for(timeout=60_000)
        points(page, "loss-plot", "训练", 5)
        assert page.locator("#forget-plot g.mark-symbol path").count() == 0  # no evaluation yet
        label = page.locator("#forget-plot").inner_text()
        assert "遗忘" in label and "__i18n__" not in label
        for step, kl in ((6, 0.012), (12, 0.034)):  # evaluations logged while the page watches
            append(run, [{"time": time.time(), "type": "eval", "step": step, "eval_loss": 2.6, "forget_kl": kl}])
            run.update_status(step=step, forget_kl=kl)
            points(page, "forget-plot", "与基座的 KL", step // 6)
        points(page, "loss-plot", "验证", 2)  # and the two validation losses beside them
        shot(page, tmp_path, "train-forgetting")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        worker.kill()
