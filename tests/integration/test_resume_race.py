"""Two resumes of one run at once (two terminals, a double click on Resume) start one worker: the second is
refused because the first has queued the run, and the run finishes once."""

import threading

from conftest import wait_for

import ftcore
from ftcore import RunStore, UserError


def test_two_resumes_at_once_start_one_worker(cli, home, tiny_model, chat_file):
    out = cli("train", "--data", str(chat_file), "--model", str(tiny_model), "--max-steps", "200", "--batch-size",
              "2", "--save-steps", "3", "--detach", "--name", "twice")
    run = RunStore(home).get(out.stdout.split()[-1])
    wait_for(lambda: ftcore.runs.jobs.last_checkpoint(run), run=run)
    assert cli("stop", run.id).returncode == 0
    assert run.status()["state"] == "cancelled"
    results, barrier = [], threading.Barrier(2)

    def resume():
        barrier.wait()
        try:
            results.append(ftcore.resume(run, home))
        except UserError as exc:
            results.append(exc)

    threads = [threading.Thread(target=resume) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    refused = [r for r in results if isinstance(r, UserError)]
    assert len(refused) == 1 and refused[0].key == "jobs.active", results
    assert len([e for e in run.events("message") if e["text"].startswith("Resume requested")]) == 1
    status = wait_for(lambda: run.status()["state"] in ("done", "failed") and run.status(), timeout=300)
    assert status["state"] == "done" and status["step"] == 200
