"""The report's estimate, made before it starts: measured speeds on this device priced over the suites' items,
generation at its longest, parts in the order make_report does them."""

from __future__ import annotations

import pytest

from ftcore.eval import estimate
from ftcore.eval.probes import builtin


@pytest.fixture(scope="module")
def loaded(tiny_model):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    return AutoModelForCausalLM.from_pretrained(tiny_model).eval(), AutoTokenizer.from_pretrained(tiny_model)


def test_the_plan_prices_each_part_and_sums_them(loaded):
    model, tokenizer = loaded
    suites = [builtin(name) for name in ("general_en", "instruction", "passages_ppl", "kl")]
    suites[0].items = suites[0].items[:24]  # as many prompts as the instruction suite: 2 batches each
    speed = estimate.measure(model, tokenizer, estimate.calibration_prompts(suites, {}))
    assert speed.read_s > 0 and speed.write_s > 0
    plan = estimate.plan(speed, tokenizer, suites, {}, ["final"], base_cached=False, load_s=1.0)
    names = [(p["model"], p["suite"]) for p in plan["parts"]]
    assert names == [("base", "general_en"), ("base", "instruction"), ("base", "passages_ppl"), ("final", "load"),
                     ("final", "general_en"), ("final", "instruction"), ("final", "passages_ppl"), ("final", "kl")]
    seconds = {n: p["seconds"] for n, p in zip(names, plan["parts"], strict=True)}
    assert plan["estimate_s"] == pytest.approx(sum(seconds.values()), abs=0.2)
    # 24 prompts writing up to 160 tokens each cost more than 24 writing up to 48
    assert seconds[("final", "instruction")] > seconds[("final", "general_en")] * 1.5
    cached = estimate.plan(speed, tokenizer, suites, {}, ["final"], base_cached=True, load_s=1.0)
    assert [p["model"] for p in cached["parts"]] == ["final"] * 5  # cached base scores cost nothing


def test_generation_is_priced_by_batches_and_new_tokens():
    speed = estimate.Speed(read_s=0.001, write_s=0.1)
    assert speed.generation([10] * 16, 48) == pytest.approx(0.16 + 4.8)
    assert speed.generation([10] * 17, 48) == pytest.approx(0.17 + 9.6)
