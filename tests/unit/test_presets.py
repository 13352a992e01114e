"""Every shipped preset loads and validates; on this CPU machine each either passes the machine checks or is
refused for a GPU reason. Layers apply in order (defaults, preset, file, flags). The LR suggestion."""

import pytest

from ftcore import UserError, apply_overrides
from ftcore.config import load_layers, presets
from ftcore.plan.lr import suggest_learning_rate
from ftcore.train.compat import check_environment


def test_presets_are_listed_with_descriptions():
    found = presets()
    assert {"quick-cpu", "full-sft", "low-memory", "multi-gpu-zero3", "freeze-top"} <= set(found)
    assert all(len(description) > 20 for description in found.values())


def test_each_preset_describes_itself_in_both_languages():
    """The catalog's English is the preset file's own first line, and there is a Chinese beside it."""
    from importlib import resources

    for name, text in presets().items():
        first = (resources.files("ftcore") / "config" / "presets" / f"{name}.yaml").read_text().splitlines()[0]
        assert str(text) == first.lstrip("# ").strip(), name
        assert text.text("zh") != str(text), f"{name} has no Chinese description"


@pytest.mark.parametrize("name", sorted(presets()))
def test_every_preset_loads_and_validates(name):
    config = apply_overrides(load_layers(name), ["data.train=x.jsonl"]).validate()
    assert config.to_dict() != load_layers().to_dict()  # the preset changed something
    try:
        precision = check_environment(config, cuda=False, bf16_ok=False, gpus=0)
    except UserError as exc:
        assert "GPU" in str(exc), (name, str(exc))  # only GPU-only presets are refused here
    else:
        assert precision == "fp32"


def test_layers_apply_in_order(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("train:\n  learning_rate: 3.0e-05\ndist:\n  nproc: 2\n", encoding="utf-8")
    config = load_layers("multi-gpu-zero3", path)
    assert config.dist.strategy == "zero3"  # from the preset
    assert config.dist.nproc == 2 and config.train.learning_rate == 3e-5  # the file wins over the preset
    assert config.train.epochs == 3.0 and config.data.max_length == 4096
    config = apply_overrides(config, ["dist.nproc=4"])
    assert config.dist.nproc == 4  # and the command line over both
    with pytest.raises(UserError, match="Unknown preset 'nope'"):
        load_layers("nope")


def test_learning_rate_suggestion():
    published = suggest_learning_rate("meta-llama/Llama-2-7b-hf", 6_738_415_616)
    assert published.learning_rate == pytest.approx(3e-5) and "Llama 2" in published.source
    small, big = suggest_learning_rate("a/b", 134_515_008), suggest_learning_rate("a/b", 8_000_000_000)
    assert "estimated" in small.source and small.learning_rate > big.learning_rate
    assert small.learning_rate == pytest.approx(small.pretraining_peak / 10, rel=0.2)
    assert suggest_learning_rate("a/b", 10**13).pretraining_peak == pytest.approx(0.6e-4)  # clamped to the table
