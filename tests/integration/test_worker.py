"""The worker runs in its own process; the caller only watches files in the run folder."""

import json

from conftest import wait_for

import ftcore
from ftcore import RunStore


def test_detached_worker_is_followed_through_status_and_events(cli, home, tiny_model, chat_file):
    result = cli("train", "--data", str(chat_file), "--model", str(tiny_model), "--max-steps", "40",
                 "--batch-size", "2", "--detach")
    assert result.returncode == 0, result.stderr
    run_id = result.stdout.strip().splitlines()[-1].split()[-1]
    run = RunStore(home).get(run_id)
    seen_states = set()

    def progressed():
        status = run.status()
        seen_states.add(status["state"])
        return status["state"] in ftcore.FINISHED or (status.get("step", 0) > 0 and status)

    wait_for(progressed)
    assert wait_for(lambda: run.events("train"))[0]["loss"] > 0
    final = ftcore.wait(run, timeout=180)
    assert final["state"] == "done", final
    assert "running" in seen_states or "done" in seen_states
    wait_for(lambda: not ftcore.runs.liveness.pid_alive(final["pid"]), timeout=30)  # the worker exits after its status


def test_stop_checkpoints_and_ends_cancelled(cli, home, tiny_model, chat_file):
    result = cli("train", "--data", str(chat_file), "--model", str(tiny_model), "--max-steps", "100000",
                 "--batch-size", "2", "--detach", "--name", "long")
    run = RunStore(home).get(result.stdout.split()[-1])
    wait_for(lambda: run.status().get("step", 0) >= 3, run=run)
    stopped = cli("stop", run.id, "--grace", "60")
    assert stopped.returncode == 0 and "cancelled" in stopped.stdout
    status = run.status()
    assert status["state"] == "cancelled" and status["error"] == "Stopped by the user."
    checkpoints = list((run.dir / "checkpoints").glob("checkpoint-*"))
    assert len(checkpoints) == 1 and (checkpoints[0] / "model.safetensors").is_file()
    assert not run.final_dir.exists()
    assert json.loads(run.events_path.read_text().splitlines()[-1])["state"] == "cancelled"


def test_sigterm_also_checkpoints(home, tiny_model, chat_file):
    import os
    import signal

    config = ftcore.apply_overrides(ftcore.RunConfig(name="term"), [], {
        "data.train": str(chat_file), "model.ref": str(tiny_model), "train.max_steps": 100000,
        "train.batch_size": 2})
    run = ftcore.start(config, home)
    wait_for(lambda: run.status().get("step", 0) >= 2, run=run)
    os.kill(run.status()["pid"], signal.SIGTERM)
    status = ftcore.wait(run, timeout=60)
    assert status["state"] == "cancelled" and "SIGTERM" in status["error"]
    assert list((run.dir / "checkpoints").glob("checkpoint-*"))


def test_side_by_side_streams_both_models(home, tiny_model, cli, chat_file):
    assert cli("train", "--data", str(chat_file), "--model", str(tiny_model), "--max-steps", "2").returncode == 0
    (run,) = RunStore(home).list()
    cache = ftcore.ModelCache(home)
    frames = list(ftcore.side_by_side(cache, str(tiny_model), run.id, [{"role": "user", "content": "hi"}],
                                      ftcore.Decoding(max_new_tokens=12)))
    assert len(frames) > 2
    left, right = frames[-1]
    assert left and right
    assert all(len(a) >= len(b) for a, b in zip([f[0] for f in frames[1:]], [f[0] for f in frames[:-1]], strict=True))


def test_out_of_memory_message_names_configurations_that_fit(home, tiny_model, monkeypatch):
    from ftcore import RunConfig, RunStore, apply_overrides
    from ftcore.runs import devices
    from ftcore.runs.worker import _what_fits

    config = apply_overrides(RunConfig(name="oom"), ["data.train=x.jsonl", f"model.ref={tiny_model}",
                                                     "train.batch_size=64", "data.max_length=4096"])
    run = RunStore(home.ensure()).create(config)
    monkeypatch.setattr(devices, "detect", lambda: [devices.Device("cuda0", "a small GPU", 0.6)])
    message = _what_fits(run, home)
    assert "nearest configurations that fit" in message and "batch 64 -> " in message
