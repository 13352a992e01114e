"""Engine guards: kill -9 then resume continues the step count and the loss curve; resume refuses changed
config or data; NaN stops the run keeping the last good checkpoint; packing keeps sequences apart."""

import json
import os
import signal

import pytest
import torch
from conftest import wait_for

import ftcore
from ftcore import RunStore, UserError


def checkpoints_from(run, step: int) -> list:
    """Checkpoints of `step` or later (a fast run has already rotated the earlier ones away)."""
    return [p for p in run.checkpoints_dir.glob("checkpoint-*") if int(p.name.split("-")[1]) >= step]


def train_steps(run):
    return [e["step"] for e in run.events("train")]


def test_kill_9_then_resume_finishes_and_continues_the_curve(cli, home, tiny_model, chat_file):
    out = cli("train", "--data", str(chat_file), "--model", str(tiny_model), "--max-steps", "60",
              "--batch-size", "2", "--save-steps", "5", "--detach", "--name", "crash")
    run = RunStore(home).get(out.stdout.split()[-1])
    wait_for(lambda: checkpoints_from(run, 10), run=run)  # older ones rotate away (keep 2): any from step 10
    os.killpg(run.status()["pid"], signal.SIGKILL)
    status = wait_for(lambda: run.status()["state"] == "failed" and run.status())
    assert "ended without a final status" in status["error"]
    checkpoint = ftcore.runs.jobs.last_checkpoint(run)
    resumed_at = int(checkpoint.name.split("-")[-1])
    before = train_steps(run)

    out = cli("resume", run.id)
    assert out.returncode == 0, out.stderr
    assert run.status()["state"] == "done" and run.status()["step"] == 60
    after = train_steps(run)[len(before):]
    assert after[0] == resumed_at + 1 and after[-1] == 60  # the step count continues from the checkpoint
    assert after == list(range(resumed_at + 1, 61))
    assert (run.final_dir / "model.safetensors").is_file()
    assert cli("resume", run.id).returncode == 2  # done runs are not resumed


def test_resume_refuses_changed_config_or_missing_checkpoint(cli, home, tiny_model, chat_file):
    out = cli("train", "--data", str(chat_file), "--model", str(tiny_model), "--max-steps", "100000",
              "--batch-size", "2", "--save-steps", "3", "--detach")
    run = RunStore(home).get(out.stdout.split()[-1])
    wait_for(lambda: checkpoints_from(run, 3), run=run)
    assert cli("resume", run.id).returncode == 2  # still running
    stopped = cli("stop", run.id)
    assert stopped.returncode == 0 and "cancelled" in stopped.stdout, (stopped.stdout, stopped.stderr)
    (run.dir / "config.yaml").write_text((run.dir / "config.yaml").read_text() + "\n# edited\n")
    out = cli("resume", run.id)
    assert out.returncode == 2 and "config.yaml changed" in out.stderr, (out.stderr, run.status())

    out = cli("train", "--data", str(chat_file), "--model", str(tiny_model), "--max-steps", "100000",
              "--batch-size", "2", "--detach")
    second = RunStore(home).get(out.stdout.split()[-1])
    wait_for(lambda: second.status().get("step", 0) >= 1, run=second)
    os.killpg(second.status()["pid"], signal.SIGKILL)
    wait_for(lambda: second.status()["state"] == "failed")
    for checkpoint in second.checkpoints_dir.glob("*"):  # the stop may have written one; remove it
        import shutil

        shutil.rmtree(checkpoint)
    out = cli("resume", second.id)
    assert out.returncode == 2 and "no complete checkpoint" in out.stderr, (out.stderr, second.status())


