"""The levers against forgetting, piece by piece: their config checks, freeze_bottom's frozen set and the planner's
count of it, the L2 anchor's term and its memory, and self-generated replay's prompts, generation and cache."""

import json

import pytest
import torch

from ftcore import RunConfig, Settings, UserError, apply_overrides
from ftcore.plan.advice import plan_input, trainable_count
from ftcore.plan.memory import estimate
from ftcore.train.anchor import squared_distance
from ftcore.train.methods import apply_method


def config(*overrides: str) -> RunConfig:
    return apply_overrides(RunConfig(), ["data.train=x.jsonl", *overrides])


@pytest.mark.parametrize("overrides, message", [
    ("data.replay_source=self", "needs a replay share: set data.replay"),
    ("data.replay_source=model data.replay=0.2", "Unknown data.replay_source 'model'"),
    ("data.replay_prompts=mine.txt data.replay=0.2", "need data.replay_source=self"),
    ("train.anchor=l2 train.method=lora", "nothing to anchor"),
    ("train.anchor=l2 dist.nproc=2 dist.strategy=zero3", "strategy=zero3 shards the weights"),
    ("train.anchor=l2 dist.nproc=2 dist.strategy=fsdp", "strategy=fsdp shards the weights"),
    ("train.anchor=l2 dist.nproc=2 dist.strategy=zero2 dist.offload=optimizer", "offload=optimizer saves"),
    ("train.anchor=l2 train.anchor_weight=0", "anchor_weight must be a positive number"),
    ("train.anchor=kl", "and this run has none. Set data.replay"),
    ("train.anchor=kl data.replay=0.2 train.method=lora", "nothing to anchor"),
    ("train.anchor=l1", "Unknown train.anchor 'l1'"),
    ("train.method=freeze_bottom train.freeze_bottom_layers=-1", "freeze_bottom_layers must be 0"),
])
def test_impossible_combinations_are_refused_with_a_reason(overrides, message):
    with pytest.raises(UserError, match=message.replace("(", r"\(").replace(")", r"\)")):
        config(*overrides.split()).validate()


@pytest.mark.parametrize("overrides", [
    "data.replay_source=self data.replay=0.2", "data.replay_source=self data.replay=0.2 data.replay_prompts=p.txt",
    "train.method=freeze_bottom", "train.anchor=l2 train.method=freeze_bottom",
    "train.anchor=l2 train.method=distill train.teacher=run-1", "train.anchor=l2 dist.nproc=2 dist.strategy=zero2",
    "train.anchor=kl data.replay=0.2", "train.anchor=kl data.replay=0.2 data.replay_source=self",
    "train.anchor=kl data.replay=0.2 dist.nproc=2 dist.strategy=zero3 dist.offload=optimizer",
])
def test_the_levers_combine_where_they_can(overrides):
    config(*overrides.split()).validate()


def llama(layers: int = 4, tied: bool = False):
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    return LlamaForCausalLM(LlamaConfig(vocab_size=96, hidden_size=16, intermediate_size=32, num_hidden_layers=layers,
                                        num_attention_heads=2, num_key_value_heads=1, tie_word_embeddings=tied))


def numel(module) -> int:
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize("tied", [False, True])
@pytest.mark.parametrize("layers, k, frozen_layers", [(4, 0, 1), (5, 0, 2), (4, 2, 2), (8, 3, 3)])
def test_freeze_bottom_freezes_exactly_the_embeddings_and_the_bottom_layers(tied, layers, k, frozen_layers):
    model = llama(layers, tied)
    model, counts = apply_method(model, config("train.method=freeze_bottom", f"train.freeze_bottom_layers={k}"))
    decoder = model.model
    assert not any(p.requires_grad for p in decoder.embed_tokens.parameters())
    assert [all(not p.requires_grad for p in layer.parameters()) for layer in decoder.layers] == \
        [True] * frozen_layers + [False] * (layers - frozen_layers)
    assert all(p.requires_grad for layer in decoder.layers[frozen_layers:] for p in layer.parameters())
    assert model.lm_head.weight.requires_grad is (not tied)  # a tied head is the embedding matrix: frozen with it
    frozen = numel(decoder.embed_tokens) + frozen_layers * numel(decoder.layers[0])
    assert counts["trainable"] == counts["parameters"] - frozen
    # the planner counts the same from the model's config alone
    assert trainable_count(config("train.method=freeze_bottom", f"train.freeze_bottom_layers={k}"),
                           model.config) == counts["trainable"]


