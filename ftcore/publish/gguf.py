"""GGUF export of a saved model for llama.cpp and Ollama, written with the `gguf` package (llama.cpp's own Python
writer, tensor-name map and quantizers), and an Ollama Modelfile beside it.

Llama-family models (Llama, Mistral) and Qwen2 with a byte-level BPE tokenizer are supported; anything else is
refused with the reason. Weights go out as f16 (norms in f32, as llama.cpp keeps them) or q8_0; attention q/k
rows are permuted to llama.cpp's rotary layout for the llama architecture (transformers undoes it when it reads
the file). The file is written aside and renamed into place.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ftcore.errors import UserError

ARCHITECTURES = {"LlamaForCausalLM": "llama", "MistralForCausalLM": "llama", "Qwen2ForCausalLM": "qwen2"}
QUANTS = ("f16", "q8_0")
BYTE_LEVEL = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}


def _permute(weights, n_head: int, n_head_kv: int | None = None):
    """HF's rotary halves -> llama.cpp's interleaved pairs, per head (the layout of llama.cpp's converter)."""
    if n_head_kv is not None and n_head != n_head_kv:
        n_head = n_head_kv
    return (weights.reshape(n_head, 2, weights.shape[0] // n_head // 2, *weights.shape[1:])
            .swapaxes(1, 2).reshape(weights.shape))


def supported(folder: Path) -> str:
    """The GGUF architecture of a saved model, or a UserError saying why it cannot be exported."""
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    arch = (config.get("architectures") or ["?"])[0]
    if arch not in ARCHITECTURES:
        raise UserError("gguf.unsupported", arch=arch, supported=", ".join(sorted(ARCHITECTURES)))
    return ARCHITECTURES[arch]


def export_gguf(folder: str | Path, out: str | Path, quant: str = "f16", progress=None) -> dict:
    """Write `out` (.gguf) from the safetensors model in `folder`; returns what was written (size, tensors,
    quantization, tokenizer pre-tokenizer) for the caller to report."""
    import gguf
    import numpy as np
    import torch
    from safetensors import safe_open
    from transformers import AutoTokenizer

    folder, out = Path(folder), Path(out)
    if quant not in QUANTS:
        raise UserError("gguf.quant", quant=quant, choices=", ".join(QUANTS))
    arch_name = supported(folder)
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    tokenizer = AutoTokenizer.from_pretrained(folder)
    spec = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8")) if (folder / "tokenizer.json").is_file() \
        else {}
    if spec.get("model", {}).get("type") != "BPE":
        raise UserError("gguf.tokenizer", kind=spec.get("model", {}).get("type", "not a fast tokenizer"))
    arch = {"llama": gguf.MODEL_ARCH.LLAMA, "qwen2": gguf.MODEL_ARCH.QWEN2}[arch_name]
    layers, heads = config["num_hidden_layers"], config["num_attention_heads"]
    kv_heads = config.get("num_key_value_heads") or heads
    head_dim = config.get("head_dim") or config["hidden_size"] // heads
    vocab_size = config["vocab_size"]

    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.with_name(f".{out.name}.partial-{os.getpid()}")
    writer = gguf.GGUFWriter(str(staging), gguf.MODEL_ARCH_NAMES[arch])
    try:
        writer.add_name(folder.parent.name if folder.name == "final" else folder.name)
        writer.add_context_length(config.get("max_position_embeddings", 2048))
        writer.add_embedding_length(config["hidden_size"])
        writer.add_block_count(layers)
        writer.add_feed_forward_length(config["intermediate_size"])
        writer.add_head_count(heads)
        writer.add_head_count_kv(kv_heads)
        writer.add_rope_dimension_count(head_dim)
        writer.add_rope_freq_base(float(config.get("rope_theta") or (config.get("rope_parameters") or {}).get(
            "rope_theta", 10000.0)))
        writer.add_layer_norm_rms_eps(float(config.get("rms_norm_eps", 1e-6)))
        writer.add_vocab_size(vocab_size)
        writer.add_file_type(gguf.LlamaFileType.MOSTLY_F16 if quant == "f16" else gguf.LlamaFileType.MOSTLY_Q8_0)
        pre = _pre_tokenizer(spec, folder)
        _add_vocabulary(writer, tokenizer, spec, vocab_size, pre, folder)

        tmap = gguf.get_tensor_name_map(arch, layers)
        names = []
        files = sorted(folder.glob("*.safetensors"))
        keys = [(path, key) for path in files for key in safe_open(str(path), framework="pt").keys()]
        for done, (path, key) in enumerate(keys, 1):
            with safe_open(str(path), framework="pt") as f:
                tensor = f.get_tensor(key).to(torch.float32)
            if key.endswith("rotary_emb.inv_freq"):
                continue
            name = tmap.get_name(key, try_suffixes=(".weight", ".bias"))
            if name is None:
                raise UserError("gguf.tensor", tensor=key, arch=arch_name)
            if arch_name == "llama" and key.endswith(("q_proj.weight", "q_proj.bias")):
                tensor = _permute(tensor, heads, heads)
            elif arch_name == "llama" and key.endswith(("k_proj.weight", "k_proj.bias")):
                tensor = _permute(tensor, heads, kv_heads)
            data = tensor.numpy()
            if data.ndim <= 1 or name.endswith("_norm.weight"):
                writer.add_tensor(name, data.astype(np.float32))
            elif quant == "q8_0" and data.shape[-1] % 32 == 0:
                q = gguf.GGMLQuantizationType.Q8_0
                writer.add_tensor(name, gguf.quants.quantize(data, q), raw_dtype=q)
            else:
                writer.add_tensor(name, data.astype(np.float16))
            names.append(name)
            if progress:
                progress(done, len(keys))
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
        writer.close()
        os.replace(staging, out)
    finally:
        staging.unlink(missing_ok=True)
    return {"path": str(out), "bytes": out.stat().st_size, "quant": quant, "architecture": arch_name,
            "tensors": len(names), "pre_tokenizer": pre}


def _pre_tokenizer(spec: dict, folder: Path) -> str | None:
    """llama.cpp's name for the tokenizer's pre-tokenizer where it is one llama.cpp knows, else None (llama.cpp
    then falls back to its default and says so)."""
    meta = folder / "fulltune.json"
    base = json.loads(meta.read_text(encoding="utf-8")).get("base_model", "") if meta.is_file() else ""
    source = folder / "fulltune_source.json"
    if "smollm" in (base + (source.read_text(encoding="utf-8") if source.is_file() else "")).lower():
        return "smollm"
    return "gpt2" if spec.get("pre_tokenizer") == BYTE_LEVEL else None


def _add_vocabulary(writer, tokenizer, spec: dict, vocab_size: int, pre: str | None, folder: Path) -> None:
    import gguf

    reverse = {i: t for t, i in tokenizer.get_vocab().items()}
    added = tokenizer.added_tokens_decoder
    tokens, types = [], []
    for i in range(vocab_size):
        if i not in reverse:
            tokens.append(f"[PAD{i}]")
            types.append(gguf.TokenType.UNUSED)
        elif i in added:
            tokens.append(added[i].content)
            types.append(gguf.TokenType.CONTROL if added[i].special else gguf.TokenType.USER_DEFINED)
        else:
            tokens.append(reverse[i])
            types.append(gguf.TokenType.NORMAL)
    writer.add_tokenizer_model("gpt2")
    if pre:
        writer.add_tokenizer_pre(pre)
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    merges = spec.get("model", {}).get("merges", [])
    writer.add_token_merges([" ".join(m) if isinstance(m, list) else m for m in merges])
    special = gguf.SpecialVocab(str(folder), load_merges=False, n_vocab=len(tokens))
    special.add_to_gguf(writer)
    if tokenizer.chat_template and not special.chat_template:
        writer.add_chat_template(tokenizer.chat_template)


def modelfile(folder: str | Path, gguf_name: str) -> str:
    """An Ollama Modelfile for the exported file: Ollama reads the chat template from the GGUF; the stop tokens
    (the end-of-turn and end-of-text tokens the chat template uses) are named so generation ends where it should."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    template = tokenizer.chat_template or ""
    stops = [t for t in dict.fromkeys([tokenizer.eos_token, *tokenizer.all_special_tokens])
             if t and t in template or t == tokenizer.eos_token]
    lines = [f"FROM ./{gguf_name}"]
    if "<|im_start|>" in template:  # ChatML, as Ollama's own templates write it
        lines.append('TEMPLATE """{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n'
                     '{{ end }}<|im_start|>assistant\n"""')
    lines += [f'PARAMETER stop "{s}"' for s in stops]
    return "\n".join(lines) + "\n"