def test_nan_guard_stops_after_tolerance_and_never_saves_a_nan_step(home, tmp_path):
    from transformers import TrainerControl, TrainerState

    from ftcore.train.callbacks import RunCallback, StopFlag

    run = RunStore(home).create(ftcore.apply_overrides(ftcore.RunConfig(name="nan"), ["data.train=a.jsonl"]))
    callback = RunCallback(run, tmp_path, StopFlag(), keep=2, fingerprints={}, nan_tolerance=2)
    state, control = TrainerState(), TrainerControl()
    for step, logs in enumerate([{"loss": 2.0, "grad_norm": 1.0}, {"loss": float("nan"), "grad_norm": 1.0},
                                 {"loss": 1.9, "grad_norm": 1.0}, {"loss": 1.8, "grad_norm": float("inf")}], 1):
        state.global_step = step
        control.should_save = True
        callback.on_log(None, state, control, logs=logs)
        finite = all(v == v and abs(v) != float("inf") for v in logs.values())
        assert control.should_save is finite  # a step with NaN/inf is never checkpointed
        assert not control.should_training_stop and callback.failure is None
    state.global_step = 5
    callback.on_log(None, state, control, logs={"loss": float("nan"), "grad_norm": float("nan")})
    assert control.should_training_stop and "NaN/inf for 2 steps in a row (step 5)" in str(callback.failure)
    assert [e["step"] for e in run.events("train")] == [1, 2, 3, 4, 5]


def test_a_stop_ends_at_its_checkpoint_without_a_validation_pass(home, tmp_path):
    """The flow callback asks for an evaluation at the step or the epoch's end; a stop cancels it (a full pass took
    minutes between the checkpoint and the end of a stopped run)."""
    from transformers import TrainerControl, TrainerState
    from transformers.trainer_callback import DefaultFlowCallback

    from ftcore.train.callbacks import RunCallback, StopFlag

    run = RunStore(home).create(ftcore.apply_overrides(ftcore.RunConfig(name="stop"), ["data.train=a.jsonl"]))
    callback = RunCallback(run, tmp_path, StopFlag(), keep=2, fingerprints={})
    args = type("Args", (), {"eval_strategy": "steps", "eval_steps": 2, "eval_delay": 0, "logging_strategy": "no",
                             "save_strategy": "no", "logging_first_step": False})()
    state, control = TrainerState(), TrainerControl()
    state.global_step, state.max_steps, state.eval_steps = 2, 100, 2
    DefaultFlowCallback().on_step_end(args, state, control)
    assert control.should_evaluate  # this step would evaluate
    run.request_stop()
    callback.on_step_end(args, state, control)  # the Trainer's order: its own flow first, then ours
    assert control.should_training_stop and control.should_save and not control.should_evaluate
    args.eval_strategy = "epoch"
    DefaultFlowCallback().on_epoch_end(args, state, control)
    assert control.should_evaluate  # so would the epoch's end
    callback.on_epoch_end(args, state, control)
    assert not control.should_evaluate


def test_a_training_failure_reaches_the_status_in_both_languages(home, tmp_path):
    from transformers import TrainerControl, TrainerState

    from ftcore.train.callbacks import RunCallback, StopFlag

    run = RunStore(home).create(ftcore.apply_overrides(ftcore.RunConfig(name="nan2"), ["data.train=a.jsonl"]))
    callback = RunCallback(run, tmp_path, StopFlag(), keep=2, fingerprints={}, nan_tolerance=1)
    state, control = TrainerState(), TrainerControl()
    state.global_step = 3
    callback.on_log(None, state, control, logs={"loss": float("nan")})
    run.update_status(state="failed", error=callback.failure)  # what the worker does with the raised error
    error = ftcore.status_error(run.status())
    assert "NaN/inf" in error.text("en") and "连续 1 步为 NaN/inf" in error.text("zh")


def test_packed_batch_matches_separate_sequences(tiny_model):
    from transformers import AutoModelForCausalLM, DataCollatorWithFlattening

    model = AutoModelForCausalLM.from_pretrained(tiny_model)
    model.config.use_cache = False
    model.eval()
    rows = [{"input_ids": list(range(5, 17)), "labels": list(range(5, 17))},
            {"input_ids": list(range(30, 37)), "labels": list(range(30, 37))}]
    batch = DataCollatorWithFlattening(return_position_ids=True, separator_id=-100)(rows)
    with torch.no_grad():
        packed = model(input_ids=batch["input_ids"], position_ids=batch["position_ids"]).logits[0]
        alone = [model(input_ids=torch.tensor([r["input_ids"]])).logits[0] for r in rows]
    assert torch.allclose(packed, torch.cat(alone), atol=1e-5)


def test_packing_and_padding_train_to_the_same_first_loss(cli, home, tiny_model, chat_file):
    losses = {}
    for packing in ("true", "false"):
        out = cli("train", "--data", str(chat_file), "--model", str(tiny_model), "--max-steps", "1",
                  "--batch-size", "4", f"train.packing={packing}", "--name", f"pack-{packing}")
        assert out.returncode == 0, out.stderr
        run = [r for r in RunStore(home).list() if r.id.endswith(f"pack-{packing}")][0]
        losses[packing] = run.events("train")[0]["loss"]
    assert losses["true"] == pytest.approx(losses["false"], rel=1e-4)


