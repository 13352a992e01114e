"""Levers against forgetting: replay mix, the progressive and lora methods (each trains and saves a plain model)."""

import json

import pytest
import torch
from safetensors.torch import load_file

from ftcore import RunConfig, RunStore, UserError, apply_overrides
from ftcore.train.methods import ProgressiveCallback, stage_layers


def train(cli, home, tiny_model, chat_file, *extra):
    out = cli("train", "--data", str(chat_file), "--model", str(tiny_model), "--max-steps", "6", "--lr", "1e-3",
              *extra)
    assert out.returncode == 0, out.stderr[-3000:]
    run = RunStore(home).list()[0]
    assert run.status()["state"] == "done"
    return run


def test_replay_mixes_general_examples_into_training(cli, home, tiny_model, chat_file):
    run = train(cli, home, tiny_model, chat_file, "data.replay=0.5")
    info = json.loads((run.dir / "data.json").read_text())["train"]
    assert info["rows"] == 12 and info["replay"] == 6 and info["examples"] == 18


def test_lora_saves_merged_plain_weights(cli, home, tiny_model, chat_file):
    run = train(cli, home, tiny_model, chat_file, "train.method=lora", "train.lora_rank=4")
    model = run.events("model")[0]
    assert model["trainable"] < model["parameters"] / 2
    base, final = load_file(tiny_model / "model.safetensors"), load_file(run.final_dir / "model.safetensors")
    assert final.keys() == base.keys()  # no adapter keys: a plain checkpoint any tool loads
    changed = [k for k in base if not torch.equal(base[k], final[k])]
    assert changed and all("proj" in k for k in changed)  # only the adapted linear layers moved


def test_progressive_unfreezes_from_the_top(cli, home, tiny_model, chat_file):
    run = train(cli, home, tiny_model, chat_file, "train.method=progressive", "train.progressive_stages=2")
    stages = [e["text"] for e in run.events("message") if "Progressive stage" in e["text"]]
    assert stages[0].startswith("Progressive stage 1/2: top 1 of 2") and "stage 2/2: top 2 of 2" in stages[1]
    base, final = load_file(tiny_model / "model.safetensors"), load_file(run.final_dir / "model.safetensors")
    assert not torch.equal(base["model.layers.0.mlp.up_proj.weight"], final["model.layers.0.mlp.up_proj.weight"])


def test_progressive_stage_arithmetic_and_freezing():
    assert [stage_layers(30, 3, s) for s in range(3)] == [10, 20, 30]
    assert stage_layers(2, 4, 0) == 1
    from transformers import LlamaConfig, LlamaForCausalLM

    model = LlamaForCausalLM(LlamaConfig(vocab_size=64, hidden_size=16, intermediate_size=32, num_hidden_layers=4,
                                         num_attention_heads=2))

    class State:
        global_step, max_steps = 0, 8

    callback = ProgressiveCallback(model, stages=2)
    callback.on_train_begin(None, State, None)
    assert not any(p.requires_grad for p in model.model.layers[1].parameters())
    assert all(p.requires_grad for p in model.model.layers[3].parameters())
    State.global_step = 4
    callback.on_step_begin(None, State, None)
    assert all(p.requires_grad for p in model.model.layers[0].parameters())


def test_progressive_refuses_several_processes():
    with pytest.raises(UserError, match="progressive"):
        apply_overrides(RunConfig(), ["data.train=x", "train.method=progressive", "dist.nproc=2"]).validate()


def test_pilot_runs_full_and_lora_and_tabulates_them(cli, home, tiny_model, chat_file):
    out = cli("train", "--data", str(chat_file), "--model", str(tiny_model), "--max-steps", "6", "--lr", "1e-3",
              "--pilot", "--name", "pilot", "probe.suites=general_en,passages_ppl")
    assert out.returncode == 0, out.stderr[-3000:]
    lines = out.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("method"))
    full, lora = lines[header + 1].split(), lines[header + 2].split()
    assert full[:2] == ["full", "done"] and lora[:2] == ["lora", "done"]
    from ftcore.recipes.pilot import pilot_rows

    rows = pilot_rows(sorted(RunStore(home).list(), key=lambda r: r.id))
    by = {r["method"]: r for r in rows}
    assert by["lora"]["trainable"] < by["full"]["trainable"]
    assert all(r["seconds"] > 0 and r["peak_gib"] > 0 and "worst_forgetting" in r and "gain" in r for r in rows)


def test_distill_loss_terms():
    from ftcore.train.methods import distill_loss

    torch.manual_seed(0)
    logits, labels = torch.randn(2, 5, 11), torch.randint(0, 11, (2, 5))
    labels[0, :2] = -100
    ce = torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, 11), labels[:, 1:].reshape(-1),
                                           ignore_index=-100)
    assert distill_loss(logits, logits, labels, alpha=1.0, temperature=2.0) == pytest.approx(ce.item(), rel=1e-5)
    assert distill_loss(logits, logits, labels, alpha=0.0, temperature=2.0).item() == pytest.approx(0, abs=1e-6)
    assert distill_loss(logits, torch.randn(2, 5, 11), labels, alpha=0.0, temperature=2.0).item() > 0


def test_distill_from_a_finished_run(cli, home, tiny_model, chat_file):
    teacher = train(cli, home, tiny_model, chat_file, "--name", "teacher")
    student = train(cli, home, tiny_model, chat_file, "train.method=distill", f"train.teacher={teacher.id}",
                    "train.distill_alpha=0.3", "--name", "student")
    assert any("Distilling from teacher" in e["text"] for e in student.events("message"))
    assert (student.final_dir / "model.safetensors").is_file() and len(student.events("train")) == 6
    out = cli("train", "--data", str(chat_file), "--model", str(tiny_model), "train.method=distill")
    assert out.returncode == 2 and "needs train.teacher" in out.stderr
