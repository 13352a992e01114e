"""The memory planner: exact parameter counts, byte rules per optimizer/strategy, suggestions, and a measured run."""

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import replace

import pytest

from ftcore import UserError
from ftcore.config import OPTIMIZERS
from ftcore.plan.memory import GiB, PlanInput, estimate, format_plan, plan_from_config
from ftcore.plan.suggest import suggest

# A literal 1M-parameter model: divisible by 4 ranks, small enough that the byte rules can be read off.
P = PlanInput(params=1_000_000, trainable=1_000_000, hidden_size=128, num_layers=4, num_heads=4, vocab_size=1000,
              intermediate_size=344, batch_size=2, max_length=64, precision="fp32", optimizer="adamw_torch")
# Roughly Llama-2-7B in bf16 at 4 x 2048 tokens.
BIG = PlanInput(params=6_738_415_616, trainable=6_738_415_616, hidden_size=4096, num_layers=32, num_heads=32,
                vocab_size=32000, intermediate_size=11008, batch_size=4, max_length=2048, precision="bf16")


def llama(**overrides):
    from transformers import LlamaConfig

    sizes = dict(vocab_size=300, hidden_size=64, intermediate_size=176, num_hidden_layers=2, num_attention_heads=4,
                 num_key_value_heads=4, use_cache=False)
    return LlamaConfig(**{**sizes, **overrides})


@pytest.mark.parametrize("overrides", [
    dict(tie_word_embeddings=True),
    dict(tie_word_embeddings=False),
    dict(tie_word_embeddings=False, num_key_value_heads=2),
    dict(tie_word_embeddings=True, num_key_value_heads=1, attention_bias=True, mlp_bias=True),
    dict(tie_word_embeddings=False, num_key_value_heads=2, head_dim=8),
], ids=["tied", "untied", "gqa", "mqa-bias", "gqa-head-dim"])
def test_parameter_count_matches_a_real_llama(overrides):
    from transformers import LlamaForCausalLM

    config = llama(**overrides)
    real = sum(p.numel() for p in LlamaForCausalLM(config).parameters())
    assert plan_from_config(config).params == real
    assert plan_from_config(config.to_dict()).params == real
    assert plan_from_config(config, trainable=5).trainable == 5


