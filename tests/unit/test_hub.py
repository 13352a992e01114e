"""Publishing helpers without a server: repository names, the token's sources, masking, the files a repo gets."""

from __future__ import annotations

import pytest

from ftcore import RunConfig, RunStore, UserError, redact
from ftcore import publish as hub
from ftcore.publish import card


@pytest.mark.parametrize("name", ["alice/barista-135m", "org_1/m.v2", "A/b"])
def test_good_repository_names(name):
    assert hub.check_repo_id(f"  {name} ") == name


@pytest.mark.parametrize("name", ["barista", "alice/", "/x", "a/b/c", "alice/bad name", "alice/x--y", "alice/x..y",
                                  "alice/x.git", "-a/x", "alice/" + "x" * 97, ""])
def test_bad_repository_names_say_how(name):
    with pytest.raises(UserError, match="OWNER/NAME"):
        hub.check_repo_id(name)


def test_token_comes_from_the_environment_or_a_file(tmp_path, monkeypatch):
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.delenv("HUGGING_FACE_HUB_TOKEN", raising=False)
    with pytest.raises(UserError, match="HF_TOKEN or pass --token-file"):
        hub.read_token()
    monkeypatch.setenv("HF_TOKEN", "hf_fromenvironment123")
    assert hub.read_token() == "hf_fromenvironment123"
    path = tmp_path / "token"
    path.write_text("hf_fromthefile4567\n")
    assert hub.read_token(str(path)) == "hf_fromthefile4567"
    path.write_text("hf_two words")
    with pytest.raises(UserError, match="spaces"):
        hub.read_token(str(path))
    with pytest.raises(UserError, match="Cannot read the token file"):
        hub.read_token(str(tmp_path / "missing"))


def test_tokens_are_masked_in_text_and_in_events(home):
    assert redact("Authorization: Bearer hf_AbCdEf123456789 ok") == "Authorization: Bearer hf_*** ok"
    assert redact("hf_short and hf_ alone") == "hf_short and hf_ alone"
    run = RunStore(home.ensure()).create(RunConfig(name="masked"))
    run.append_event("message", text="token hf_SecretSecret123 leaked?", parts=["hf_AnotherSecret99"], step=3)
    raw = run.events_path.read_text()
    assert "hf_SecretSecret123" not in raw and "hf_AnotherSecret99" not in raw
    (event,) = run.events("message")
    assert event["text"] == "token hf_*** leaked?" and event["step"] == 3


def test_only_model_repository_files_are_published(home):
    run = RunStore(home.ensure()).create(RunConfig(name="files"))
    run.final_dir.mkdir()
    for name in ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "chat_template.jinja",
                 "generation_config.json", "README.md", "loss_curve.png", "fulltune.json", "training_args.bin",
                 "optimizer.pt", "rng_state.pth", ".hidden"):
        (run.final_dir / name).write_text("x")
    names = [p.name for p in hub.files_to_publish(run)]
    assert names == sorted(["README.md", "chat_template.jinja", "config.json", "generation_config.json",
                            "loss_curve.png", "model.safetensors", "tokenizer.json", "tokenizer_config.json"])


def test_embedded_base_maps_to_its_hub_copy_and_license():
    meta = {"base_model": "smollm2-135m-instruct", "base_kind": "embedded"}
    assert hub.base_model_id(meta, None) == "HuggingFaceTB/SmolLM2-135M-Instruct"
    assert hub.base_license(meta, None) == "apache-2.0"
    assert hub.base_model_id({"base_model": "/data/my-model", "base_kind": "folder"}, None) is None


