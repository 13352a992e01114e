"""The fault matrix a user of a long-running trainer meets, each ending in a state the UI explains, with no run lost
and no half-written file visible:

- kill -9 of the worker's process group at a random step (three seeds), then `ftcore resume`: the run ends done,
  every checkpoint it lists verifies, the final model is whole and the step count is the one asked for;
- a stop during start-up (queued or loading, before any step): cancelled, not failed, nothing half-written.

The other rows of the matrix are held elsewhere (README, Security and reliability): a disk filled by another process
(tests/unit/test_runs.py), a corrupt newest checkpoint (test_checkpoint_integrity.py), two resumes at once
(test_resume_race.py), kill -9 of the app during a run (tests/ui/test_api_client.py), a stop before the Trainer
exists (tests/unit/test_runs.py)."""

import json
import os
import random
import signal

import pytest
from conftest import wait_for

import ftcore
from ftcore import RunStore
from ftcore.train.checkpoint import listed, problem

STEPS = 24


def visible_files(run) -> list[str]:
    """What a reader of the run folder sees: hidden names are staging areas, by contract never read."""
    return sorted(str(p.relative_to(run.dir)) for p in run.dir.rglob("*")
                  if not any(part.startswith(".") for part in p.relative_to(run.dir).parts))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kill_9_at_a_random_step_then_resume_loses_nothing(cli, home, tiny_model, chat_file, seed):
    kill_at = random.Random(seed).randint(2, STEPS - 4)
    out = cli("train", "--data", str(chat_file), "--model", str(tiny_model), "--max-steps", str(STEPS),
              "--batch-size", "2", "--save-steps", "2", "--detach", "--name", f"kill-{seed}",
              "train.logging_steps=1")
    assert out.returncode == 0, out.stderr
    run = RunStore(home).get(out.stdout.split()[-1])
    wait_for(lambda: run.status().get("step", 0) >= kill_at or run.status()["state"] in ftcore.FINISHED, run=run)
    status = run.status()
    assert status["state"] == "running", f"seed {seed}: the run ended before step {kill_at}: {status}"
    os.killpg(status["pid"], signal.SIGKILL)
    wait_for(lambda: run.status()["state"] == "failed", timeout=30)
    killed_at = max(e["step"] for e in run.events("train"))  # steps go on between the status read and the kill
    # the reader's verdict names the cause; status.json itself was not rewritten by a reader
    assert "worker.log" in run.status()["error"]
    assert json.loads(run.status_path.read_text())["state"] == "running"
    for checkpoint in listed(run):  # whatever the kill interrupted is not listed as a checkpoint
        assert problem(checkpoint) is None, (checkpoint.name, problem(checkpoint))

    resumed = cli("resume", run.id, "--no-wait-report", timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    status = run.status()
    assert status["state"] == "done" and status["step"] == STEPS, status
    assert status["resumed_from"].startswith("checkpoint-")
    assert kill_at <= killed_at and int(status["resumed_from"].split("-")[1]) <= killed_at
    assert (run.final_dir / "model.safetensors").is_file() and "final/model.safetensors" in visible_files(run)
    steps = [e["step"] for e in run.events("train")]
    assert steps[-1] == STEPS and max(steps) == STEPS


def test_a_stop_during_start_up_ends_cancelled(cli, home, tiny_model, chat_file):
    out = cli("train", "--data", str(chat_file), "--model", str(tiny_model), "--max-steps", "100000",
              "--batch-size", "2", "--detach", "--name", "early-stop")
    run = RunStore(home).get(out.stdout.split()[-1])
    assert run.status().get("step", 0) == 0  # still queued or loading: no step yet
    stopped = cli("stop", run.id, "--grace", "60")
    assert stopped.returncode == 0, stopped.stderr
    status = run.status()
    assert status["state"] == "cancelled", status
    assert not run.final_dir.exists()
    assert json.loads(run.events_path.read_text().splitlines()[-1])["state"] == "cancelled"
    for checkpoint in listed(run):
        assert problem(checkpoint) is None
