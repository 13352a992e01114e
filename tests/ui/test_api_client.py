"""The app's API driven by `gradio_client`, as a scripting user would: every tab's named endpoint with good and
with hostile values. A hostile value gets a one-line refusal (never a traceback), creates no run, reads and
writes nothing outside the workspace, and the app keeps answering."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest
from conftest import wait_for
from test_browser import start_app

import ftcore

NAMED = {"check_data", "prepare_data", "start_run", "show_run", "refresh_runs", "stop_run", "resume_run",
         "compare_runs", "show_comparison", "compare", "chat_models", "chat", "publish_runs", "push", "export"}
TOKEN = "hf_ScriptingUserToken0123456789abcd"


@pytest.fixture
def client(home, tmp_path):
    from gradio_client import Client

    url, proc = start_app(home, tmp_path)
    try:
        yield Client(url, verbose=False), url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    log = (tmp_path / "app.log").read_text(errors="replace")
    assert TOKEN not in log


def refused(client, api_name: str, *args) -> str:
    """The call fails with a readable one-line reason: the message is returned for the caller to check."""
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError) as caught:
        client.predict(*args, api_name=f"/{api_name}")
    message = str(caught.value)
    assert message.strip() and "Traceback" not in message and 'File "' not in message, message
    return message


def start_values(client, **by_key) -> list:
    """The Start button's inputs in API order, found by their labels' catalog keys as the API lists them, each
    at its default unless given."""
    params = client.view_api(return_format="dict", print_info=False)["named_endpoints"]["/start_run"]["parameters"]
    values = []
    for p in params:
        key = p["label"]["key"] if isinstance(p["label"], dict) else p["label"]
        values.append(by_key.pop(key) if key in by_key else p.get("parameter_default"))
    assert not by_key, f"no such input: {by_key}"
    return values


def test_every_tab_is_scriptable_and_refuses_hostile_values(client, home, tiny_model, chat_file, tmp_path):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    api, url = client
    named = {name.lstrip("/") for name in api.view_api(return_format="dict", print_info=False)["named_endpoints"]}
    assert NAMED <= named, NAMED - named

    # Data: a good file is checked; a bad row is named by the file's own name and its row; a server path is no file
    summary, *_ = api.predict([handle_file(str(chat_file))], "auto", "", "", False, False, str(tiny_model), "", 256,
                              api_name="/check_data")
    assert "12" in summary
    bad = tmp_path / "bad.jsonl"
    bad.write_text(chat_file.read_text() + '{"messages": [{"role": "user"}]}\n')
    problems, *_ = api.predict([handle_file(str(bad))], "auto", "", "", False, False, str(tiny_model), "", 256,
                               api_name="/check_data")  # shown in the summary, the file by its own name
    assert r"bad\.jsonl:13: messages" in problems and "/gradio/" not in problems, problems
    secret = {"path": "/etc/passwd", "meta": {"_type": "gradio.FileData"}, "orig_name": "passwd"}
    message = refused(api, "check_data", [secret], "auto", "", "", False, False, str(tiny_model), "", 256)
    assert "root:" not in message

    # Train: values the form would never send, each refused before a run exists
    hostile = [
        {"knob.train.epochs": 1e300, "knob.train.max_steps": 0},
        {"knob.train.learning_rate": -1.0},
        {"knob.train.batch_size": 0},
        {"knob.dist.nproc": 64},
        {"model": "/etc"},
        {"model": "../../../../etc"},
        {"data_source": "upload"},  # and no file
        {"knob.data.max_length": 10**12},
        {"mixture": {"headers": ["dataset", "weight"], "data": [["demo:nope", 1.0]]}},
        {"mixture": {"headers": ["dataset", "weight"], "data": [["../../../etc/passwd", 1.0]]}},
        {"mixture": {"headers": ["dataset", "weight"], "data": [["demo:barista", -1.0]]}},
    ]
    for values in hostile:
        with pytest.raises(AppError, match=r"^(?![\s\S]*Traceback)[\s\S]+$"):
            api.predict(*start_values(api, **{"model": str(tiny_model), "knob.train.max_steps": 2, **values}),
                        api_name="/start_run")
            pytest.fail(f"started a run with {values}")
        assert not home.runs_dir.exists() or not list(home.runs_dir.iterdir()), values

    # a real run, with a name that tries to leave the runs folder
    api.predict(*start_values(api, model=str(tiny_model), run_name="../../../outside <b>x</b>",
                              **{"knob.train.max_steps": 2, "knob.train.learning_rate": 1e-3}),
                api_name="/start_run")
    (run_dir,) = home.runs_dir.iterdir()
    assert run_dir.parent == home.runs_dir and "/" not in run_dir.name and ".." not in run_dir.name
    wait_for(lambda: json.loads((run_dir / "status.json").read_text())["state"] in ("done", "failed"), 300)
    assert json.loads((run_dir / "status.json").read_text())["state"] == "done"
    # a run id from another session's list is accepted once this session lists the runs
    refused(api, "stop_run", "../../etc")
    status, *_ = api.predict(run_dir.name, api_name="/show_run")
    assert run_dir.name in status

    # Chat: a folder outside the model roots, and out-of-range decoding values
    message = refused(api, "chat", "/etc", "", 0.0, 0.9, 32, "", [], "hi")
    assert "FTCORE_MODEL_ROOTS" in message
    refused(api, "chat", str(tiny_model), "", -5.0, 0.9, 32, "", [], "hi")
    refused(api, "chat", str(tiny_model), "", 0.0, 0.9, 10**9, "", [], "hi")
    history, _ = api.predict(str(tiny_model), "", 0.0, 0.9, 16, "", [], "<script>alert(1)</script> hi",
                             api_name="/chat")
    assert history and history[-1]["role"] == "assistant"

    # Compare: refs not offered, then the finished run against its base
    refused(api, "compare", "/etc", "../x", "hi", 16, False)
    api.predict(None, api_name="/compare_runs")
    api.predict(run_dir.name, api_name="/show_comparison")

    # Publish: a run id that is not a finished run, a hostile repo name, and a token that must never come back
    refused(api, "export", "../../etc")
    api.predict(api_name="/publish_runs")
    result = api.predict(run_dir.name, "../../evil", TOKEN, True, "http://127.0.0.1:9", "", api_name="/push")
    assert TOKEN not in json.dumps(result) and "not a repository name" in json.dumps(result)
    result = api.predict(run_dir.name, "alice/tiny", TOKEN, True, "http://127.0.0.1:9", "", api_name="/push")
    assert TOKEN not in json.dumps(result) and "127.0.0.1:9" in json.dumps(result)
    exported = api.predict(run_dir.name, api_name="/export")
    assert Path(exported).is_file() and Path(exported).name == f"{run_dir.name}.zip"

    # still answering; no token anywhere; nothing written outside the workspace by name
    assert urllib.request.urlopen(url, timeout=10).status == 200
    written = [p for p in home.home.rglob("*") if p.is_file() and not p.is_symlink()]
    assert [str(p) for p in written if TOKEN.encode() in p.read_bytes()] == []
    assert not (home.home.parent / "outside <b>x</b>").exists()


def test_killing_the_app_mid_run_loses_nothing_and_a_restart_reattaches(home, tiny_model, chat_file, tmp_path):
    """kill -9 of the app while a run trains: the worker is its own process and trains on; the restarted app
    shows the run (live, then done) to a new client."""
    from gradio_client import Client, handle_file

    url, proc = start_app(home, tmp_path)
    try:
        api = Client(url, verbose=False)
        api.predict(*start_values(api, model=str(tiny_model), data_source="upload",
                                  data_upload=handle_file(str(chat_file)), run_name="outlives the app",
                                  **{"knob.train.max_steps": 100000, "knob.train.batch_size": 2}),
                    api_name="/start_run")
        (run_dir,) = home.runs_dir.iterdir()
        run = ftcore.RunStore(home).get(run_dir.name)
        wait_for(lambda: run.status().get("step", 0) >= 2, run=run)
    finally:
        proc.kill()  # -9: no handler runs
        proc.wait(timeout=30)
    step = run.status()["step"]
    wait_for(lambda: run.status().get("step", 0) > step + 2, timeout=120, run=run)  # the worker did not notice
    assert run.status()["state"] == "running"

    url, proc = start_app(home, tmp_path)
    try:
        api = Client(url, verbose=False)
        status, *_ = api.predict(run.id, api_name="/show_run")
        assert run.id in status and "running" in status, status
        api.predict(run.id, api_name="/stop_run")  # and the restarted app controls it
        wait_for(lambda: run.status()["state"] in ftcore.FINISHED, timeout=120, run=run)
        status, *_ = api.predict(run.id, api_name="/show_run")
        assert run.status()["state"] == "cancelled" and "cancelled" in status, status
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert [p.name for p in home.runs_dir.iterdir()] == [run.id]