def test_card_shows_each_task_and_the_prompting_baseline():
    report = {"domain_split": "validation", "budget": 5,
              "base": {"domain": {"loss": 8.0, "examples": 4},
                       "tasks": {"chat": {"loss": 4.0}, "risk": {"loss": 12.0, "accuracy": 0.0}},
                       "fewshot": {"k": 3, "domain": {"loss": 3.5},
                                   "tasks": {"chat": {"loss": 3.4}, "risk": {"loss": 3.6, "accuracy": 10.0}}}},
              "candidates": [{"name": "final", "rows": [], "domain": {"loss": 1.5, "examples": 4},
                              "tasks": {"chat": {"loss": 2.9, "examples": 2},
                                        "risk": {"loss": 0.4, "accuracy": 40.0, "examples": 2}}}]}
    table = card.domain_table(report)
    assert "| task | metric | base | base + 3-shot prompt | fine-tuned |" in table
    assert "| all | loss | 8 | 3.5 | 1.5 |" in table and "| risk | accuracy | 0 | 10 | 40 |" in table
    assert "examples |" not in table  # counts are not metrics
    results = {(r.dataset_name, r.metric_name): r.metric_value for r in card.eval_results(report, "m", "data")}
    assert results == {("chat", "domain loss"): 2.9, ("risk", "domain loss"): 0.4, ("risk", "domain accuracy"): 40.0}

    single = {**report, "base": {"domain": {"loss": 8.0}}, "candidates": [{"name": "final", "rows": [],
                                                                           "domain": {"loss": 1.5, "examples": 4}}]}
    assert "| all | loss | 8 | 1.5 |" in card.domain_table(single)
    assert [r.dataset_name for r in card.eval_results(single, "m", "data")] == ["data"]


def test_card_forgetting_table_shows_each_change_with_its_interval():
    rows = [{"suite": "arithmetic", "kind": "qa", "base": 13.9, "tuned": 8.3, "delta": -5.6, "lost": 5.6,
             "verdict": "uncertain", "ci_low": -5.556, "ci_high": 3.799},
            {"suite": "general_en", "kind": "qa", "base": 50.0, "tuned": 40.0, "delta": -10.0, "lost": 10.0,
             "verdict": "forgot"}]  # a row of a report written before intervals
    table = card.forgetting_table({"budget": 5, "candidates": [{"name": "final", "rows": rows, "within_budget": False}]})
    assert "| suite | kind | base | fine-tuned | change | 95% interval | verdict |" in table
    assert "| arithmetic | qa | 13.9 | 8.3 | -5.6 | [-5.6, +3.8] | uncertain |" in table
    assert "| general_en | qa | 50 | 40 | -10 | - | forgot |" in table and "**over** budget" in table
    assert "*uncertain* when the loss is over budget" in table


def test_hub_errors_tell_an_answer_from_no_answer():
    """An HTTP error wrapped by the client (as an LFS upload's is) is still an answer: its status and the server's
    words, quoted; only a call that got no answer at all is "cannot reach"."""
    import httpx2
    from huggingface_hub.errors import HfHubHTTPError

    from ftcore.messages import Text
    from ftcore.publish.push import _remote_error

    request = httpx2.Request("PUT", "http://hub.test/lfs/abc")
    response = httpx2.Response(404, request=request, headers={"X-Error-Message": "No such upload slot."})
    try:
        try:
            raise HfHubHTTPError("404 Not Found", response=response, server_message="No such upload slot.")
        except HfHubHTTPError as exc:
            raise RuntimeError("Error while uploading 'model.safetensors' to the Hub.") from exc
    except RuntimeError as wrapped:
        error = _remote_error(wrapped, Text("hub.pushing_to", repo="alice/x"), "http://hub.test")
    assert str(error) == ("Pushing to alice/x: HTTP 404, the Hub said: “No such upload slot”. Not found: check the "
                          "repository name (and that the token can see a private repository).")
    assert "Hub 的回复：“No such upload slot”。未找到" in error.text("zh")

    refused = httpx2.ConnectError("[Errno 111] Connection refused", request=request)
    error = _remote_error(refused, Text("hub.checking_token"), "http://hub.test")
    assert str(error).startswith("Checking the token: cannot reach http://hub.test, no answer came (ConnectError")
    assert "--endpoint" not in str(error) and "run again" not in str(error)
