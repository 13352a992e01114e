"""Forgetting watched during training: the base's log-probabilities are stored once, forget_kl is in every eval
event (0 for an unchanged model, growing as training pushes the model away), train.stop_on_forgetting stops the run
and the final model is the last checkpoint within it; `ftcore status` and the Train tab's curves show it."""

import argparse
import json

import pytest
import torch

import ftcore
from ftcore import RunStore, UserError, apply_overrides
from ftcore.train.forgetting import BaseLogprobs, next_token_logprobs, watch_prompts
from ftcore.train.stopflag import StopFlag
from ftcore.train.trainer import train
from ui.train_view import curves


def load(folder):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    return AutoModelForCausalLM.from_pretrained(folder), AutoTokenizer.from_pretrained(folder)


def test_kl_is_zero_for_the_same_model_and_agrees_with_the_kl_probe(tiny_model, tmp_path):
    from ftcore.eval.probes.runner import next_token_kl

    model, tokenizer = load(tiny_model)
    model.train()
    prompts = watch_prompts(tokenizer)
    assert len(prompts) == 32
    logprobs = next_token_logprobs(model, prompts)
    assert model.training  # the model's mode is given back
    alone = torch.cat([next_token_logprobs(model, [p]) for p in prompts])
    assert torch.allclose(logprobs, alone, atol=1e-5)  # left padding changes nothing
    base, top = BaseLogprobs.of(logprobs, prompts), BaseLogprobs.of(logprobs, prompts, k=64)
    assert base.ids is None and top.ids.shape == (32, 64)  # full rows: 32 x 400 values; the top 64 when asked
    assert base.kl(logprobs) == pytest.approx(0.0, abs=1e-6) and top.kl(logprobs) == pytest.approx(0.0, abs=1e-6)

    other, _ = load(tiny_model)
    with torch.no_grad():
        for param in other.parameters():
            param.add_(torch.randn_like(param) * 0.05)
    tuned = next_token_logprobs(other, prompts)
    texts = [item["prompt"] for item in ftcore.eval.probes.builtin("kl").items]
    full = next_token_kl(model, other, tokenizer, texts)  # the report's kl suite: every token of the vocabulary
    whole = BaseLogprobs.of(logprobs, prompts, k=logprobs.shape[-1])
    assert base.kl(tuned) == pytest.approx(full, rel=1e-4) and whole.kl(tuned) == pytest.approx(full, rel=1e-4)
    assert 0 < top.kl(tuned) < full  # the top 64 and the rest: a lower bound

    for kept in (base, top):
        kept.save(tmp_path / "base.safetensors")
        again = BaseLogprobs.load(tmp_path / "base.safetensors")
        assert again.kl(tuned) == pytest.approx(kept.kl(tuned)) and again.prompts_sha256 == kept.prompts_sha256


@pytest.mark.parametrize("value", ["-0.1", "nan"])
def test_the_threshold_is_a_number_of_nats(value):
    config = apply_overrides(ftcore.RunConfig(), [f"train.stop_on_forgetting={value}", "data.train=a.jsonl"])
    with pytest.raises(UserError, match="stop_on_forgetting"):
        config.validate()


def start(home, tiny_model, chat_file, *overrides):
    config = apply_overrides(ftcore.RunConfig(name="forget"), [
        f"data.train={chat_file}", f"data.val={chat_file}", f"model.ref={tiny_model}", "train.max_steps=12",
        "train.batch_size=2", "train.eval_steps=3", "train.learning_rate=4e-3", "train.early_stopping_patience=0",
        "probe.suites=none", "probe.domain=false", *overrides]).validate()
    return RunStore(home.ensure()).create(config)


def measured(run) -> dict[int, float]:
    return {e["step"]: e["forget_kl"] for e in run.events("eval")}


def test_a_run_logs_forget_kl_at_each_evaluation_from_the_base_stored_once(home, tiny_model, chat_file):
    run = start(home, tiny_model, chat_file, "train.save_steps=3")
    assert train(run, home, StopFlag()) == "done"
    kl = measured(run)
    assert list(kl) == [3, 6, 9, 12] and kl[12] > 2 * kl[3] > 0  # training pushes the model away
    assert run.status()["forget_kl"] == kl[12]
    stored = run.base_logprobs_path.read_bytes()

    # a resume keeps the stored base (the model it starts from is no longer the base) and measures the same
    resumed_at = run.checkpoints()[0]
    assert resumed_at.name == "checkpoint-9"
    assert train(run, home, StopFlag(), resume_from=resumed_at) == "done"
    assert run.base_logprobs_path.read_bytes() == stored
    again = [e for e in run.events("eval")][4:]
    assert [e["step"] for e in again] == [12] and again[0]["forget_kl"] == pytest.approx(kl[12], rel=1e-3)

    frames = curves(run, "zh")
    assert list(frames["forget"]["step"]) == [3, 6, 9, 12, 12] and set(frames["forget"]["series"]) == {"与基座的 KL"}


def test_stop_on_forgetting_keeps_the_last_checkpoint_within_it(home, tiny_model, chat_file, capsys):
    from ftcore.cli.runs import cmd_status

    reference = start(home, tiny_model, chat_file)
    train(reference, home, StopFlag())
    kl = measured(reference)
    threshold = round((kl[6] + kl[9]) / 2, 4)
    # a checkpoint every step, one kept: the one measured within the threshold stays beside the newest
    run = start(home, tiny_model, chat_file, f"train.stop_on_forgetting={threshold}", "train.save_steps=1",
                "train.save_total_limit=1")
    assert train(run, home, StopFlag()) == "done"
    assert measured(run) == pytest.approx({3: kl[3], 6: kl[6], 9: kl[9]}, rel=1e-3)  # stopped at step 9
    assert [p.name for p in run.checkpoints()] == ["checkpoint-6", "checkpoint-8"]  # none written past it
    note = run.notes()[-1]
    assert "checkpoint-6" in note.text("en") and "checkpoint-6" in note.text("zh") and "遗忘" in note.text("zh")
    assert run.final_meta()["forgetting_stop"] == {"step": 9, "forget_kl": kl[9], "threshold": threshold,
                                                   "final_from": "checkpoint-6"}
    model, tokenizer = load(run.final_dir)
    final, kept = model.state_dict(), load(run.checkpoints()[0])[0].state_dict()
    assert all(torch.equal(final[name], kept[name]) for name in kept)
    prompts = watch_prompts(tokenizer)
    base = BaseLogprobs.load(run.base_logprobs_path)
    assert base.kl(next_token_logprobs(model, prompts)) == pytest.approx(kl[6], rel=1e-3)

    assert cmd_status(argparse.Namespace(run=run.id, json=False), home) == 0
    shown = capsys.readouterr().out
    assert f"forget_kl    {kl[9]}" in shown and "final model from checkpoint-6" in shown
    cmd_status(argparse.Namespace(run=run.id, json=True), home)
    assert json.loads(capsys.readouterr().out)["forget_kl"] == kl[9]
