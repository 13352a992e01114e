"""Publishing: the model card, push to a stand-in Hub (tests/hubstub.py: a local HTTP server standing in for
huggingface.co; the client under test is the real huggingface_hub), token safety, export and the Space folder."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest
from hubstub import StandInHub

from ftcore import RunStore
from ftcore import publish as hub

TOKEN = "hf_KnownTestTokenForTheSearch0123"
READ_TOKEN = "hf_ReadOnlyTokenOfBob0123456789"


@pytest.fixture(scope="module")
def trained(tmp_path_factory, tiny_model):
    """One finished run with validation data and a small report, shared by the tests of this module."""
    root = tmp_path_factory.mktemp("publish")
    home = root / "home"
    rows = [{"messages": [{"role": "user", "content": f"How long should shot {i} pull?"},
                          {"role": "assistant", "content": f"About {20 + i} seconds for 36 g out."}]}
            for i in range(16)]
    train, val = root / "shots.jsonl", root / "shots-val.jsonl"
    train.write_text("".join(json.dumps(r) + "\n" for r in rows[:12]), encoding="utf-8")
    val.write_text("".join(json.dumps(r) + "\n" for r in rows[12:]), encoding="utf-8")
    # The token is in the environment while training: the worker must not inherit it.
    env = {**os.environ, "FTCORE_HOME": str(home), "HF_HUB_OFFLINE": "1", "HF_TOKEN": TOKEN}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ftcore", "train", "--data", str(train), "--val", str(val), "--model", str(tiny_model),
         "--max-steps", "4", "--lr", "1e-3", "--name", "shots", "probe.suites=passages_ppl,kl"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    settings_env = {"FTCORE_HOME": str(home)}
    worker_env = None
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline and worker_env is None:
        runs = list((home / "runs").glob("*-shots/status.json"))
        pid = json.loads(runs[0].read_text()).get("pid") if runs else None
        if pid:
            try:
                worker_env = Path(f"/proc/{pid}/environ").read_bytes()
            except OSError:
                pass
        time.sleep(0.05)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err[-3000:]
    assert worker_env is not None, "the worker's environment was never read"
    assert TOKEN.encode() not in worker_env and b"HF_TOKEN=" not in worker_env
    return {"home": home, "root": root, "env": settings_env, "run_id": next((home / "runs").glob("*-shots")).name}


def ftcore(trained, *args, token: str | None = TOKEN, hub_env: dict | None = None,
           timeout: float = 300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("HF_TOKEN", "HF_HUB_OFFLINE", "HF_ENDPOINT")}
    env.update({**trained["env"], "HF_HUB_DISABLE_TELEMETRY": "1", **(hub_env or {})})
    if token:
        env["HF_TOKEN"] = token
    return subprocess.run([sys.executable, "-m", "ftcore", *args], capture_output=True, text=True, env=env,
                          timeout=timeout)


@pytest.fixture
def stub():
    with StandInHub() as server:
        server.add_user("alice", TOKEN, role="write", orgs=["baristas"])
        server.add_user("bob", READ_TOKEN, role="read")
        yield server


def test_card_metadata_loads_back(trained):
    from huggingface_hub import ModelCard

    out = ftcore(trained, "card", trained["run_id"], "--license", "mit", "--repo", "alice/shots-tiny")
    assert out.returncode == 0, out.stderr
    final = trained["home"] / "runs" / trained["run_id"] / "final"
    card = ModelCard.load(final / "README.md")
    data = card.data.to_dict()
    assert data["license"] == "mit" and data["language"] == ["en"] and data["pipeline_tag"] == "text-generation"
    assert {"fulltune", "full-fine-tuning"} <= set(data["tags"]) and data["datasets"] == ["shots", "shots-val"]
    results = {r.metric_name: r.metric_value for r in card.data.eval_results}
    assert "domain loss" in results and "passages_ppl (ppl)" in results and "kl (kl)" in results
    assert (final / "loss_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = card.text
    assert "| learning_rate | 0.001 |" in text and "![loss curve](loss_curve.png)" in text
    assert "What the model kept and what it forgot" in text and "| passages_ppl | ppl |" in text
    assert str(trained["root"]) not in card.content, "no local path in a card meant for the public"


def test_push_arrives_intact_and_again_is_safe(trained, stub):
    out = ftcore(trained, "push", trained["run_id"], "--repo", "alice/shots-tiny", "--endpoint", stub.endpoint,
                 "--json", hub_env=stub.env())
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    final = trained["home"] / "runs" / trained["run_id"] / "final"
    arrived = {k: v for k, v in stub.files("alice/shots-tiny").items() if k != ".gitattributes"}  # the Hub's own
    expected = {p.name for p in hub.files_to_publish(RunStore(_settings(trained)).get(trained["run_id"]))}
    assert set(arrived) == expected == set(result["files"])
    assert {"model.safetensors", "config.json", "README.md", "loss_curve.png", "tokenizer.json"} <= expected
    assert "fulltune.json" not in arrived and not any("optimizer" in n or "rng" in n for n in arrived)
    assert all(arrived[name] == (final / name).read_bytes() for name in arrived)
    assert stub.repo("alice/shots-tiny").private is True and result["private"] is True
    (commit,) = [c for c in stub.commits("alice/shots-tiny") if trained["run_id"] in c.title]
    assert {"model.safetensors"} <= set(commit.lfs) and result["commit"] == commit.oid
    assert "Checking the token" in out.stderr and "Uploading" in out.stderr

    again = ftcore(trained, "push", trained["run_id"], "--repo", "alice/shots-tiny", "--endpoint", stub.endpoint,
                   hub_env=stub.env())
    assert again.returncode == 0, again.stderr
    assert {k: v for k, v in stub.files("alice/shots-tiny").items() if k != ".gitattributes"} == arrived

    pr = ftcore(trained, "push", trained["run_id"], "--repo", "baristas/shots-tiny", "--endpoint", stub.endpoint,
                "--pr", "--public", "--json", hub_env=stub.env())
    assert pr.returncode == 0, pr.stderr
    assert "/discussions/" in json.loads(pr.stdout)["pr_url"] and stub.repo("baristas/shots-tiny").private is False
    assert {k: v for k, v in stub.files("baristas/shots-tiny", "refs/pr/1").items() if k != ".gitattributes"} == arrived
    branch = ftcore(trained, "push", trained["run_id"], "--repo", "alice/shots-tiny", "--endpoint", stub.endpoint,
                    "--branch", "dev", hub_env=stub.env())
    assert branch.returncode == 0, branch.stderr
    assert {k: v for k, v in stub.files("alice/shots-tiny", "dev").items() if k != ".gitattributes"} == arrived

    # The token travelled only in the Authorization header, and no file the app wrote holds it.
    assert stub.leaks(TOKEN) == [] and {r.token for r in stub.requests if r.token} == {TOKEN}
    leaks = [str(p) for p in _files(trained["home"], trained["root"]) if TOKEN.encode() in p.read_bytes()]
    assert leaks == [], f"the token was written to {leaks}"


def test_push_can_include_a_gguf_file(trained, stub):
    out = ftcore(trained, "push", trained["run_id"], "--repo", "alice/shots-gguf", "--endpoint", stub.endpoint,
                 "--gguf", "q8_0", "--json", hub_env=stub.env())
    assert out.returncode == 0, out.stderr
    name = f"{trained['run_id']}.q8_0.gguf"
    final = trained["home"] / "runs" / trained["run_id"] / "final"
    arrived = stub.files("alice/shots-gguf")
    assert name in json.loads(out.stdout)["files"] and arrived[name] == (final / name).read_bytes()
    assert arrived[name][:4] == b"GGUF" and "Writing the q8_0 GGUF file" in out.stderr
    plain = hub.files_to_publish(RunStore(_settings(trained)).get(trained["run_id"]))
    assert name not in {p.name for p in plain}  # opt-in: a later push without --gguf leaves it out


def test_a_plain_404_for_a_new_repository_still_pushes(trained, stub):
    """A proxy or Hub mirror that answers repo_info with a bare 404 (no RepoNotFound code) means: not there yet."""
    stub.fail_next(404, path_contains="/api/models/alice/plain-404", method="GET")
    out = ftcore(trained, "push", trained["run_id"], "--repo", "alice/plain-404", "--endpoint", stub.endpoint,
                 hub_env=stub.env())
    assert out.returncode == 0, out.stderr
    assert "model.safetensors" in stub.files("alice/plain-404")


def test_push_errors_are_one_line_with_exit_codes(trained, stub):
    run = trained["run_id"]
    cases = [
        (("--repo", "not a repo"), TOKEN, 2, "is not a repository name"),
        (("--repo", "alice/x"), None, 2, "No Hub token"),
        (("--repo", "bob/x"), READ_TOKEN, 2, "read-only"),
        (("--repo", "carol/x"), TOKEN, 2, "neither you (alice)"),
        (("--repo", "alice/x"), "hf_WrongTokenWrongToken0000", 3, "HTTP 401"),
        (("--repo", "alice/x", "--endpoint", f"http://127.0.0.1:{_free_port()}"), TOKEN, 3, "cannot reach"),
        (("--repo", "alice/x", "--branch", "dev", "--pr"), TOKEN, 2, "not allowed with argument"),
    ]
    for args, token, code, words in cases:
        if "--endpoint" not in args:
            args = (*args, "--endpoint", stub.endpoint)
        out = ftcore(trained, "push", run, *args, token=token, hub_env=stub.env())
        assert out.returncode == code, (args, out.returncode, out.stderr)
        assert words in out.stderr, (args, out.stderr)
        assert len([line for line in out.stderr.splitlines() if "error:" in line]) == 1, out.stderr
        assert "Traceback" not in out.stderr and (token is None or token not in out.stderr)
    stub.fail_next(429, times=1)
    out = ftcore(trained, "push", run, "--repo", "alice/limited", "--endpoint", stub.endpoint, hub_env=stub.env())
    assert out.returncode == 3 and "429" in out.stderr and "rate" in out.stderr, out.stderr


def test_a_failed_first_push_deletes_the_repository_it_created(trained, stub):
    """A push that fails after creating the repository leaves nothing behind; one that existed before stays."""
    run = trained["run_id"]
    stub.fail_next(500, times=1, path_contains="/commit/")
    out = ftcore(trained, "push", run, "--repo", "alice/broken", "--endpoint", stub.endpoint, hub_env=stub.env())
    assert out.returncode == 3 and "HTTP 500" in out.stderr and "deleted again" in out.stderr, out.stderr
    assert ("model", "alice/broken") not in stub.repos
    assert any(r.method == "POST" and r.path == "/api/repos/create" for r in stub.requests)
    assert any(r.method == "DELETE" and r.path == "/api/repos/delete" for r in stub.requests)

    stub.add_repo("alice/before", files={"notes.txt": b"mine"})
    stub.fail_next(500, times=1, path_contains="/commit/")
    out = ftcore(trained, "push", run, "--repo", "alice/before", "--endpoint", stub.endpoint, hub_env=stub.env())
    assert out.returncode == 3 and "Nothing was committed" in out.stderr, out.stderr
    assert stub.files("alice/before")["notes.txt"] == b"mine"
    assert [c.title for c in stub.commits("alice/before")] == ["initial commit"]
    assert len([r for r in stub.requests if r.path == "/api/repos/delete"]) == 1


def test_an_answer_of_the_hub_is_reported_with_its_status_not_as_unreachable(trained, stub):
    """A 404 from a server that answered (here the LFS storage, whose error the client wraps in a RuntimeError)
    names the status and the server's own words, set apart from the advice that follows."""
    stub.fail_next(404, path_contains="/_stand-in/lfs/", method="PUT", message="No such upload slot")
    out = ftcore(trained, "push", trained["run_id"], "--repo", "alice/lfs-404", "--endpoint", stub.endpoint,
                 hub_env=stub.env())
    assert out.returncode == 3, out.stderr
    assert "cannot reach" not in out.stderr and "RuntimeError" not in out.stderr, out.stderr
    assert "HTTP 404, the Hub said: “No such upload slot”. Not found" in out.stderr, out.stderr
    assert ("model", "alice/lfs-404") not in stub.repos

    stub.fail_next(404, path_contains="/api/whoami-v2")  # a server that is not a Hub (a wrong address)
    out = ftcore(trained, "push", trained["run_id"], "--repo", "alice/x", "--endpoint", stub.endpoint,
                 hub_env=stub.env())
    assert out.returncode == 3 and "HTTP 404" in out.stderr and "no Hub API" in out.stderr, out.stderr
    assert "cannot reach" not in out.stderr