@pytest.mark.parametrize("tied", [False, True])
def test_the_planner_counts_the_freeze_method_as_it_trains(tied):
    model = llama(4, tied)
    chosen = config("train.method=freeze", "train.freeze_trainable_layers=2")
    _, counts = apply_method(model, chosen)
    assert trainable_count(chosen, model.config) == counts["trainable"] < counts["parameters"]
    assert plan_input(chosen, model.config, "fp32", None).trainable == counts["trainable"]
    assert trainable_count(config(), model.config) is None  # full: every weight


def test_freeze_bottom_refuses_to_freeze_every_layer():
    with pytest.raises(UserError, match="leaves nothing to train: this model has 4 layers. Freeze at most 3"):
        apply_method(llama(4), config("train.method=freeze_bottom", "train.freeze_bottom_layers=4"))


def test_the_plan_counts_the_anchor_copy_of_the_trainable_weights():
    model = llama(4)
    for method in ("full", "freeze_bottom"):
        plain = plan_input(config(f"train.method={method}"), model.config, "fp32", None)
        anchored = plan_input(config(f"train.method={method}", "train.anchor=l2"), model.config, "fp32", None)
        assert anchored.anchor and not plain.anchor
        assert estimate(anchored).weights - estimate(plain).weights == 4 * plain.trainable
        assert any("L2 anchor" in note for note in estimate(anchored).notes)


def test_the_l2_term_is_zero_at_the_start_and_its_gradient_pulls_toward_the_anchor():
    torch.manual_seed(0)
    weight, other = torch.nn.Parameter(torch.randn(5, 3)), torch.nn.Parameter(torch.randn(4))
    pairs = [(weight, weight.detach().clone()), (other, other.detach().clone())]
    assert squared_distance(pairs).item() == 0.0
    with torch.no_grad():
        weight += 0.5
    distance = squared_distance(pairs)
    assert distance.item() == pytest.approx(15 * 0.25)
    distance.backward()
    assert torch.allclose(weight.grad, torch.full_like(weight, 1.0))  # 2 (θ - θ_base)
    assert torch.equal(other.grad, torch.zeros_like(other))
    other.requires_grad_(False)  # frozen weights (a progressive stage not reached) are left out
    assert squared_distance([(other, other.detach() + 1)]).item() == 0.0


def test_the_anchor_combines_with_distillation():
    from ftcore.train.anchor import anchor_trainer_class
    from ftcore.train.engine import trainer_class
    from ftcore.train.methods import distill_trainer_class

    names = [c.__name__ for c in trainer_class(anchor_trainer_class(distill_trainer_class())).__mro__]
    assert names.index("FullTuneTrainer") < names.index("AnchorTrainer") < names.index("DistillTrainer")


def kl_rows(count: int = 5, seed: int = 0) -> list[dict]:
    """Tokenized rows as prepare_data makes them: a prompt (no loss) then an answer (labels = ids)."""
    g = torch.Generator().manual_seed(seed)
    rows = []
    for i in range(count):
        prompt, answer = torch.randint(1, 96, (3 + i,), generator=g).tolist(), torch.randint(1, 96, (4,),
                                                                                          generator=g).tolist()
        rows.append({"input_ids": prompt + answer, "labels": [-100] * len(prompt) + answer})
    return rows


def test_the_kl_anchor_is_zero_for_the_base_and_matches_the_full_kl_when_k_covers_the_vocabulary(monkeypatch):
    from ftcore.train import kl_anchor

    model, rows = llama(2), kl_rows()
    targets = kl_anchor.AnchorTargets.compute(model, rows)
    assert targets.offsets[-1] == sum(4 for _ in rows)  # one position per answer token (the next token of each)
    assert model.training  # its mode restored
    model.eval()
    assert kl_anchor.AnchorTargets.kl(targets, kl_anchor.position_logprobs(model, rows[1:3]), 1, 3).item() \
        == pytest.approx(0.0, abs=1e-5)
    base = kl_anchor.position_logprobs(model, rows).detach()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.05 * torch.randn_like(p))
    tuned = kl_anchor.position_logprobs(model, rows)
    full = (base.exp() * (base - tuned)).sum(-1).mean()
    bound = targets.kl(tuned, 0, len(rows))
    assert 0 < bound.item() <= full.item() + 1e-6  # top 64 of 96 and the rest: a lower bound
    monkeypatch.setattr(kl_anchor, "TOP_K", 96)
    whole = kl_anchor.AnchorTargets.compute(llama(2), rows).kl(tuned, 0, len(rows))
    assert whole.item() == pytest.approx(full.item(), rel=1e-4)
    bound.backward()  # differentiable in the tuned weights
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())