def test_freeze_method_trains_only_the_top_layers(cli, home, tiny_model, chat_file):
    out = cli("train", "--data", str(chat_file), "--model", str(tiny_model), "--max-steps", "2",
              "train.method=freeze", "train.freeze_trainable_layers=1", "--lr", "1e-2")
    assert out.returncode == 0, out.stderr
    run = RunStore(home).list()[0]
    (model_event,) = run.events("model")
    assert model_event["trainable"] < model_event["parameters"]
    from safetensors.torch import load_file

    before, after = load_file(tiny_model / "model.safetensors"), load_file(run.final_dir / "model.safetensors")
    assert torch.equal(before["model.layers.0.mlp.up_proj.weight"], after["model.layers.0.mlp.up_proj.weight"])
    assert not torch.equal(before["model.layers.1.mlp.up_proj.weight"], after["model.layers.1.mlp.up_proj.weight"])
    assert json.loads((run.final_dir / "fulltune.json").read_text())["trainable"] == model_event["trainable"]


@pytest.mark.parametrize("override, message", [
    ("train.precision=fp16", "fp16 on the CPU"),
    ("train.optimizer=adalomo", "adalomo (lomo-optim) needs a CUDA GPU"),
    ("train.optimizer=adamw_8bit", "adamw_8bit"),
    ("train.optimizer_in_backward=true train.grad_accum=2", "nothing to accumulate"),
    ("dist.strategy=zero3", "one CPU process: there is nothing to shard"),
    ("dist.strategy=fsdp", "strategy=fsdp needs GPUs"),
    ("--nproc=2 --strategy=zero2 --offload=optimizer", "without a GPU"),
    ("--nproc=64", "at most one rank per core"),
])
def test_unwise_combinations_are_refused_before_a_run_exists(cli, home, tiny_model, chat_file, override, message):
    out = cli("train", "--data", str(chat_file), "--model", str(tiny_model), *override.split())
    assert out.returncode == 2 and message in out.stderr, out.stderr
    assert not home.runs_dir.exists() or not any(home.runs_dir.iterdir())


def test_an_optimizer_without_its_package_names_the_package(monkeypatch):
    real = ftcore.train.compat.importlib.util.find_spec
    monkeypatch.setattr(ftcore.train.compat.importlib.util, "find_spec",
                        lambda name, *a: None if name == "galore_torch" else real(name, *a))
    with pytest.raises(UserError, match="pip install galore-torch"):
        ftcore.train.compat.check_optimizer("galore_adamw")


def test_quantized_checkpoint_is_refused(home, tiny_model, tmp_path):
    import shutil

    folder = tmp_path / "quantized"
    shutil.copytree(tiny_model, folder)
    config = json.loads((folder / "config.json").read_text())
    config["quantization_config"] = {"quant_method": "bitsandbytes", "load_in_8bit": True}
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(UserError, match="adamw_8bit"):
        ftcore.train.compat.check_model_folder(folder)


def test_early_stopping_and_disk_check(home, tmp_path):
    from transformers import TrainerControl, TrainerState

    from ftcore.train.callbacks import RunCallback, StopFlag

    run = RunStore(home).create(ftcore.apply_overrides(ftcore.RunConfig(name="es"), ["data.train=a.jsonl"]))
    callback = RunCallback(run, tmp_path, StopFlag(), keep=2, fingerprints={}, patience=2)
    state, control = TrainerState(), TrainerControl()
    for loss, stops in ((2.0, False), (1.5, False), (1.6, False), (1.5, True)):
        callback.on_evaluate(None, state, control, metrics={"eval_loss": loss})
        assert control.should_training_stop is stops
    assert "Early stopping" in run.events("message")[-1]["text"]

    full = RunCallback(run, tmp_path, StopFlag(), keep=2, fingerprints={}, checkpoint_bytes=10**18)
    control = TrainerControl(should_save=True)
    full.on_step_end(None, state, control)
    assert not control.should_save and control.should_training_stop and "Not enough disk space" in str(full.failure)
