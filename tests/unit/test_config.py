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
    ("train.epochs=1e300", "more than 1000 epochs"),
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


@pytest.mark.parametrize("overrides, message", [
    (["dist.offload=optimizer"], "needs strategy zero2 or zero3"),
    (["dist.strategy=zero2", "dist.offload=params"], "needs strategy=zero3"),
    (["dist.strategy=zero4"], "Unknown strategy 'zero4'"),
    (["dist.nnodes=2", "dist.node_rank=2"], "node_rank must be in"),
    (["dist.nproc=0"], "at least 1"),
])
def test_distributed_settings_are_checked(overrides, message):
    with pytest.raises(UserError, match=message):
        apply_overrides(RunConfig(), ["data.train=x.jsonl", *overrides]).validate()


def test_torchrun_command_for_one_and_several_nodes(tmp_path):
    from ftcore.config import DistConfig
    from ftcore.train.distributed import deepspeed_config, torchrun_command

    one = torchrun_command(tmp_path, DistConfig(nproc=4), resume="checkpoint-9")
    assert one[1:] == ["-m", "torch.distributed.run", "--nproc-per-node", "4", "--standalone", "-m", "ftcore.runs.worker",
                       str(tmp_path), "--rank", "--resume", "checkpoint-9"]
    node = torchrun_command(tmp_path, DistConfig(nproc=8, nnodes=2, node_rank=1, master_addr="10.0.0.1"))
    assert node[node.index("--nnodes"):node.index("-m", 3)] == [
        "--nnodes", "2", "--node-rank", "1", "--master-addr", "10.0.0.1", "--master-port", "29500"]
    assert deepspeed_config(DistConfig(strategy="ddp")) is None
    z3 = deepspeed_config(DistConfig(strategy="zero3", offload="params"))
    assert z3["zero_optimization"]["stage"] == 3 and z3["zero_optimization"]["offload_param"]["device"] == "cpu"
    assert z3["zero_optimization"]["stage3_gather_16bit_weights_on_model_save"] is True


@pytest.mark.parametrize("name", __import__("ftcore.train.distributed", fromlist=["x"]).deepspeed_presets())
def test_every_shipped_deepspeed_preset_is_valid(name):
    """Each JSON preset parses, names its ZeRO stage, and leaves batch sizes to the Trainer ("auto")."""
    import json
    from importlib import resources

    config = json.loads((resources.files("ftcore") / "config" / "presets" / "deepspeed" / f"{name}.json").read_text())
    assert config["zero_optimization"]["stage"] == int(name[4])
    assert config["train_micro_batch_size_per_gpu"] == "auto" and config["gradient_accumulation_steps"] == "auto"
    assert ("offload" in name) == ("offload_optimizer" in config["zero_optimization"])
