"""Slow: the real embedded model (SmolLM2-135M-Instruct from its GGUF package) converts, trains and answers."""

import json

import pytest
from conftest import run_cli

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("embedded")]  # one conversion


def test_conversion_is_a_safetensors_checkpoint_that_answers(embedded_home):
    folder = embedded_home.models_dir / "smollm2-135m-instruct"
    assert (folder / "model.safetensors").is_file() and (folder / "chat_template.jinja").is_file()
    assert not list(embedded_home.models_dir.glob(".*partial*"))
    answer = run_cli("chat", "--max-new-tokens", "12", "What is the capital of France?", env_home=embedded_home)
    assert answer.returncode == 0, answer.stderr
    assert "Paris" in answer.stdout


def test_a_few_full_fine_tuning_steps_on_the_barista_demo(embedded_home):
    from ftcore import DEMOS

    result = run_cli("train", "--data", str(DEMOS["barista"].path), "--max-steps", "3", "--batch-size", "2",
                     "--max-length", "192", "--lr", "2e-5", "--name", "embedded-smoke", env_home=embedded_home,
                     timeout=900)
    assert result.returncode == 0, result.stderr
    (run_dir,) = [p for p in embedded_home.runs_dir.iterdir() if p.name.endswith("embedded-smoke")]
    losses = [json.loads(line)["loss"] for line in (run_dir / "events.jsonl").read_text().splitlines()
              if '"type": "train"' in line]
    assert len(losses) == 3 and all(0 < loss < 10 for loss in losses)
    meta = json.loads((run_dir / "final" / "fulltune.json").read_text())
    assert meta["base_model"] == "smollm2-135m-instruct"
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(run_dir / "final")
    assert sum(p.numel() for p in model.parameters()) == 134_515_008
    answer = run_cli("chat", "--model", run_dir.name, "--max-new-tokens", "20", "How do I steam milk for a latte?",
                     env_home=embedded_home)
    assert answer.returncode == 0 and len(answer.stdout.split()) >= 3
