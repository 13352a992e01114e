"""Building blocks of bench/gpu_check.py: the model, the engine's packed batches, timed training steps, the
packing check, FLOPs and peaks, the planner loaded without ftcore's __init__, a memory cap and a deadline."""

from __future__ import annotations

import importlib
import re
import signal
import subprocess
import sys
import time
import types
from contextlib import contextmanager, nullcontext
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
GiB = 2**30
# Dense bf16 peak (no sparsity) by device name, most specific first.
PEAK_TFLOPS = (("H200 NVL", 835.0), ("H100 NVL", 835.0), ("H100 PCIe", 756.0), ("H200", 989.0), ("H100", 989.0),
               ("A100", 312.0))
BLOCKED = ("datasets", "yaml", "gguf", "evaluate", "peft", "gradio")  # ftcore needs; a GPU image may lack them


class OutOfBudget(Exception):
    pass


@contextmanager
def deadline(seconds: float):
    def stop(signum, frame):
        raise OutOfBudget("the --budget-s ran out")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(max(1, int(seconds)))
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def load_planner() -> types.ModuleType:
    """ftcore.plan.memory (with config/schema.py, errors.py, messages, data/formats.py) without ftcore's
    __init__: bare package modules are registered first. The __init__ re-exports the whole engine; its heavy imports (datasets, gguf, evaluate,
    gradio) are lazy today, but one added at top level would break this check on a GPU image. yaml, which
    config.py imports for file I/O the planner never does, is stubbed while loading if it is missing."""
    for name, folder in (("ftcore", ROOT / "ftcore"), ("ftcore.data", ROOT / "ftcore" / "data")):
        if name not in sys.modules:
            module = types.ModuleType(name)
            module.__path__ = [str(folder)]
            sys.modules[name] = module
    stub = None
    try:
        import yaml  # noqa: F401  (config.py needs it only to read and write YAML files)
    except ImportError:
        stub = sys.modules["yaml"] = types.ModuleType("yaml")
    try:
        return importlib.import_module("ftcore.plan.memory")
    finally:
        if stub is not None and sys.modules.get("yaml") is stub:
            del sys.modules["yaml"]


