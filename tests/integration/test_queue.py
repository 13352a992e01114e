"""The device queue: a run started while the device is busy waits as `queued`, starts when it is free, in the
order runs were queued; a queued run can be cancelled. The waiting lives in the workers, not in the process that
started them, so it survives the app (here: the CLI that launched them has exited)."""

from conftest import wait_for

from ftcore import RunStore


def start(cli, home, tiny_model, chat_file, name, steps):
    out = cli("train", "--data", str(chat_file), "--model", str(tiny_model), "--max-steps", str(steps),
              "--batch-size", "2", "--name", name, "--detach")
    assert out.returncode == 0, out.stderr
    return RunStore(home).get(out.stdout.split()[-1])


def test_runs_wait_for_the_device_in_order_and_can_be_cancelled(cli, home, tiny_model, chat_file):
    first = start(cli, home, tiny_model, chat_file, "first", 100000)
    wait_for(lambda: first.status().get("step", 0) >= 1, run=first)
    second = start(cli, home, tiny_model, chat_file, "second", 3)
    third = start(cli, home, tiny_model, chat_file, "third", 3)
    dropped = start(cli, home, tiny_model, chat_file, "dropped", 3)
    wait_for(lambda: any("Queued" in e.get("text", "") for e in dropped.events("message")))
    for run in (second, third, dropped):
        assert run.status()["state"] == "queued" and not run.events("train")

    assert cli("stop", dropped.id).returncode == 0
    assert dropped.status()["state"] == "cancelled" and not dropped.events("train")

    assert cli("stop", first.id).returncode == 0
    for run in (second, third):
        wait_for(lambda run=run: run.status()["state"] == "done", timeout=120)
    began = {run.id: next(e["time"] for e in run.events("message") if e["text"] == "Worker started")
             for run in (second, third)}
    ended = {run.id: run.events("end")[-1]["time"] for run in (first, second)}
    assert ended[first.id] <= began[second.id] < began[third.id]  # in the order they were queued
    assert ended[second.id] <= began[third.id]  # the CPU is one slot: never two trainings at once


def test_two_workspaces_on_one_machine_share_the_device(home, tiny_model, chat_file, tmp_path, monkeypatch):
    """The locks are machine-wide: a run of a second workspace waits for the device a first workspace's run holds."""
    from conftest import run_cli

    from ftcore import Settings

    other = Settings(home=tmp_path / "other-home", lock_dir=home.lock_dir).ensure()
    busy = start(lambda *a: run_cli(*a, env_home=home), home, tiny_model, chat_file, "first", 100000)
    wait_for(lambda: busy.status().get("step", 0) >= 1, run=busy)
    waiting = start(lambda *a: run_cli(*a, env_home=other), other, tiny_model, chat_file, "second", 3)
    wait_for(lambda: any("Queued" in e.get("text", "") for e in waiting.events("message")))
    assert waiting.status()["state"] == "queued" and not waiting.events("train")
    assert run_cli("stop", busy.id, env_home=home).returncode == 0
    wait_for(lambda: waiting.status()["state"] == "done", timeout=120, run=waiting)