def test_kl_anchor_targets_round_trip_and_are_tied_to_their_rows(tmp_path):
    from ftcore.train import kl_anchor

    rows = kl_rows()
    targets = kl_anchor.AnchorTargets.compute(llama(2), rows)
    targets.save(tmp_path / "a.safetensors")
    again = kl_anchor.AnchorTargets.load(tmp_path / "a.safetensors")
    assert torch.equal(again.ids, targets.ids) and again.offsets == targets.offsets
    assert again.rows_sha256 == kl_anchor.digest(rows) != kl_anchor.digest(kl_rows(seed=1))
    many = kl_rows(300)
    picked = kl_anchor.anchor_rows(many + [{"input_ids": [1, 2], "labels": [-100, -100]}], seed=3)
    assert len(picked) == kl_anchor.ROWS and picked == kl_anchor.anchor_rows(many, seed=3)


def test_the_kl_anchor_combines_with_distillation():
    from ftcore.train.engine import trainer_class
    from ftcore.train.kl_anchor import kl_anchor_trainer_class
    from ftcore.train.methods import distill_trainer_class

    names = [c.__name__ for c in trainer_class(kl_anchor_trainer_class(distill_trainer_class())).__mro__]
    assert names.index("FullTuneTrainer") < names.index("KLAnchorTrainer") < names.index("DistillTrainer")


class FakeRun:
    def __init__(self):
        self.notes, self.events = [], []

    def note(self, text, **fields):
        self.notes.append(str(text))

    def append_event(self, kind, **fields):
        self.events.append((kind, fields))


@pytest.fixture
def workspace(tmp_path):
    return Settings(home=tmp_path / "home").ensure()


def write_rows(path, pairs):
    path.write_text("".join(json.dumps({"messages": [{"role": "user", "content": q},
                                                     {"role": "assistant", "content": a}]}) + "\n"
                            for q, a in pairs), encoding="utf-8")
    return path


def test_shipped_prompts_follow_the_language_of_the_users_data(tmp_path, workspace):
    from ftcore.data.self_replay import prompt_pool, shipped_prompts

    en, zh = shipped_prompts("en"), shipped_prompts("zh")
    english = write_rows(tmp_path / "en.jsonl", [("How do I descale a kettle?", "Use vinegar.")] * 4)
    chinese = write_rows(tmp_path / "zh.jsonl", [("怎么给水壶除垢？", "用白醋浸泡后冲洗。")] * 4)
    mixed = write_rows(tmp_path / "mixed.jsonl", [("怎么给水壶除垢？", "用白醋浸泡。")] * 3 + [("Descale?", "Vinegar.")])
    assert prompt_pool(config(f"data.train={english}"), workspace) == (en, ["en"])
    assert prompt_pool(config(f"data.train={chinese}"), workspace) == (zh, ["zh"])
    pool, langs = prompt_pool(config(f"data.train={mixed}"), workspace)
    assert langs == ["en", "zh"] and pool == en[:40] + zh  # English cut to a third of the Chinese set


def test_a_users_prompt_file_must_lie_inside_the_workspace(tmp_path, workspace):
    from ftcore.data.self_replay import prompt_pool

    (workspace.home / "prompts.txt").write_text("Name a fruit.\n\nName a colour.\nName a fruit.\n", encoding="utf-8")
    (workspace.home / "prompts.jsonl").write_text('{"prompt": "Count to three."}\n{"messages": [{"role": "user", '
                                                  '"content": "Say hi."}]}\n', encoding="utf-8")
    chosen = config("data.replay_source=self", "data.replay=0.5", "data.replay_prompts=prompts.txt")
    assert prompt_pool(chosen, workspace) == (["Name a fruit.", "Name a colour."], ["own"])
    chosen.data.replay_prompts = "prompts.jsonl"
    assert prompt_pool(chosen, workspace)[0] == ["Count to three.", "Say hi."]
    (tmp_path / "outside.txt").write_text("Hi.\n", encoding="utf-8")
    chosen.data.replay_prompts = str(tmp_path / "outside.txt")
    with pytest.raises(UserError, match="outside the workspace"):
        prompt_pool(chosen, workspace)


