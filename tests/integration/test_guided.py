"""The guided first run: check, plan, a run sized to the hardware, and the compare/probe summary, from the CLI."""

from __future__ import annotations

import json

from ftcore import RunStore
from ftcore.recipes.guided import CPU_LR, CPU_STEPS, CPU_SUITES


def test_guided_run_walks_every_step(cli, home, tiny_model):
    out = cli("guided", "--model", str(tiny_model), timeout=900)
    assert out.returncode == 0, out.stderr[-3000:] + out.stdout[-2000:]
    titles = [line for line in out.stdout.splitlines() if line.startswith("== ")]
    assert titles == ["== 1. Check the data", "== 2. Plan", "== 3. Train", "== 4. Compare and probes", "== Done"]
    assert "150 rows" in out.stdout and "GiB" in out.stdout and "base + 3-shot prompt" in out.stdout
    (run,) = RunStore(home).list()
    config = run.config()
    assert (config.train.max_steps, config.train.learning_rate) == (CPU_STEPS, CPU_LR)
    assert config.probe.suites == CPU_SUITES and config.probe.fewshot == 3
    report = json.loads((run.dir / "report.json").read_text())
    assert report["domain_split"] == "validation" and report["base"]["fewshot"]["k"] == 3
    assert json.loads((run.dir / "data.json").read_text())["validation"]["rows"] == 30
