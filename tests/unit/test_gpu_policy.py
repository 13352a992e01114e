"""Decisions for the GPU path, checked on the CPU: how each strategy launches, what the validator refuses, that
every planner suggestion is one the validator accepts, the plan from the run's own token counts, the DeepSpeed
presets, and the packed-attention choice per device."""

from __future__ import annotations

import itertools
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import torch

import ftcore
from ftcore import UserError
from ftcore.config import DistConfig
from ftcore.plan.advice import apply_suggestion, plan_input
from ftcore.plan.memory import data_tokens, estimate, plan_from_config
from ftcore.plan.suggest import suggest
from ftcore.train.compat import check_environment
from ftcore.train.distributed import deepspeed_config, deepspeed_presets, fsdp_arguments, launch_command

LLAMA_1B = dict(hidden_size=2048, num_hidden_layers=16, num_attention_heads=32, num_key_value_heads=8,
                vocab_size=128256, intermediate_size=8192, tie_word_embeddings=True, head_dim=64)
LLAMA_8B = dict(hidden_size=4096, num_hidden_layers=32, num_attention_heads=32, num_key_value_heads=8,
                vocab_size=128256, intermediate_size=14336, tie_word_embeddings=False)


@pytest.mark.parametrize(("dist", "torchrun"), [
    (DistConfig(), False), (DistConfig(strategy="zero2"), True), (DistConfig(strategy="zero3", offload="params"), True),
    (DistConfig(strategy="fsdp"), True), (DistConfig(nproc=2), True)])
def test_every_sharded_strategy_launches_through_torchrun_also_with_one_process(dist, torchrun):
    command = launch_command(Path("/runs/r"), dist, resume="checkpoint-4")
    assert ("torch.distributed.run" in command) is torchrun
    assert command[0] == sys.executable and command[-3:] == ["--rank", "--resume", "checkpoint-4"]
    if torchrun:
        assert command[command.index("--nproc-per-node") + 1] == str(dist.nproc)


def config(**values):
    return ftcore.apply_overrides(ftcore.RunConfig(), [], {"data.train": "x.jsonl", **values})


@pytest.mark.parametrize(("values", "key"), [
    ({"dist.nnodes": 2}, "config.master_addr"),
    ({"dist.strategy": "zero2", "dist.offload": "optimizer", "train.optimizer": "adafactor"},
     "config.offload_optimizer"),
    ({"train.method": "distill", "train.teacher": "run", "dist.strategy": "zero3"}, "config.distill_sharded"),
    ({"train.logging_steps": -1}, "config.logging_steps")])
def test_validator_refuses_with_the_fix(values, key):
    with pytest.raises(UserError) as err:
        config(**values).validate()
    assert err.value.key == key


def test_multi_node_needs_an_address_and_accepts_one():
    config(**{"dist.nnodes": 2, "dist.master_addr": "10.0.0.1"}).validate()


@pytest.mark.parametrize(("model", "gpu_gb", "nproc", "strategy", "optimizer"), list(itertools.product(
    ["1b", "8b"], [16, 24, 80], [1, 8], ["ddp", "zero2", "fsdp"], ["adamw_torch_fused", "adafactor"])))
def test_every_planner_suggestion_passes_the_validator(model, gpu_gb, nproc, strategy, optimizer, monkeypatch):
    """The suggestions a user is shown (the plan panel, the out-of-memory message) all start (an optional
    optimizer's package aside: the suggestion names it, and bitsandbytes needs a GPU to install usefully)."""
    monkeypatch.setattr("ftcore.train.compat.check_optimizer", lambda name: None)
    base = config(**{"dist.nproc": nproc, "dist.strategy": strategy, "train.optimizer": optimizer,
                     "train.batch_size": 8, "data.max_length": 2048})
    shapes = LLAMA_1B if model == "1b" else LLAMA_8B
    from transformers import LlamaConfig

    p = plan_input(base, LlamaConfig(**shapes), "bf16", gpu_gb)
    for text, q in suggest(p, gpu_gb):
        suggested = apply_suggestion(base, q)
        try:
            suggested.validate()
            check_environment(suggested, cuda=True, bf16_ok=True, gpus=nproc)
        except UserError as exc:
            pytest.fail(f"suggestion '{text}' is refused: {exc}")


