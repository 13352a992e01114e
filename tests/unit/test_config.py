import pytest

from ftcore import RunConfig, UserError, apply_overrides


def test_defaults_need_only_data():
    with pytest.raises(UserError, match="data.train is empty"):
        RunConfig().validate()
    config = apply_overrides(RunConfig(), ["data.train=x.jsonl"]).validate()
    assert config.model.ref == "smollm2-135m-instruct"
    assert config.train.max_grad_norm == 1.0


def test_overrides_parse_numbers_and_keep_typed_values():
    config = apply_overrides(RunConfig(), ["train.learning_rate=3e-5", "train.epochs=2"],
                             {"data.template": "合同类型：{text}\n法律风险评级：", "data.train": "a.jsonl"})
    assert config.train.learning_rate == pytest.approx(3e-5)
    assert config.train.epochs == 2.0 and isinstance(config.train.epochs, float)
    assert config.data.template.startswith("合同类型")


@pytest.mark.parametrize("override, message", [
    ("train.nope=1", "Unknown config key 'train.nope'"),
    ("train.batch_size=abc", "must be a number"),
    ("learning_rate=1", "section.key=value"),
    ("train.batch_size", "section.key=value"),
])
def test_bad_overrides_name_the_key(override, message):
    with pytest.raises(UserError, match=message):
        apply_overrides(RunConfig(), [override])


@pytest.mark.parametrize("override, message", [
    ("train.learning_rate=2", "out of range"),
    ("train.batch_size=0", "batch_size"),
    ("train.scheduler=weird", "Unknown scheduler"),
    ("data.template=no placeholder", "must contain"),
])
def test_validate_refuses_unwise_values(override, message):
    config = apply_overrides(RunConfig(), [override, "data.train=a.jsonl"])
    with pytest.raises(UserError, match=message):
        config.validate()


def test_yaml_round_trip(tmp_path):
    config = apply_overrides(RunConfig(name="café 合同"), ["data.train=a.jsonl", "train.max_steps=7"])
    path = tmp_path / "c.yaml"
    path.write_text(config.to_yaml(), encoding="utf-8")
    assert RunConfig.load(path) == config
