"""GGUF export of the embedded model (SmolLM2-135M-Instruct, as a run's final/ would hold it) read back by
transformers: next-token logits at the end of 200 chat prompts (the built-in probe suites' questions, EN and ZH)
against the safetensors model, for f16 and q8_0; max absolute logit difference, mean of the per-prompt max,
top-1 agreement, file size and export time. llama-cpp-python is not used (it builds llama.cpp from source here).

    .venv/bin/python bench/gguf_roundtrip.py [--prompts 200] [--no-record]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _results import record  # noqa: E402

from ftcore import Settings, ensure_embedded  # noqa: E402
from ftcore.eval.probes import builtin  # noqa: E402
from ftcore.publish.gguf import export_gguf  # noqa: E402

MODEL = "smollm2-135m-instruct"


def prompts(n: int) -> list[str]:
    out = []
    for name in ("general_en", "general_zh", "arithmetic", "instruction", "kl", "poems"):
        suite = builtin(name)
        out += [item.get("question") or item.get("prompt") for item in suite.items]
    return out[:n]


def main() -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=200)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    settings = Settings(home=Path(os.environ.get("FTCORE_HOME") or tempfile.mkdtemp(prefix="ftbench-"))).ensure()
    folder = ensure_embedded(MODEL, settings)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    texts = [tokenizer.apply_chat_template([{"role": "user", "content": p}], tokenize=False,
                                           add_generation_prompt=True) for p in prompts(args.prompts)]
    reference = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
    safetensors_mb = sum(p.stat().st_size for p in folder.glob("*.safetensors")) / 2**20
    rows, cells = [], []
    with tempfile.TemporaryDirectory(prefix="ftbench-gguf-") as tmp, torch.inference_mode():
        want = [reference(**tokenizer(t, return_tensors="pt")).logits[0, -1] for t in texts]
        for quant in ("f16", "q8_0"):
            began = time.perf_counter()
            result = export_gguf(folder, Path(tmp) / f"{quant}.gguf", quant)
            seconds = time.perf_counter() - began
            back = AutoModelForCausalLM.from_pretrained(tmp, gguf_file=f"{quant}.gguf", dtype=torch.float32).eval()
            reread = AutoTokenizer.from_pretrained(tmp, gguf_file=f"{quant}.gguf")
            same_ids = diffs = agree = 0
            per_prompt = []
            for text, a in zip(texts, want, strict=True):
                ids = tokenizer(text, return_tensors="pt")
                same_ids += reread(text, return_tensors="pt")["input_ids"].tolist() == ids["input_ids"].tolist()
                b = back(**ids).logits[0, -1]
                gap = float((a - b).abs().max())
                per_prompt.append(gap)
                diffs = max(diffs, gap)
                agree += int(a.argmax() == b.argmax())
            n = len(texts)
            rows.append((quant, result["bytes"] / 2**20, seconds, diffs, statistics.mean(per_prompt), agree / n,
                         same_ids / n))
            cells.append(f"{quant}: {result['bytes'] / 2**20:.0f} MiB, max logit diff {diffs:.3f}, top-1 "
                         f"{agree}/{n}, same token ids {same_ids}/{n}")
            del back
    print(f"\nSmolLM2-135M-Instruct, {len(texts)} chat prompts, next-token logits vs the safetensors model "
          f"({safetensors_mb:.0f} MiB fp32)")
    print(f"{'quant':<6}{'MiB':>8}{'export s':>10}{'max |dlogit|':>14}{'mean max':>10}{'top-1':>8}{'same ids':>10}")
    for quant, mib, seconds, worst, mean, top1, ids in rows:
        print(f"{quant:<6}{mib:>8.1f}{seconds:>10.1f}{worst:>14.4f}{mean:>10.4f}{top1:>8.1%}{ids:>10.1%}")
    if not args.no_record:
        record(f"gguf_roundtrip --prompts {len(texts)}", "; ".join(cells), f"fp32 safetensors {safetensors_mb:.0f} MiB")


if __name__ == "__main__":
    main()
