"""GGUF export round trips: the file transformers reads back gives the same tokens and next-token logits as the
safetensors model (f16 within 1e-2, q8_0 within 5e-2, top-1 everywhere), the CLI writes the file and an Ollama
Modelfile for a finished run, and unsupported architectures are refused with the reason."""

import json

import pytest
import torch
from conftest import run_cli
from transformers import AutoModelForCausalLM, AutoTokenizer

from ftcore import RunStore, UserError
from ftcore.publish.gguf import export_gguf, modelfile, supported

PROMPTS = ["How hot should the milk be for a flat white?", "合同类型：买卖合同\n法律风险评级：", "Espresso ratio?"]


@pytest.mark.parametrize(("quant", "tolerance"), [("f16", 1e-2), ("q8_0", 5e-2)])
def test_gguf_reads_back_with_the_same_tokens_and_logits(tiny_model, tmp_path, quant, tolerance):
    out = tmp_path / f"model.{quant}.gguf"
    result = export_gguf(tiny_model, out, quant)
    assert out.is_file() and result["bytes"] == out.stat().st_size and not list(tmp_path.glob(".*partial*"))
    ours = AutoModelForCausalLM.from_pretrained(tiny_model, dtype=torch.float32).eval()
    back = AutoModelForCausalLM.from_pretrained(tmp_path, gguf_file=out.name, dtype=torch.float32).eval()
    tokenizer, reread = AutoTokenizer.from_pretrained(tiny_model), AutoTokenizer.from_pretrained(tmp_path, gguf_file=out.name)
    assert reread.chat_template == tokenizer.chat_template
    for prompt in PROMPTS:
        ids = tokenizer(prompt, return_tensors="pt")["input_ids"]
        assert torch.equal(ids, reread(prompt, return_tensors="pt")["input_ids"])
        with torch.no_grad():
            a, b = ours(ids).logits, back(ids).logits
        assert (a - b).abs().max() < tolerance
        assert torch.equal(a.argmax(-1), b.argmax(-1))


def test_q8_0_is_smaller_than_f16(tiny_model, tmp_path):
    f16 = export_gguf(tiny_model, tmp_path / "a.gguf", "f16")["bytes"]
    q8 = export_gguf(tiny_model, tmp_path / "b.gguf", "q8_0")["bytes"]
    assert q8 < 0.7 * f16


def test_unsupported_architectures_are_refused(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"architectures": ["GPT2LMHeadModel"]}))
    with pytest.raises(UserError) as err:
        supported(tmp_path)
    assert err.value.key == "gguf.unsupported" and "LlamaForCausalLM" in str(err.value)


def test_cli_exports_a_run_with_an_ollama_modelfile(cli, home, tiny_model, chat_file, tmp_path):
    assert cli("train", "--data", str(chat_file), "--model", str(tiny_model), "--max-steps", "2").returncode == 0
    run = RunStore(home).list()[0]
    out = run_cli("export", run.id, "--format", "gguf", "--quant", "q8_0", "--out", str(tmp_path / "gguf"),
                  env_home=home)
    assert out.returncode == 0, out.stderr
    target = tmp_path / "gguf" / f"{run.id}.q8_0.gguf"
    assert target.is_file() and "ollama create" in out.stdout and "100% of" in out.stderr
    text = (tmp_path / "gguf" / "Modelfile").read_text()
    assert text.startswith(f"FROM ./{target.name}") and 'PARAMETER stop "<|im_end|>"' in text
    assert "<|im_start|>{{ .Role }}" in text
    again = run_cli("export", run.id, "--format", "gguf", "--out", str(tmp_path / "gguf"), env_home=home)
    assert again.returncode == 2  # nothing overwritten
    assert modelfile(run.final_dir, "x.gguf").startswith("FROM ./x.gguf")