def test_self_replay_generates_once_then_reuses_the_cache(tiny_model, chat_file, workspace):
    from ftcore.data.self_replay import self_replay
    from ftcore.eval.probes.runner import generate

    calls = []

    def counting(model, tokenizer, prompts, *args):
        calls.append(len(prompts))
        assert str(model.device) == "cpu" and not model.training  # the policy's device, in eval mode
        # the random tiny model's greedy answers are blank lines, which self replay leaves out: mark each answer
        return [f"{reply} answer {i}" for i, reply in enumerate(generate(model, tokenizer, prompts, 8, *args[1:]))]

    chosen = config(f"data.train={chat_file}", f"model.ref={tiny_model}", "data.replay_source=self",
                    "data.replay=0.5")
    first = self_replay(chosen, workspace, FakeRun(), generate=counting)(6)
    assert calls == [6] and len(first) == 6
    assert all(e.messages[0]["role"] == "user" and e.messages[1]["role"] == "assistant" for e in first)
    run = FakeRun()
    again = self_replay(chosen, workspace, run, generate=counting)(6)
    assert calls == [6] and [e.messages for e in again] == [e.messages for e in first]  # nothing generated
    assert "6 already in the cache" in run.notes[0]
    more = self_replay(chosen, workspace, FakeRun(), generate=counting)(9)  # 3 more prompts: only those are new
    assert calls == [6, 3] and [e.messages for e in more[:len(first)]] == [e.messages for e in first]
    (tiny_model / "config.json").touch()  # same content, new time: the fingerprint is the content's
    self_replay(chosen, workspace, FakeRun(), generate=counting)(6)
    assert calls == [6, 3]


def test_prepare_data_mixes_in_the_rows_of_the_replay_source(tiny_model, chat_file, workspace):
    from ftcore.data.prepare import prepare_data
    from ftcore.models import load_tokenizer
    from ftcore.runs.registry import RunStore

    chosen = config(f"data.train={chat_file}", f"model.ref={tiny_model}", "data.replay_source=self",
                    "data.replay=0.5")
    run = RunStore(workspace).create(chosen)
    asked = []

    def source(want):
        asked.append(want)
        from ftcore.data.read import Example

        return [Example([{"role": "user", "content": f"Q{i}"}, {"role": "assistant", "content": "A"}], i + 1)
                for i in range(want)]

    splits, info = prepare_data(chosen, load_tokenizer(str(tiny_model), workspace), run, source)
    assert asked == [6] and info["train"]["replay"] == 6 and info["train"]["replay_source"] == "self"
    assert len(splits["train"]) == 18


def test_self_replay_leaves_out_empty_answers_and_refuses_when_all_are(tiny_model, chat_file, workspace):
    from ftcore.data.self_replay import self_replay

    def some_blank(model, tokenizer, prompts, *args):
        return ["" if i % 2 else f"answer {i}" for i in range(len(prompts))]

    chosen = config(f"data.train={chat_file}", f"model.ref={tiny_model}", "data.replay_source=self",
                    "data.replay=0.5")
    run = FakeRun()
    rows = self_replay(chosen, workspace, run, generate=some_blank)(4)
    assert len(rows) == 2 and any("(2 empty ones left out)" in n for n in run.notes)
    chosen.train.seed = 7  # other prompts, all answered with nothing
    with pytest.raises(UserError, match="answered none of the 4 replay prompts"):
        self_replay(chosen, workspace, FakeRun(), generate=lambda m, t, prompts, *a: [""] * len(prompts))(4)


def test_distillation_takes_the_same_step_whatever_the_gradient_accumulation(tiny_model, tmp_path):
    """Batch 4 in one micro-batch or 2 x 2 with accumulation: one optimizer step moves the weights the same (the
    distillation loss is a mean per micro-batch, so the Trainer must divide it by the accumulation steps)."""
    import torch
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, TrainingArguments, default_data_collator

    from ftcore.train.methods import distill_trainer_class

    rows = [{"input_ids": [5 + i, 6, 7, 8, 9, 10], "attention_mask": [1] * 6, "labels": [-100, -100, 7, 8, 9, 10]}
            for i in range(4)]

    def step(batch: int, accumulation: int):
        torch.manual_seed(0)
        model = AutoModelForCausalLM.from_pretrained(tiny_model)
        args = TrainingArguments(str(tmp_path / f"o{batch}"), per_device_train_batch_size=batch,
                                 gradient_accumulation_steps=accumulation, max_steps=1, learning_rate=0.5,
                                 optim="sgd", lr_scheduler_type="constant", report_to=[], save_strategy="no", max_grad_norm=0.0,
                                 use_cpu=True, seed=0, logging_strategy="no")
        trainer = distill_trainer_class()(model=model, args=args, train_dataset=Dataset.from_list(rows),
                                          data_collator=default_data_collator,
                                          teacher=AutoModelForCausalLM.from_pretrained(tiny_model))
        trainer.train()
        return torch.cat([p.detach().flatten() for p in model.parameters()])

    base = torch.cat([p.detach().flatten() for p in AutoModelForCausalLM.from_pretrained(tiny_model).parameters()])
    one, two = step(4, 1) - base, step(2, 2) - base
    assert one.abs().max() > 0 and torch.allclose(one, two, atol=1e-6, rtol=1e-3), (one.norm(), two.norm())
