"""Each lever against forgetting trains a tiny model end to end through the CLI: freeze_bottom, the L2 and KL anchors
and self-generated replay (generated once, cached, mixed in)."""

import json

import pytest
import torch
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM

from ftcore import RunStore, load_tokenizer
from ftcore.data.prepare import prepare_data
from ftcore.train.kl_anchor import AnchorTargets, anchor_rows, position_logprobs


def train(cli, home, model, chat_file, name, *extra, steps=6):
    out = cli("train", "--data", str(chat_file), "--model", str(model), "--max-steps", str(steps), "--lr", "1e-2",
              "--name", name, *extra)
    assert out.returncode == 0, out.stderr[-3000:]
    run = next(r for r in RunStore(home).list() if r.id.endswith(name))
    assert run.status()["state"] == "done"
    return run


def messages(run) -> list[str]:
    return [e["text"] for e in run.events("message")]


def distance(a: dict, b: dict) -> float:
    return sum(float((a[k].float() - b[k].float()).square().sum()) for k in a)


def test_freeze_bottom_preset_keeps_the_embeddings_and_the_bottom_layer(cli, home, tiny_model, chat_file):
    run = train(cli, home, tiny_model, chat_file, "bottom", "--preset", "freeze-bottom")
    base, final = load_file(tiny_model / "model.safetensors"), load_file(run.final_dir / "model.safetensors")
    frozen = [k for k in base if k.startswith(("model.embed_tokens", "model.layers.0."))]
    assert frozen and all(torch.equal(base[k], final[k]) for k in frozen)
    assert all(not torch.equal(base[k], final[k]) for k in base if k.startswith("model.layers.1.") and "proj" in k)
    (model,) = run.events("model")
    assert model["trainable"] == sum(v.numel() for k, v in base.items() if k not in frozen)
    notes = messages(run)
    assert any("bottom 1 of 2 layers frozen" in n for n in notes)
    assert any("shares its matrix with the embeddings (tied)" in n for n in notes)  # the tiny model is tied


def test_l2_anchor_starts_at_zero_and_ends_closer_to_the_base(cli, home, tiny_model, chat_file):
    free = train(cli, home, tiny_model, chat_file, "free")
    anchored = train(cli, home, tiny_model, chat_file, "anchored", "train.anchor=l2", "train.anchor_weight=1000")
    steps = anchored.events("train")
    assert steps[0]["anchor_penalty"] == 0.0 and steps[-1]["anchor_penalty"] > 0  # the base itself at step 1
    assert any("L2 anchor toward the base: weight 1000" in n for n in messages(anchored))
    base = load_file(tiny_model / "model.safetensors")
    moved = {r: distance(load_file(r.final_dir / "model.safetensors"), base) for r in (free, anchored)}
    assert moved[anchored] < 0.5 * moved[free], moved
    plan = anchored.plan()["predicted"]
    assert any("L2 anchor" in note for note in plan["notes"])


def test_kl_anchor_starts_at_zero_and_keeps_the_replay_rows_closer_to_the_base(cli, home, tiny_model, chat_file):
    free = train(cli, home, tiny_model, chat_file, "kl-free", "data.replay=1", steps=8)
    anchored = train(cli, home, tiny_model, chat_file, "kl-anchored", "data.replay=1", "train.anchor=kl",
                     "train.anchor_weight=50", steps=8)
    steps = anchored.events("train")
    assert steps[0]["anchor_kl"] == pytest.approx(0.0, abs=1e-4) and steps[-1]["anchor_kl"] > 0
    assert any("KL anchor toward the base: weight 50" in n for n in messages(anchored))
    targets = AnchorTargets.load(anchored.anchor_logprobs_path)
    assert targets.offsets[-1] > 0
    # the anchor rows are the replay rows of either run (same data, seed and share)
    splits, _ = prepare_data(anchored.config(), load_tokenizer(str(tiny_model), home), FakeRun())
    rows = anchor_rows(splits["replay"], anchored.config().train.seed)
    kl = {}
    for run in (free, anchored):
        model = AutoModelForCausalLM.from_pretrained(run.final_dir).eval()
        with torch.no_grad():
            kl[run.id] = float(targets.kl(position_logprobs(model, rows), 0, len(rows)))
    assert kl[anchored.id] < 0.5 * kl[free.id], kl


class FakeRun:
    writes = False

    def append_event(self, kind, **fields):
        pass

    def note(self, text, **fields):
        pass


def test_l2_anchor_is_refused_with_lora_before_a_run_exists(cli, home, tiny_model, chat_file):
    out = cli("train", "--data", str(chat_file), "--model", str(tiny_model), "train.method=lora", "train.anchor=l2")
    assert out.returncode == 2 and "nothing to anchor" in out.stderr, out.stderr
    assert not home.runs_dir.exists() or not any(home.runs_dir.iterdir())


@pytest.fixture
def talker(cli, home, tiny_model, chat_file):
    """A tiny model that answers with text (the random one answers blank lines): a short run on the chat rows."""
    return train(cli, home, tiny_model, chat_file, "talker", steps=30)


def test_self_replay_generates_caches_and_mixes_the_base_models_answers(cli, home, talker, chat_file):
    first = train(cli, home, talker.id, chat_file, "self-1", "data.replay_source=self", "data.replay=0.5")
    info = json.loads((first.dir / "data.json").read_text())["train"]
    assert info["replay_source"] == "self" and info["replay"] == 6 and info["examples"] == 18
    notes = messages(first)
    assert any("the base model answers 6 general prompts (en); 0 already in the cache" in n for n in notes)
    assert any(n.startswith("Self-generated replay ready: 6 answers") for n in notes)
    assert first.events("self_replay")[-1] == {**first.events("self_replay")[-1], "done": 6, "total": 6}
    (cache,) = [p for p in (home.home / "self-replay").glob("*.json") if p.name != "file-hashes.json"]
    answers = json.loads(cache.read_text())["answers"]
    assert len(answers) == 6 and all(a.strip() for a in answers.values())
    again = train(cli, home, talker.id, chat_file, "self-2", "data.replay_source=self", "data.replay=0.5")
    notes = messages(again)
    assert any("6 already in the cache" in n for n in notes) and not again.events("self_replay")
    assert json.loads((again.dir / "data.json").read_text())["train"]["replay"] == 6
