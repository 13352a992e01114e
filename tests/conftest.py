"""Shared fixtures: a tiny random chat model built offline, an isolated workspace, and a CLI runner."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

if os.environ.get("PYTEST_XDIST_WORKER"):  # two workers on two cores: one compute thread each (subprocesses too)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
# device locks are machine-wide: give this test process its own folder, so that the two pytest workers' runs do not
# queue behind each other (tests that want a shared folder set FTCORE_LOCK_DIR themselves)
os.environ.setdefault("FTCORE_LOCK_DIR", tempfile.mkdtemp(prefix="ftcore-test-locks-"))

sys.path.insert(0, str(Path(__file__).parent))

from tiny import build_model  # noqa: E402

from ftcore import ACTIVE, RunStore, Settings  # noqa: E402
from ftcore.runs.liveness import pid_alive  # noqa: E402


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    return build_model(tmp_path_factory.mktemp("tiny") / "model")


@pytest.fixture(scope="session")
def embedded_home(tmp_path_factory) -> Settings:
    """A workspace whose embedded model is converted once per test session (about a minute)."""
    from ftcore import ensure_embedded

    settings = Settings(home=tmp_path_factory.mktemp("embedded-home")).ensure()
    ensure_embedded("smollm2-135m-instruct", settings)
    return settings


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("FTCORE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FTCORE_LOCK_DIR", str(tmp_path / "locks"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    settings = Settings.from_env()
    yield settings
    kill_workers(settings)


def kill_workers(settings: Settings) -> None:
    """End the workers a test left running (a failed test's long run must not take a core from the next tests)."""
    if not settings.runs_dir.is_dir():
        return
    for run in RunStore(settings).list():
        status = run.status()
        if status.get("state") in ACTIVE and pid_alive(status.get("pid")):
            try:
                os.killpg(status["pid"], signal.SIGKILL)
            except OSError:
                pass


@pytest.fixture
def chat_file(tmp_path) -> Path:
    rows = [
        {"messages": [{"role": "user", "content": f"How long should shot {i} pull?"},
                      {"role": "assistant", "content": f"About {20 + i} seconds for 36 g out."}]}
        for i in range(12)
    ]
    path = tmp_path / "chat.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def wait_for(predicate, timeout: float = 300.0, every: float = 0.2, run=None):
    """Poll until predicate() returns something truthy; return it, or fail after timeout seconds. With `run`, stop
    early when the run has ended (failed or cancelled) and say why, with the end of its worker log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if run is not None and run.status().get("state") in ("failed", "cancelled"):
            break
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s" + (f"; {describe(run)}" if run is not None else ""))


def describe(run) -> str:
    """A run's status and the end of its worker logs, for a failing test's message."""
    logs = "".join(f"\n--- {p.name}\n" + p.read_text(errors="replace")[-3000:] for p in sorted(run.dir.glob("*.log")))
    return f"status {run.status()}{logs}"


# The end-of-run evaluation (probes, domain metric) is tested in tests/integration/test_run_report.py; the other
# training tests turn it off unless they name probe settings, to keep the suite fast.
NO_REPORT = ("probe.suites=none", "probe.domain=false")


def run_cli(*args: str, env_home: Settings, timeout: float = 300) -> subprocess.CompletedProcess:
    if args and args[0] == "train" and not any(a.startswith("probe.") for a in args):
        args = (*args, *NO_REPORT)
    env = {**os.environ, "FTCORE_HOME": str(env_home.home), "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "ftcore", *args], capture_output=True, text=True,
                          timeout=timeout, env=env)


@pytest.fixture
def cli(home):
    def call(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        return run_cli(*args, env_home=home, timeout=timeout)

    return call