def test_export_zip_and_folder(trained, tmp_path):
    out = ftcore(trained, "export", trained["run_id"], "--out", str(tmp_path / "model.zip"))
    assert out.returncode == 0, out.stderr
    names = {Path(n).name for n in zipfile.ZipFile(tmp_path / "model.zip").namelist()}
    assert {"model.safetensors", "config.json", "README.md"} <= names and "fulltune.json" not in names
    out = ftcore(trained, "export", trained["run_id"], "--out", str(tmp_path / "folder"))
    assert out.returncode == 0 and (tmp_path / "folder" / "model.safetensors").is_file()
    again = ftcore(trained, "export", trained["run_id"], "--out", str(tmp_path / "folder"))
    assert again.returncode == 2 and "not empty" in again.stderr
    assert not list(tmp_path.glob(".*partial*"))


def test_space_folder_has_front_matter_and_its_app_starts(trained, tmp_path):
    out = ftcore(trained, "space", "build", str(tmp_path / "space"))
    assert out.returncode == 0, out.stderr
    space = tmp_path / "space"
    meta = hub.space_front_matter(space / "README.md")
    import gradio

    assert meta["sdk"] == "gradio" and meta["sdk_version"] == gradio.__version__ and meta["app_file"] == "app.py"
    assert meta["hf_oauth"] is True and {"write-repos", "manage-repos"} <= set(meta["hf_oauth_scopes"])
    assert (space / "ftcore" / "config" / "presets").is_dir() and (space / "ui" / "publish_tab.py").is_file()
    assert "gradio" in (space / "requirements.txt").read_text()
    port = _free_port()
    env = {**os.environ, "FTCORE_HOME": str(tmp_path / "space-home"), "FTCORE_SKIP_PREPARE": "1",
           "GRADIO_SERVER_PORT": str(port), "PYTHONPATH": ""}
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=space, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        deadline, page = time.monotonic() + 120, ""
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read().decode()
                break
            except OSError:
                time.sleep(0.5)
        assert "FullTune" in page, proc.stdout.read() if proc.poll() is not None else "no page"
        loaded = subprocess.run([sys.executable, "-c", "import ftcore, ui; print(ftcore.__file__, ui.__file__)"],
                                cwd=space, env=env, capture_output=True, text=True)
        assert loaded.stdout.startswith(str(space)), loaded.stdout + loaded.stderr
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _settings(trained):
    from ftcore import Settings

    return Settings(home=trained["home"])


def _files(*roots: Path):
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file() and not path.is_symlink():
                yield path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