def planner_import_isolated() -> dict:
    """Load the planner in a subprocess where the modules of BLOCKED cannot be imported, as on a GPU image."""
    code = f"""
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {BLOCKED!r}:
            raise ModuleNotFoundError(f"blocked: {{name}}", name=name)
sys.meta_path.insert(0, Block())
sys.path.insert(0, {str(ROOT / "bench")!r})
import _gpu
plan = _gpu.load_planner()
p = plan.plan_from_config(dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, intermediate_size=128,
                               vocab_size=256), precision="bf16", device_memory_gb=80.0)
leaked = sorted(m for m in sys.modules if m.split(".")[0] in {BLOCKED!r})
print(f"{{plan.estimate(p).total / 2**30:.3f}} GiB; leaked: {{leaked}}")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    if out.returncode or "leaked: []" not in out.stdout:
        raise RuntimeError(f"planner import with {', '.join(BLOCKED)} blocked failed:\n"
                           f"{out.stdout}{out.stderr[-2000:]}")
    print(f"ftcore.plan.memory loaded without ftcore/__init__.py: {out.stdout.strip()}")
    return {"output": out.stdout.strip()}


def llama_config(shape: str, max_length: int):
    from transformers import LlamaConfig

    h, layers, heads, kv, inter, vocab = (int(x) for x in shape.split(","))
    return LlamaConfig(hidden_size=h, num_hidden_layers=layers, num_attention_heads=heads, num_key_value_heads=kv,
                       intermediate_size=inter, vocab_size=vocab, max_position_embeddings=max(2048, max_length),
                       use_cache=False)  # packed documents stay apart only without a cache


def build(config, device: torch.device, dtype: torch.dtype, attn: str = "sdpa"):
    """Random weights initialised directly on the device (no CPU copy, no download)."""
    from transformers import AutoModelForCausalLM

    torch.manual_seed(0)
    with torch.device(device):
        model = AutoModelForCausalLM.from_config(config, dtype=dtype, attn_implementation=attn)
    model.config.use_cache = False
    return model.train()


def packed_batch(docs: list[list[int]], device: torch.device, boundaries: bool = False) -> dict:
    """The engine's collator: one row, position_ids restarting per document, -100 at each document's first label;
    with `boundaries` also the documents' offsets (cu_seq_lens_*, max_length_*), as the engine asks for them when
    it attends document by document (ftcore.train.arguments.collator)."""
    from transformers import DataCollatorWithFlattening

    batch = DataCollatorWithFlattening(return_position_ids=True, separator_id=-100,
                                       return_flash_attn_kwargs=boundaries)(
        [{"input_ids": d, "labels": d} for d in docs])
    return {k: v.to(device) if isinstance(v, torch.Tensor) else v for k, v in batch.items()}


def random_docs(count: int, length: int, vocab: int, seed: int = 0) -> list[list[int]]:
    return torch.randint(0, vocab, (count, length), generator=torch.Generator().manual_seed(seed)).tolist()


def varied_docs(total: int, longest: int, vocab: int, seed: int = 0) -> list[list[int]]:
    """Documents of lengths drawn from [longest/8, longest] that fill `total` tokens (the last one shorter)."""
    g, docs, left = torch.Generator().manual_seed(seed), [], total
    while left >= 2:
        n = min(left, int(torch.randint(max(2, longest // 8), longest + 1, (1,), generator=g)))
        docs.append(torch.randint(0, vocab, (n,), generator=g).tolist())
        left -= n
    return docs


def autocast(device: torch.device, on: bool = True):
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16) if on else nullcontext()


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def train_steps(model, optimizer, batch: dict, steps: int, device, mixed: bool, micro: int = 1) -> tuple[list, list]:
    """Seconds and last loss per optimizer step (micro accumulated micro-batches each), as the HF Trainer steps."""
    times, losses = [], []
    for _ in range(steps):
        sync(device)
        start = time.perf_counter()
        for _ in range(micro):
            with autocast(device, mixed):
                loss = model(**batch).loss
            (loss / micro).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        sync(device)
        times.append(time.perf_counter() - start)
        losses.append(loss.detach().item())
    return times, losses


def step_parts(model, optimizer, parts: list[tuple[dict, float]], steps: int, device, mixed: bool) -> list[float]:
    """Seconds per optimizer step whose loss is sum(weight x loss(batch)) over `parts`, one backward each (one
    packed row, or each document on its own)."""
    times = []
    for _ in range(steps):
        sync(device)
        start = time.perf_counter()
        forward_backward(model, parts, mixed)
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        sync(device)
        times.append(time.perf_counter() - start)
    return times


def forward_backward(model, parts: list[tuple[dict, float]], mixed: bool) -> float:
    total = 0.0
    for batch, weight in parts:
        with autocast(batch["input_ids"].device, mixed):
            loss = model(**batch).loss * weight
        loss.backward()
        total += loss.detach().item()
    return total


def loss_and_grads(model, parts: list[tuple[dict, float]], mixed: bool) -> tuple[float, list[torch.Tensor]]:
    model.zero_grad(set_to_none=True)
    loss = forward_backward(model, parts, mixed)
    grads = [p.grad.detach().float().clone() for p in model.parameters()]
    model.zero_grad(set_to_none=True)
    return loss, grads


def relative_gap(grads: list[torch.Tensor], reference: list[torch.Tensor]) -> float:
    """||g - ref|| / ||ref|| over all parameters together."""
    num = sum(float((g - r).double().pow(2).sum()) for g, r in zip(grads, reference, strict=True))
    den = sum(float(r.double().pow(2).sum()) for r in reference)
    return (num / den) ** 0.5 if den else float("inf")


def matmul_ceiling(device: torch.device, n: int | None = None, repeats: int = 30) -> dict:
    """The device's practical matrix-product ceiling: TFLOP/s of an n x n x n product (bf16 on a GPU, fp32 on
    the CPU), the mean of `repeats` after warm-ups, on random data."""
    cuda = device.type == "cuda"
    n = n or (8192 if cuda else 512)
    dtype = torch.bfloat16 if cuda else torch.float32
    g = torch.Generator(device=device).manual_seed(0)
    a = torch.randn(n, n, device=device, dtype=dtype, generator=g)
    b = torch.randn(n, n, device=device, dtype=dtype, generator=g)
    for _ in range(10 if cuda else 2):
        a @ b
    sync(device)
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    sync(device)
    seconds = (time.perf_counter() - start) / repeats
    return {"tflops": 2.0 * n**3 / seconds / 1e12, "n": n, "dtype": str(dtype).removeprefix("torch."),
            "repeats": repeats}


def packing_check(model, batch: dict, length: int, vocab: int, device) -> float:
    """Relative change of the last document's logits when only the first document changes: 0 when packed documents
    stay apart (mixing moves them by ~1). Same shape and grad mode as training, so nothing recompiles."""
    other = batch["input_ids"].clone()
    other[0, :length] = torch.randint(0, vocab, (length,), generator=torch.Generator().manual_seed(1)).to(device)
    last = []
    for ids in (batch["input_ids"], other):
        with autocast(device):
            last.append(model(input_ids=ids, position_ids=batch["position_ids"]).logits[0, -length:].float().detach())
    return float((last[0] - last[1]).norm() / last[0].norm())


def peak_tflops(override: float | None, device: torch.device) -> tuple[float | None, str]:
    if override:
        return override, "--peak-tflops"
    if device.type != "cuda":
        return None, "CPU: no peak"
    name = torch.cuda.get_device_name(0)
    for key, value in PEAK_TFLOPS:
        if key in name:
            return value, f"dense bf16 peak of {key}"
    return None, f"unknown device {name!r}: pass --peak-tflops"


def step_flops(model, config, docs: list[list[int]]) -> float:
    """6 x matmul parameters x tokens (the input embedding is a lookup, not a matmul) + causal attention per
    document: 3 passes x 2 matmuls x 2 FLOPs x L^2/2 x heads*head_dim per layer."""
    params = sum(p.numel() for p in model.parameters()) - model.get_input_embeddings().weight.numel()
    tokens = sum(len(d) for d in docs)
    width = config.num_attention_heads * config.head_dim
    return 6.0 * params * tokens + 6.0 * config.num_hidden_layers * width * sum(len(d) ** 2 for d in docs)


def liger_missing() -> str | None:
    try:
        from liger_kernel.transformers import apply_liger_kernel_to_llama  # noqa: F401
    except ModuleNotFoundError as exc:
        if (exc.name or "").startswith("liger_kernel"):
            return "not available (wheel not carried)"
        return f"not available ({exc})"
    except Exception as exc:  # triton without a GPU, a transformers version it does not know
        return f"not available ({type(exc).__name__}: {exc})"
    return None


def compile_model(model, args) -> None:
    for name in ("recompile_limit", "cache_size_limit"):  # regional: one graph for all layers, keep headroom
        if hasattr(torch._dynamo.config, name):
            setattr(torch._dynamo.config, name, max(64, getattr(torch._dynamo.config, name)))
    if args.compile_mode == "full":
        model.compile(backend=args.compile_backend)
    else:
        for layer in model.model.layers:
            layer.compile(backend=args.compile_backend)


def low_memory_preset() -> dict:
    """The knobs of ftcore/config/presets/low-memory.yaml (flat `key: value` lines, read without yaml)."""
    text = (ROOT / "ftcore" / "config" / "presets" / "low-memory.yaml").read_text(encoding="utf-8")
    raw = dict(re.findall(r"^\s+(\w+):\s*(\S+)", text, flags=re.M))
    return {"batch_size": int(raw["batch_size"]), "grad_accum": int(raw["grad_accum"]),
            "gradient_checkpointing": raw["gradient_checkpointing"] == "true", "optimizer": raw["optimizer"],
            "optimizer_in_backward": raw.get("optimizer_in_backward") == "true", "max_length": int(raw["max_length"])}


def cap_memory(fit_gib: float) -> str:
    """Cap torch's allocator so that allocator + CUDA context fit a card of fit_gib (as torch counts total memory)."""
    free, total = torch.cuda.mem_get_info()
    outside = total - free - torch.cuda.memory_reserved()  # CUDA context, cuBLAS workspace, other processes
    limit = fit_gib * GiB - outside
    if limit >= total:
        return f"no cap: the card has {total / GiB:.1f} GiB"
    torch.cuda.set_per_process_memory_fraction(limit / total)
    return f"allocator capped at {limit / GiB:.2f} GiB ({fit_gib} GiB card less {outside / GiB:.2f} GiB outside torch)"


def mfu(tflops: float, peak: float | None, ceiling: float | None) -> dict:
    """MFU against the dense peak (the datasheet's) and against the measured matmul ceiling (what this device
    reaches on one large product): the first is the usual MFU, the second how close it is to the attainable."""
    return {"mfu": tflops / peak if peak else None, "mfu_ceiling": tflops / ceiling if ceiling else None}


def mfu_text(out: dict) -> str:
    parts = [f"MFU {out['mfu']:.1%} of dense peak" if out.get("mfu") is not None else "",
             f"{out['mfu_ceiling']:.1%} of the measured ceiling" if out.get("mfu_ceiling") is not None else ""]
    text = ", ".join(p for p in parts if p)
    return f", {text}" if text else ""


def real_ftcore() -> None:
    """Drop the bare `ftcore` and `ftcore.data` modules that load_planner registered, so that the next import
    runs the real package __init__ (the product and varlen sections use the public API). Submodules already
    loaded (ftcore.plan.memory, ftcore.config.schema...) come from the same files and stay."""
    for name in ("ftcore.data", "ftcore"):
        module = sys.modules.get(name)
        if module is not None and getattr(module, "__file__", None) is None:
            del sys.modules[name]