def test_plan_from_config_names_what_is_missing():
    with pytest.raises(UserError, match="intermediate_size"):
        plan_from_config({"hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "vocab_size": 9})


def test_fp32_adamw_full_fine_tuning_is_16_bytes_per_parameter():
    plan = estimate(P)
    assert (plan.weights, plan.gradients, plan.optimizer) == (4_000_000, 4_000_000, 8_000_000)
    assert plan.total == plan.weights + plan.gradients + plan.optimizer + plan.activations + plan.buffers
    assert plan.fits is None and plan.host == 0


def test_8bit_adamw_keeps_2_bytes_of_state_per_parameter_but_32_bit_states_for_embeddings_and_norms():
    plan = estimate(replace(P, optimizer="adamw_8bit"))
    full = 1000 * 128 + 9 * 128  # the input embedding and the 2 x 4 + 1 norms keep 8 bytes of state
    assert plan.optimizer == int((2 + 8 / 256) * (P.params - full) + 8 * full)
    assert 10_000_000 < plan.weights + plan.gradients + plan.optimizer < 11_000_000


def test_step_in_backward_keeps_one_gradient_and_adafactor_a_few_bytes_of_state():
    plan = estimate(replace(P, optimizer="adafactor", optimizer_in_backward=True))
    assert plan.gradients == 4 * P.vocab_size * P.hidden_size  # the largest tensor: the embedding
    assert plan.weights + plan.gradients + plan.optimizer < 6 * P.params  # the low-memory mode's target
    assert estimate(replace(P, optimizer_in_backward=True)).optimizer == 8 * P.params  # AdamW's states stay


def test_suggest_offers_the_low_memory_mode_on_one_gpu():
    one_gpu = replace(BIG, precision="bf16", gradient_checkpointing=True, batch_size=1, max_length=2048)
    moves = {text: q for text, q in suggest(one_gpu, 80)}
    assert not estimate(replace(one_gpu, device_memory_gb=80)).fits
    low = [q for text, q in moves.items() if "low-memory mode" in text]
    assert low and low[0].optimizer == "adafactor" and low[0].optimizer_in_backward, moves.keys()
    assert not any(q.optimizer_in_backward for q in moves.values() if q.grad_accum > 1)
    assert not any(q.optimizer_in_backward for _, q in suggest(replace(one_gpu, nproc=8), 80))


def test_every_configured_optimizer_has_an_estimate():
    states = {name: estimate(replace(P, optimizer=name)) for name in OPTIMIZERS}
    assert states["adamw_torch_fused"].optimizer == 8_000_000 and states["sgd"].optimizer == 0
    assert 0 < states["adafactor"].optimizer < 1_000_000  # factored: rows + columns, far below 4 bytes/param
    # rank-128 moments, plus the whole SVD factor each projector is sliced from (galore_torch keeps a view of it):
    # on a 7B model between 2 and 3 bytes per parameter, a third of AdamW's 8
    galore = estimate(replace(BIG, optimizer="galore_adamw")).optimizer
    assert 2 * BIG.params < galore < 3 * BIG.params
    assert states["adalomo"].gradients == 1000 * 128 * 4  # one gradient at a time: the largest is the embedding


@pytest.mark.parametrize("strategy, divided", [
    ("zero1", {"optimizer"}), ("zero2", {"optimizer", "gradients"}),
    ("zero3", {"optimizer", "gradients", "weights"}), ("fsdp", {"optimizer", "gradients", "weights"}),
])
def test_zero_shards_over_ranks(strategy, divided):
    one, four = estimate(P), estimate(replace(P, nproc=4, strategy=strategy))
    for part in ("weights", "gradients", "optimizer"):
        expected = getattr(one, part) // 4 if part in divided else getattr(one, part)
        assert getattr(four, part) == expected, part
    assert four.activations == one.activations  # each rank still runs its own micro-batch


def test_deepspeed_mixed_precision_is_2_2_12_bytes_and_ddp_autocast_keeps_fp32():
    mixed = replace(P, precision="bf16")
    ddp, zero = estimate(mixed), estimate(replace(mixed, strategy="zero1"))
    assert (ddp.weights, ddp.gradients, ddp.optimizer) == (4_000_000, 4_000_000, 8_000_000)
    assert (zero.weights, zero.gradients, zero.optimizer) == (2_000_000, 2_000_000, 12_000_000)


def test_offload_moves_the_optimizer_to_host_ram():
    plan = estimate(replace(P, nproc=2, strategy="zero2", offload="optimizer"))
    assert plan.optimizer == 0
    assert plan.host == 8_000_000 + 4_000_000  # both ranks' states + fp32 gradients for the CPU step
    params = estimate(replace(P, nproc=2, strategy="zero3", offload="params"))
    assert params.weights == 0 and params.host == 12_000_000 + 4_000_000


@pytest.mark.parametrize("bad, message", [
    (dict(precision="int8"), "precision"), (dict(offload="optimizer"), "ZeRO"),
    (dict(strategy="zero2", offload="params"), "zero3"), (dict(trainable=2_000_000), "trainable"),
    (dict(optimizer="lion"), "optimizer"),
])
def test_bad_inputs_raise_messages_a_user_can_act_on(bad, message):
    with pytest.raises(UserError, match=message):
        replace(P, **bad)


def test_checkpointing_keeps_only_layer_inputs():
    s, b, h = P.max_length, P.batch_size, P.hidden_size
    plain, checkpointed = estimate(P), estimate(replace(P, gradient_checkpointing=True))
    assert checkpointed.activations < plain.activations / 2
    # four layer inputs (fp32 residual stream) + one layer recomputed + the final norm, instead of four layers
    per_layer = (plain.activations - 12 * s * b * h) / 4
    assert checkpointed.activations == pytest.approx(4 * s * b * h * 4 + per_layer + 12 * s * b * h)


def test_fits_flips_at_the_device_capacity():
    total = estimate(replace(P, device_memory_gb=80)).total
    assert estimate(replace(P, device_memory_gb=total / GiB)).fits is True
    assert estimate(replace(P, device_memory_gb=(total - 1) / GiB)).fits is False
    assert estimate(P).fits is None


def test_suggest_puts_the_least_change_first():
    fits = estimate(replace(BIG, nproc=8, strategy="zero3", gradient_checkpointing=True, device_memory_gb=80))
    assert fits.fits
    suggestions = suggest(replace(BIG, nproc=8), 80)
    assert suggestions and all(estimate(q).fits for _, q in suggestions)
    text, first = suggestions[0]
    assert (first.strategy, first.gradient_checkpointing, first.batch_size) == ("zero3", False, 4), text
    # A long-sequence case on one GPU, where checkpointing alone is enough (40.5 GiB with the 5% margin).
    long = replace(P, params=1_500_000_000, trainable=1_500_000_000, hidden_size=2048, num_layers=24, num_heads=16,
                   vocab_size=32000, intermediate_size=5632, batch_size=8, max_length=2048, precision="bf16")
    text, first = suggest(long, 44)[0]
    assert first == replace(long, gradient_checkpointing=True, device_memory_gb=44), text


def test_suggested_smaller_batch_keeps_the_effective_batch():
    one_gpu = replace(BIG, optimizer="adamw_8bit", gradient_checkpointing=True, batch_size=16, grad_accum=2)
    halved = [(text, q) for text, q in suggest(one_gpu, 94) if q.batch_size < 16]  # an H100 NVL
    assert halved, "expected a smaller-batch suggestion"
    text, q = halved[0]
    assert q.batch_size * q.grad_accum == 32 and f"grad_accum 2 -> {q.grad_accum}" in text


def test_suggest_when_it_already_fits_or_nothing_does():
    assert suggest(P, 80) == [("no change: it fits as configured", replace(P, device_memory_gb=80))]
    assert suggest(BIG, 1) == []


def test_format_plan_prints_gib_and_the_verdict():
    plan = estimate(replace(BIG, device_memory_gb=80))
    table = format_plan(plan)
    assert f"{plan.total / GiB:.2f}" in table and "does NOT fit" in table
    assert json.loads(json.dumps(plan.to_dict()))["total"] == plan.total


def test_importing_the_planner_loads_no_torch():
    code = "import sys, ftcore.plan.memory; print('torch' in sys.modules, 'transformers' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


@pytest.mark.parametrize("precision, attention", [("fp32", "sdpa"), ("fp32", "eager"), ("bf16", "sdpa"),
                                                  ("bf16", "eager")])
def test_activations_match_what_autograd_saves(precision, attention):
    """Count the bytes of every non-parameter tensor autograd keeps for backward, once per storage."""
    import torch
    from transformers import LlamaForCausalLM

    torch.manual_seed(0)
    config = llama(num_key_value_heads=2, tie_word_embeddings=True, attn_implementation=attention)
    model = LlamaForCausalLM(config)
    ids = torch.randint(0, config.vocab_size, (4, 64))
    params = {p.untyped_storage().data_ptr() for p in model.parameters()}
    saved = {}

    def pack(t):
        if t.untyped_storage().data_ptr() not in params:
            saved[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t), \
            torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
        model(input_ids=ids, labels=ids)
    setup = plan_from_config(config, batch_size=4, max_length=64, precision=precision, attention=attention)
    plan = estimate(setup)
    log_softmax = 4 * 64 * config.vocab_size * 4  # saved by the loss: the planner counts it among the buffers
    autocast_weights = 2 * setup.params if precision == "bf16" else 0  # 16-bit weight copies: buffers too
    print(f"\n[{precision} {attention}] saved {sum(saved.values())}, predicted {plan.activations + log_softmax + autocast_weights}")
    assert sum(saved.values()) == pytest.approx(plan.activations + log_softmax + autocast_weights, rel=0.03)


MEASURE = textwrap.dedent("""
    import gc, json, os, sys
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    def rss():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def high_water():
        # VmHWM belongs to this process's memory map; ru_maxrss would carry the parent's peak across exec
        with open("/proc/self/status") as f:
            return int(f.read().split("VmHWM:")[1].split()[0]) * 1024

    def train(config, batch, seq, steps):
        torch.manual_seed(0)
        model = LlamaForCausalLM(config)
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
        ids = torch.randint(0, config.vocab_size, (batch, seq))
        for _ in range(steps):
            model(input_ids=ids, labels=ids).loss.backward()
            optimizer.step()
            optimizer.zero_grad()
        return sum(p.numel() for p in model.parameters())

    shape = json.loads(sys.argv[1])
    # Warm up on a tiny model first: kernels, thread pools and lazily imported modules then load before the
    # baseline, so the growth is training memory only. The baseline is taken before the model is built:
    # the planner's total counts the weights too.
    train(LlamaConfig(**{**shape, "vocab_size": 64, "hidden_size": 32, "intermediate_size": 64,
                         "num_hidden_layers": 1}), 1, 8, 2)
    gc.collect()
    base, peak_before = rss(), high_water()
    params = train(LlamaConfig(**shape), 4, 128, 3)
    peak = high_water()
    print(json.dumps({"base": base, "peak_before": peak_before, "peak": peak, "params": params}))
""")


@pytest.mark.parametrize("malloc_env", [{}, {"MALLOC_MMAP_THRESHOLD_": "65536"}], ids=["glibc-default", "mmap-64k"])
def test_prediction_is_close_to_measured_peak_rss(malloc_env):
    shape = dict(vocab_size=2000, hidden_size=256, intermediate_size=688, num_hidden_layers=4, num_attention_heads=4,
                 num_key_value_heads=4, tie_word_embeddings=True, attn_implementation="sdpa", use_cache=False)
    env = {**os.environ, **malloc_env}
    result = subprocess.run([sys.executable, "-c", MEASURE, json.dumps(shape)], capture_output=True, text=True,
                            env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    measured = json.loads(result.stdout.splitlines()[-1])
    assert measured["peak"] > measured["peak_before"], "the peak must come from training, not from the imports"
    growth = measured["peak"] - measured["base"]
    setup = plan_from_config(shape, batch_size=4, max_length=128, optimizer="adamw_torch")
    plan = estimate(setup)
    assert setup.params == measured["params"]
    print(f"\n[{'+'.join(malloc_env) or 'glibc default'}] measured peak RSS growth {growth / 2**20:.1f} MiB, "
          f"predicted total {plan.total / 2**20:.1f} MiB (ratio {plan.total / growth:.2f})")
    # 35%: the planner sums the parts, but a real step frees activations while gradients appear (about +10%),
    # and glibc keeps freed heap pages resident (its default grows the mmap threshold; about -20% here).
    assert plan.total == pytest.approx(growth, rel=0.35)
