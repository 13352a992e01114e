"""The CLI end to end on a tiny random model: train, files produced, reload, chat, and bad input."""

import json

import yaml

from ftcore import RunStore


def test_train_produces_a_final_model_that_reloads_and_generates(cli, home, tiny_model, chat_file):
    result = cli("train", "--data", str(chat_file), "--val", str(chat_file), "--model", str(tiny_model),
                 "--max-steps", "6", "--batch-size", "4", "--lr", "1e-3", "--save-steps", "3", "--name", "e2e")
    assert result.returncode == 0, result.stderr
    (run_dir,) = home.runs_dir.iterdir()
    assert f"The model is ready: {run_dir / 'final'}" in result.stdout

    config = yaml.safe_load((run_dir / "config.yaml").read_text())
    assert config["name"] == "e2e" and config["train"]["max_steps"] == 6
    assert config["data"]["train"].startswith(str(home.datasets_dir))  # staged inside the workspace
    status = json.loads((run_dir / "status.json").read_text())
    assert status["state"] == "done" and status["step"] == 6 and status["total_steps"] == 6
    assert isinstance(status["pid"], int)

    events = [json.loads(line) for line in (run_dir / "events.jsonl").read_text().splitlines()]
    kinds = [e["type"] for e in events]
    assert kinds.count("train") == 6 and "eval" in kinds and kinds[-1] == "end"
    assert sorted(p.name for p in (run_dir / "checkpoints").iterdir()) == ["checkpoint-3", "checkpoint-6"]
    assert not (run_dir / ".trainer").exists() and not list(run_dir.glob(".final*"))
    plan = json.loads((run_dir / "plan.json").read_text())
    assert plan["predicted"]["total"] > 0 and plan["measured_peak_bytes"] > 0 and plan["predicted_over_measured"]
    data = json.loads((run_dir / "data.json").read_text())
    assert data["train"]["rows"] == 12 and len(data["train"]["sha256"]) == 64

    final = run_dir / "final"
    assert (final / "model.safetensors").is_file() and not list(final.glob("*.bin"))
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(final)
    tokenizer = AutoTokenizer.from_pretrained(final)
    assert tokenizer.chat_template
    ids = tokenizer.apply_chat_template([{"role": "user", "content": "hi"}], add_generation_prompt=True,
                                        return_tensors="pt", return_dict=True)
    out = model.generate(**ids, max_new_tokens=5, do_sample=False)
    assert out.shape[1] > ids["input_ids"].shape[1]

    runs = json.loads(cli("runs", "--json").stdout)
    assert runs[0]["id"] == run_dir.name and runs[0]["state"] == "done"
    assert json.loads(cli("status", run_dir.name, "--json").stdout)["state"] == "done"
    listed = cli("models").stdout
    assert run_dir.name in listed and "smollm2-135m-instruct" in listed
    answer = cli("chat", "--model", run_dir.name, "--max-new-tokens", "8", "Milk?")
    assert answer.returncode == 0 and answer.stdout.strip()


def test_training_lowers_the_loss(cli, home, tiny_model, chat_file):
    result = cli("train", "--data", str(chat_file), "--model", str(tiny_model), "--max-steps", "30",
                 "--batch-size", "4", "--lr", "3e-3", "train.scheduler=constant")
    assert result.returncode == 0, result.stderr
    (run_dir,) = home.runs_dir.iterdir()
    losses = [json.loads(line)["loss"] for line in (run_dir / "events.jsonl").read_text().splitlines()
              if '"type": "train"' in line]
    assert len(losses) == 30 and sum(losses[-5:]) / 5 < 0.8 * sum(losses[:5]) / 5


def test_bad_data_exits_2_with_file_and_line_and_creates_nothing(cli, home, tiny_model, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}\n'
                   '{"messages": [{"role": "user", "content": "no answer"}]}\n{oops\n', encoding="utf-8")
    result = cli("train", "--data", str(bad), "--model", str(tiny_model))
    assert result.returncode == 2
    assert f"{bad}:2: messages: the last turn is 'user', not 'assistant'" in result.stderr
    assert f"{bad}:3: not valid JSON" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not home.runs_dir.exists() or not any(home.runs_dir.iterdir())


def test_unknown_model_names_what_was_tried(cli, home, chat_file):
    result = cli("train", "--data", str(chat_file), "--model", "no-such/model-xyz")
    assert result.returncode == 2
    for tried in ("embedded names (smollm2-135m-instruct)", "a local folder",
                  "the Hub id 'no-such/model-xyz' (not in the local cache and HF_HUB_OFFLINE is set)"):
        assert tried in result.stderr
    result = cli("train", "--data", str(chat_file), "--model", "smollm3")
    assert result.returncode == 2 and f"run ids under {home.runs_dir}" in result.stderr
    assert "Traceback" not in result.stderr
    assert not home.runs_dir.exists() or not any(home.runs_dir.iterdir())


def test_status_of_unknown_run_and_bad_override(cli, home, chat_file):
    result = cli("status", "nope")
    assert result.returncode == 2 and "No run 'nope'" in result.stderr
    result = cli("train", "--data", str(chat_file), "train.batch_size=zero")
    assert result.returncode == 2 and "train.batch_size" in result.stderr


def test_plan_command_fits_and_suggests(cli, tiny_model):
    out = cli("plan", "--model", str(tiny_model), "--json")
    assert out.returncode == 0, out.stderr
    plan = json.loads(out.stdout)
    assert plan["fits"] is None and plan["weights"] > 0 and plan["optimizer"] == 2 * plan["weights"]
    out = cli("plan", "--model", str(tiny_model), "--batch-size", "64", "--max-length", "1024", "--gpu-mem", "0.6")
    assert out.returncode == 0 and "does NOT fit" in out.stdout and "fits with:" in out.stdout


def test_train_from_a_preset_then_flags(cli, home, tiny_model, chat_file):
    out = cli("train", "--preset", "quick-cpu", "--data", str(chat_file), "--model", str(tiny_model),
              "--max-steps", "2", "train.logging_steps=1")
    assert out.returncode == 0, out.stderr
    run = RunStore(home).list()[0]
    config = run.config()
    assert config.train.scheduler == "constant" and config.data.max_length == 256  # from the preset
    assert config.train.max_steps == 2 and run.status()["state"] == "done"  # flags on top
    assert "quick-cpu" in cli("presets").stdout
    assert cli("train", "--preset", "nope", "--data", str(chat_file)).returncode == 2
