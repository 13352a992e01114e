"""Checkpoints are verified before a resume: a newest checkpoint whose weights were zeroed (the right size, the
wrong bytes) is skipped for the newest one that verifies, saying so; asking for it by step is refused with the
reason; a truncated file is caught the same way. Each checkpoint records every file's sha256."""

import json
import os
import signal

from conftest import wait_for

import ftcore
from ftcore import RunStore
from ftcore.train.checkpoint import choose, listed, problem


def killed_run(cli, home, tiny_model, chat_file, name: str, steps: int):
    """A run killed (-9) once it has two checkpoints."""
    out = cli("train", "--data", str(chat_file), "--model", str(tiny_model), "--max-steps", str(steps),
              "--batch-size", "2", "--save-steps", "3", "--detach", "--name", name)
    run = RunStore(home).get(out.stdout.split()[-1])
    wait_for(lambda: len(listed(run)) >= 2, run=run)
    os.killpg(run.status()["pid"], signal.SIGKILL)
    wait_for(lambda: run.status()["state"] == "failed")
    return run


def test_a_corrupt_newest_checkpoint_is_skipped_for_one_that_verifies(cli, home, tiny_model, chat_file):
    run = killed_run(cli, home, tiny_model, chat_file, "verify", 400)
    newest, older = listed(run)[:2]
    meta = json.loads((newest / "fulltune.json").read_text())
    assert "model.safetensors" in meta["files"] and len(meta["files"]["model.safetensors"]) == 64
    weights = newest / "model.safetensors"
    weights.write_bytes(bytes(weights.stat().st_size))  # zeroed, same size
    assert "model.safetensors does not match" in problem(newest)
    picked, skipped = choose(run)
    assert picked == older and skipped[0][0] == newest.name

    refused = cli("resume", run.id, "--checkpoint", newest.name.split("-")[1])
    assert refused.returncode == 2 and "cannot be trusted" in refused.stderr
    for other in listed(run)[1:]:  # and truncate the older ones (a fast worker may have saved more than two)
        (other / "optimizer.pt").write_bytes((other / "optimizer.pt").read_bytes()[:100])
    assert "optimizer.pt does not match" in problem(older)
    nothing = cli("resume", run.id)
    assert nothing.returncode == 2 and "No checkpoint of run" in nothing.stderr


def test_resume_takes_the_newest_that_verifies(cli, home, tiny_model, chat_file):
    run = killed_run(cli, home, tiny_model, chat_file, "fallback", 60)
    newest, older = listed(run)[:2]
    (newest / "model.safetensors").write_bytes(bytes((newest / "model.safetensors").stat().st_size))
    resumed = cli("resume", run.id, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert run.status()["state"] == "done" and run.status()["resumed_from"] == older.name
    assert any(e["text"].startswith(f"Skipped {newest.name}") for e in run.events("message"))
    assert ftcore.runs.jobs.last_checkpoint(run) is not None