def test_data_tokens_follow_the_rows():
    lengths, labels = [58] * 72, [30] * 72
    tokens, logits = data_tokens(lengths, labels, batch_size=4)
    assert (tokens, logits) == (232, 120)  # packed: the sum of the batch's rows; the LM head on labels only
    padded, _ = data_tokens([10, 10, 10, 100], [5, 5, 5, 5], batch_size=2, packing=False)
    assert padded == 200  # pad to the longest of the batch (its 95th percentile holds the long row)
    mostly_labels = data_tokens([10] * 8, [10] * 8, batch_size=2)
    assert mostly_labels == (20, 20)  # labels nearly everywhere: the engine takes the usual full-logits path


def test_a_plan_from_short_rows_is_smaller_and_says_so():
    from transformers import LlamaConfig

    base = config(**{"train.batch_size": 8, "data.max_length": 1024})
    shapes = LlamaConfig(**LLAMA_1B)
    worst = estimate(plan_input(base, shapes, "fp32", None))
    short = estimate(plan_input(base, shapes, "fp32", None, ([58] * 72, [30] * 72)))
    assert short.activations < worst.activations / 10 and short.buffers < worst.buffers
    assert any("follow the data" in n for n in short.notes)


def test_gpu_plan_states_its_headroom():
    p = replace(plan_from_config(LLAMA_8B, batch_size=4, max_length=2048, precision="bf16", nproc=8,
                                 strategy="zero3", gradient_checkpointing=True), device_memory_gb=80)
    plan = estimate(p)
    assert plan.margin > 0 and plan.allocated < plan.total
    assert any("NCCL" in n for n in plan.notes) and any("margin" in n for n in plan.notes)
    alone = estimate(replace(p, nproc=1, strategy="ddp"))
    assert not any("NCCL" in n for n in alone.notes)


@pytest.mark.parametrize("name", deepspeed_presets())
def test_zero_presets_overlap_communication_and_keep_small_buckets(name):
    dist = DistConfig(nproc=2, strategy=name.split("_")[0],
                      offload=name.split("_offload_")[1] if "_offload_" in name else "none")
    zero = deepspeed_config(dist)["zero_optimization"]
    assert zero["overlap_comm"] is (zero["stage"] >= 2)
    assert all(zero.get(k, 0) in (0, "auto") or zero[k] <= 5e7 for k in ("allgather_bucket_size",
                                                                           "reduce_bucket_size"))


def test_fsdp_is_fsdp2_with_loading_on_rank_0_and_its_own_checkpointing():
    args = fsdp_arguments(DistConfig(nproc=8, strategy="fsdp"), gradient_checkpointing=True)
    assert args["fsdp"] is True
    cfg = args["fsdp_config"]
    assert cfg["version"] == 2 and cfg["cpu_ram_efficient_loading"] and cfg["activation_checkpointing"]
    assert "cpu_offload" not in cfg


def test_packed_attention_choice_per_device(monkeypatch, tiny_model):
    import importlib.util

    from transformers import AutoModelForCausalLM

    from ftcore.train import packed_attention

    model = AutoModelForCausalLM.from_pretrained(tiny_model)
    assert packed_attention.choose(model, "cpu", "fp32") == packed_attention.NAME
    assert packed_attention.choose(model, "cuda", "fp32") == packed_attention.NAME  # fp32: no flash kernels
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: object() if name == "flash_attn"
                        else real(name, *a))
    assert packed_attention.choose(model, "cuda", "bf16") == "flash_attention_2"
    assert packed_attention.choose(model, "cpu", "bf16") == packed_attention.NAME
    eager = AutoModelForCausalLM.from_pretrained(tiny_model, attn_implementation="eager")
    assert packed_attention.choose(eager, "cuda", "bf16") is None  # the user's choice stands


