"""The stand-in Hub (tests/hubstub.py) driven by the real huggingface_hub client: tokens, repos, uploads, errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx2
import numpy as np
import pytest
from hubstub import StandInHub
from huggingface_hub import HfApi, ModelCard, constants, hf_hub_download
from huggingface_hub.errors import (
    HfHubHTTPError,
    RemoteEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from huggingface_hub.lfs import UploadInfo, post_lfs_batch_info
from safetensors.numpy import save_file

ALICE, READER, BOB = "hf_alice_write_token", "hf_rita_read_token", "hf_bob_write_token"
CARD = "---\nlicense: apache-2.0\nlibrary_name: transformers\n---\n# Tiny model\n\nFor tests.\n"


@pytest.fixture
def hub(monkeypatch, tmp_path) -> Iterator[StandInHub]:
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hf-cache"))
    with StandInHub() as stub, stub.client_configured():
        stub.add_user("alice", ALICE, orgs=("acme",))
        stub.add_user("rita", READER, role="read")
        stub.add_user("bob", BOB)
        yield stub
    assert not stub.blocked, f"requests that tried to leave 127.0.0.1: {stub.blocked}"


def api(hub: StandInHub, token: str | bool = ALICE) -> HfApi:
    return HfApi(endpoint=hub.endpoint, token=token)


@pytest.fixture
def model_dir(tmp_path) -> Path:
    folder = tmp_path / "final"
    folder.mkdir()
    (folder / "README.md").write_text(CARD, encoding="utf-8")
    (folder / "config.json").write_text(json.dumps({"model_type": "llama", "hidden_size": 64}), encoding="utf-8")
    rng = np.random.default_rng(0)
    save_file({"w": rng.standard_normal((512, 1024), dtype=np.float32)}, str(folder / "model.safetensors"))
    return folder


def status_of(excinfo: pytest.ExceptionInfo) -> int:
    return excinfo.value.response.status_code


def test_whoami_reports_name_orgs_and_role(hub):
    me = api(hub).whoami()
    assert me["name"] == "alice" and me["type"] == "user"
    assert [o["name"] for o in me["orgs"]] == ["acme"]
    assert me["auth"]["accessToken"]["role"] == "write"
    assert api(hub, READER).whoami()["auth"]["accessToken"]["role"] == "read"


def test_create_repo_private_then_conflict(hub):
    url = api(hub).create_repo("alice/tiny", private=True)
    assert url.repo_id == "alice/tiny" and url.startswith(hub.endpoint)
    assert hub.repo("alice/tiny").private and api(hub).model_info("alice/tiny").private
    assert list(hub.files("alice/tiny")) == [".gitattributes"]
    with pytest.raises(HfHubHTTPError) as excinfo:
        api(hub).create_repo("alice/tiny")
    assert status_of(excinfo) == 409 and "already created" in str(excinfo.value)
    assert api(hub).create_repo("alice/tiny", exist_ok=True).repo_id == "alice/tiny"
    api(hub).create_repo("acme/shared", repo_type="dataset")  # an organisation of alice, another repo type
    assert ("dataset", "acme/shared") in hub.repos


def test_upload_folder_sends_weights_through_lfs_and_is_safe_to_repeat(hub, model_dir):
    api(hub).create_repo("alice/tiny", private=True)
    info = api(hub).upload_folder(repo_id="alice/tiny", folder_path=model_dir, commit_message="Upload run 7",
                                  commit_description="Model of run 7.")
    files = hub.files("alice/tiny")
    for name in ("README.md", "config.json", "model.safetensors"):
        assert files[name] == (model_dir / name).read_bytes()
    assert len(files["model.safetensors"]) > 2 * 10**6
    commit = hub.commits("alice/tiny")[-1]
    assert (commit.title, commit.description, commit.oid) == ("Upload run 7", "Model of run 7.", info.oid)
    assert sorted(commit.paths) == ["README.md", "config.json", "model.safetensors"] and not commit.pr
    assert commit.lfs == ["model.safetensors"]
    assert [u.size for u in hub.lfs_uploads] == [len(files["model.safetensors"])]
    puts = [r for r in hub.requests if r.method == "PUT"]
    assert len(puts) == 1 and puts[0].token is None  # the LFS PUT goes to a signed URL, without the token
    assert hub.leaks(ALICE) == [] and any(r.token == ALICE for r in hub.requests)

    again = api(hub).upload_folder(repo_id="alice/tiny", folder_path=model_dir, commit_message="Upload run 7")
    assert again.oid == info.oid and len(hub.commits("alice/tiny")) == 2  # initial commit + one upload
    assert len(hub.lfs_uploads) == 1


def test_create_pr_opens_a_pull_request_ref(hub, model_dir):
    api(hub).create_repo("alice/tiny")
    api(hub).upload_folder(repo_id="alice/tiny", folder_path=model_dir, commit_message="First")
    (model_dir / "config.json").write_text('{"model_type": "llama", "hidden_size": 128}', encoding="utf-8")
    info = api(hub).upload_folder(repo_id="alice/tiny", folder_path=model_dir, commit_message="Bigger",
                                  create_pr=True)
    assert info.pr_revision == "refs/pr/1" and info.pr_num == 1 and info.pr_url.endswith("/discussions/1")
    assert hub.files("alice/tiny", "refs/pr/1")["config.json"] == (model_dir / "config.json").read_bytes()
    assert json.loads(hub.files("alice/tiny")["config.json"])["hidden_size"] == 64  # main is untouched
    assert [(c.title, c.paths, c.pr) for c in hub.commits("alice/tiny", "refs/pr/1")] == [
        ("Bigger", ["config.json"], True)]
    refs = api(hub).list_repo_refs("alice/tiny", include_pull_requests=True)
    assert [r.ref for r in refs.pull_requests] == ["refs/pr/1"] and [b.name for b in refs.branches] == ["main"]
    # bob may open a pull request on alice's public repo, not push to it
    api(hub, BOB).upload_file(path_or_fileobj=b"hi", path_in_repo="NOTE.md", repo_id="alice/tiny", create_pr=True)
    with pytest.raises(HfHubHTTPError) as excinfo:
        api(hub, BOB).upload_file(path_or_fileobj=b"hi", path_in_repo="NOTE.md", repo_id="alice/tiny")
    assert status_of(excinfo) == 403


def test_upload_to_a_branch(hub, model_dir):
    api(hub).create_repo("alice/tiny")
    api(hub).create_branch("alice/tiny", branch="run-7")
    api(hub).create_branch("alice/tiny", branch="run-7", exist_ok=True)
    with pytest.raises(HfHubHTTPError) as excinfo:
        api(hub).create_branch("alice/tiny", branch="run-7")
    assert status_of(excinfo) == 409
    api(hub).upload_folder(repo_id="alice/tiny", folder_path=model_dir, commit_message="On a branch",
                           revision="run-7")
    assert "model.safetensors" in hub.files("alice/tiny", "run-7")
    assert "model.safetensors" not in hub.files("alice/tiny")
    assert hub.commits("alice/tiny", "run-7")[-1].title == "On a branch"
    assert sorted(api(hub).list_repo_files("alice/tiny", revision="run-7")) == [
        ".gitattributes", "README.md", "config.json", "model.safetensors"]
    with pytest.raises(RevisionNotFoundError):
        api(hub).upload_file(path_or_fileobj=b"x", path_in_repo="x.txt", repo_id="alice/tiny", revision="nope")


def test_read_token_cannot_write(hub):
    with pytest.raises(HfHubHTTPError) as excinfo:
        api(hub, READER).create_repo("rita/tiny")
    assert status_of(excinfo) == 403 and not isinstance(excinfo.value, RepositoryNotFoundError)
    assert "read token" in str(excinfo.value)
    hub.add_repo("rita/old")
    with pytest.raises(HfHubHTTPError) as excinfo:
        api(hub, READER).upload_file(path_or_fileobj=b"x", path_in_repo="x.txt", repo_id="rita/old")
    assert status_of(excinfo) == 403
    assert api(hub, READER).create_repo("rita/old", exist_ok=True).repo_id == "rita/old"  # 403, then repo_info


def test_bad_or_missing_token_is_401(hub):
    with pytest.raises(HfHubHTTPError) as excinfo:
        api(hub, "hf_wrong").whoami()
    assert status_of(excinfo) == 401 and "Invalid user token" in str(excinfo.value)
    for token in ("hf_wrong", False):
        with pytest.raises(HfHubHTTPError) as excinfo:
            api(hub, token).create_repo("alice/tiny")
        assert status_of(excinfo) == 401 and type(excinfo.value) is HfHubHTTPError
    assert "alice/tiny" not in {repo_id for _, repo_id in hub.repos}


def test_foreign_namespace_is_403(hub):
    with pytest.raises(HfHubHTTPError) as excinfo:
        api(hub).create_repo("bob/tiny")
    assert status_of(excinfo) == 403 and "rights" in str(excinfo.value)


def test_missing_or_hidden_repo_is_repository_not_found(hub):
    with pytest.raises(RepositoryNotFoundError):
        api(hub).model_info("alice/nope")
    with pytest.raises(RepositoryNotFoundError):
        api(hub).upload_file(path_or_fileobj=b"x", path_in_repo="x.txt", repo_id="alice/nope")
    hub.add_repo("bob/secret", private=True)
    with pytest.raises(RepositoryNotFoundError) as excinfo:
        api(hub).model_info("bob/secret")
    assert status_of(excinfo) == 404
    with pytest.raises(RepositoryNotFoundError) as excinfo:
        api(hub, False).model_info("bob/secret")
    assert status_of(excinfo) == 401
    assert api(hub, BOB).model_info("bob/secret").private


def test_readme_reads_back(hub, model_dir, tmp_path):
    api(hub).create_repo("alice/tiny")
    api(hub).upload_folder(repo_id="alice/tiny", folder_path=model_dir, commit_message="Upload")
    path = hf_hub_download("alice/tiny", "README.md", endpoint=hub.endpoint, token=ALICE, cache_dir=tmp_path / "c")
    assert Path(path).read_text(encoding="utf-8") == CARD
    assert ModelCard.load("alice/tiny", token=ALICE).data.license == "apache-2.0"  # default endpoint -> stand-in
    weights = hf_hub_download("alice/tiny", "model.safetensors", endpoint=hub.endpoint, cache_dir=tmp_path / "c")
    assert Path(weights).read_bytes() == (model_dir / "model.safetensors").read_bytes()
    with pytest.raises(RemoteEntryNotFoundError):
        hf_hub_download("alice/tiny", "missing.txt", endpoint=hub.endpoint, cache_dir=tmp_path / "c")


def test_injected_failures_reach_the_caller_or_are_retried(hub):
    api(hub).create_repo("alice/tiny")
    hub.fail_next(429, path_contains="/commit/", message="Slow down")
    with pytest.raises(HfHubHTTPError) as excinfo:
        api(hub).upload_file(path_or_fileobj=b"x", path_in_repo="x.txt", repo_id="alice/tiny")
    assert status_of(excinfo) == 429 and "Slow down" in str(excinfo.value)
    assert excinfo.value.response.headers["Retry-After"] == "0"
    hub.fail_next(503, path_contains="/preupload/")  # preupload is retried once, after a 1 s sleep
    api(hub).upload_file(path_or_fileobj=b"x", path_in_repo="x.txt", repo_id="alice/tiny")
    assert hub.files("alice/tiny")["x.txt"] == b"x"
    assert [r.status for r in hub.requests if "/preupload/" in r.path][-2:] == [503, 200]


def test_lfs_put_checks_size_and_sha256(hub):
    api(hub).create_repo("alice/tiny")
    actions, errors, transfer = post_lfs_batch_info(
        upload_infos=[UploadInfo.from_bytes(b"weights")], token=ALICE, repo_type="model", repo_id="alice/tiny",
        endpoint=hub.endpoint)
    assert transfer == "basic" and not errors
    response = httpx2.put(actions[0]["actions"]["upload"]["href"], content=b"WEIGHTS", trust_env=False)
    assert response.status_code == 400 and not hub.lfs_uploads