def test_packed_attention_runs_in_the_autocast_dtype_and_reads_offsets_once(monkeypatch):
    from ftcore.train import packed_attention

    torch.manual_seed(0)
    q, k, v = torch.randn(1, 4, 12, 8), torch.randn(1, 2, 12, 8), torch.randn(1, 2, 12, 8)
    cu = torch.tensor([0, 5, 12])
    module = torch.nn.Module()
    reads = []
    original = packed_attention._host_bounds
    monkeypatch.setattr(packed_attention, "_host_bounds", lambda t: reads.append(t) or original(t))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out, _ = packed_attention.packed_sdpa(module, q, k, v, None, cu_seq_lens_q=cu, max_length_q=7)
    assert out.dtype == torch.bfloat16 and out.shape == (1, 12, 4, 8)
    reference = torch.cat([torch.nn.functional.scaled_dot_product_attention(
        q[:, :, s:e], k[:, :, s:e].repeat_interleave(2, 1), v[:, :, s:e].repeat_interleave(2, 1), is_causal=True)
        for s, e in ((0, 5), (5, 12))], dim=2).transpose(1, 2)
    assert torch.allclose(out.float(), reference, atol=3e-2)
    first = packed_attention._bounds["list"]
    packed_attention.packed_sdpa(module, q, k, v, None, cu_seq_lens_q=cu)  # the next layer: same tensor, no copy
    assert packed_attention._bounds["list"] is first
    packed_attention.packed_sdpa(module, q, k, v, None, cu_seq_lens_q=torch.tensor([0, 6, 12]))  # the next step
    assert packed_attention._bounds["list"] == [0, 6, 12]


def test_load_for_evaluation_follows_the_policy(tiny_model, tmp_path):
    from ftcore import models

    model, tokenizer = models.load(str(tiny_model), ftcore.Settings(home=tmp_path), phase="eval")
    assert not model.training and model.device.type == "cpu" and model.dtype == torch.float32
    model, _ = models.load(str(tiny_model), ftcore.Settings(home=tmp_path), phase="eval", dtype=torch.bfloat16)
    assert model.dtype == torch.bfloat16
    trained, _ = models.load(str(tiny_model), ftcore.Settings(home=tmp_path))
    assert trained.dtype == torch.float32


def test_teacher_follows_the_training_precision():
    from ftcore.train.trainer import teacher_dtype

    assert teacher_dtype("bf16") == torch.bfloat16 and teacher_dtype("fp16") == torch.float16
    assert teacher_dtype("fp32") == torch.float32


def test_plan_command_follows_a_data_file(cli, tiny_model, chat_file):
    import json

    def plan(*extra):
        out = cli("plan", "--model", str(tiny_model), "--max-length", "1024", "--batch-size", "8", "--json", *extra)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    worst, data = plan(), plan("--data", str(chat_file))
    assert data["activations"] < worst["activations"] / 5
    assert any("follow the data" in note for note in data["notes"])


def test_packed_rows_build_no_square_mask_and_stay_apart_without_offsets(tiny_model, monkeypatch):
    """The per-document path never asks transformers for the T x T mask, and a packed row that comes without the
    collator's offsets (position ids only) still keeps its documents apart."""
    from transformers import AutoModelForCausalLM, DataCollatorWithFlattening

    from ftcore.train import packed_attention

    model = AutoModelForCausalLM.from_pretrained(tiny_model)
    model.config.use_cache = False
    docs = [{"input_ids": list(range(5, 5 + n)), "labels": list(range(5, 5 + n))} for n in (7, 11, 4)]
    batch = DataCollatorWithFlattening(return_position_ids=True, separator_id=-100)(docs)
    with torch.no_grad():
        alone = torch.cat([model(input_ids=torch.tensor([d["input_ids"]])).logits[0] for d in docs])
        packed_attention.use_packed_attention(model)
        built = []
        real = packed_attention.sdpa_mask
        monkeypatch.setattr(packed_attention, "sdpa_mask", lambda *a, **k: built.append(1) or real(*a, **k))
        packed = model(input_ids=batch["input_ids"], position_ids=batch["position_ids"]).logits[0]
    assert built == [] and torch.allclose(packed, alone, atol=1e-5)
    assert packed_attention.kernel(packed_attention.NAME, "cpu", "fp32") == "scaled_dot_product_attention per document"


@pytest.mark.parametrize("values", [{"train.epochs": float("inf")}, {"train.learning_rate": float("nan")}])
def test_infinite_settings_are_refused(values):
    with pytest.raises(UserError) as err:
        config(**values).validate()
    assert err.value.key == "config.not_finite"


@pytest.mark.parametrize("values", [{"dist.nproc": 64}, {"train.precision": "fp16"}])
def test_the_plan_panel_never_says_fits_for_what_start_refuses(values):
    from transformers import LlamaConfig

    from ftcore import advise
    from ftcore.runs import devices

    advice = advise(config(**values), LlamaConfig(**LLAMA_1B), [devices.cpu_device()])
    assert advice.refusal is not None
    text = advice.markdown("en")
    assert text.startswith("**Start would refuse this configuration") and "Fits" not in text
    assert "无法以此配置开始训练" in advice.markdown("zh")
