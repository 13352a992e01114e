"""Attention for padding-free packed rows: each document attends only to itself, never through one T x T mask.

transformers' sdpa path masks a packed row as one block-diagonal T x T matrix and computes every block (on a GPU
that also rules out the flash kernel). Here, with the collator's document offsets (cu_seq_lens):
- on a GPU with `flash-attn` installed, the model uses transformers' own FlashAttention-2 varlen path;
- on a GPU without it, PyTorch's varlen attention (torch.nn.attention.varlen, one flash kernel for the whole
  row, grouped-query heads included);
- elsewhere (the CPU, or a PyTorch without varlen), causal scaled_dot_product_attention document by document.
q, k and v run in the autocast dtype, and the offsets reach the host once per step, not once per layer.
Registered with transformers' attention and mask interfaces, so anything without the packed boundaries
(evaluation with padding, generation) takes the plain sdpa path with its usual mask.
"""

from __future__ import annotations

import importlib.util
import inspect
import weakref
from functools import lru_cache

import torch
import torch.nn.functional as F
from transformers import AttentionInterface
from transformers.integrations.sdpa_attention import sdpa_attention_forward
from transformers.masking_utils import ALL_MASK_ATTENTION_FUNCTIONS, sdpa_mask

NAME = "sdpa_packed"
_bounds: dict[str, object] = {"ref": None, "list": []}


def _host_bounds(cu_seq_lens) -> list[int]:
    """The documents' offsets as Python ints, copied once per step: every layer (and a checkpointed layer's
    recomputation) gets the same tensor object; a weak reference tells a new step's tensor from it."""
    ref = _bounds["ref"]
    if ref is None or ref() is not cu_seq_lens:
        _bounds["ref"], _bounds["list"] = weakref.ref(cu_seq_lens), cu_seq_lens.tolist()
    return _bounds["list"]


def _compute_dtype(query):
    kind = query.device.type
    if torch.is_autocast_enabled(kind):
        return torch.get_autocast_dtype(kind)
    return query.dtype


def varlen_available(device_type: str) -> bool:
    return device_type == "cuda" and _varlen_parameters() is not None


@lru_cache(maxsize=1)
def _varlen_parameters() -> frozenset[str] | None:
    """The keyword arguments this PyTorch's varlen_attn takes (they changed between releases), or None."""
    try:
        from torch.nn.attention.varlen import varlen_attn
    except ImportError:
        return None
    return frozenset(inspect.signature(varlen_attn).parameters)


def kernel(name: str | None, device_type: str, precision: str) -> str:
    """Which kernel packed rows run through, for the run's events and the GPU check."""
    if name == "flash_attention_2":
        return "FlashAttention-2 varlen"
    if name != NAME:
        return "the model's own attention (block-diagonal mask)"
    if varlen_available(device_type) and precision in ("bf16", "fp16"):
        return "torch varlen_attn"
    return "scaled_dot_product_attention per document"


def _bounds_from_positions(position_ids) -> torch.Tensor | None:
    """Document offsets of a packed row from its position ids (each document restarts at 0)."""
    if position_ids is None or position_ids.shape[0] != 1:
        return None
    starts = (position_ids[0] == 0).nonzero().flatten()
    if starts.numel() <= 1:
        return None
    return torch.cat([starts, torch.tensor([position_ids.shape[1]], device=starts.device)])


def packed_sdpa(module, query, key, value, attention_mask, dropout: float = 0.0, scaling=None, cu_seq_lens_q=None,
                max_length_q=None, **kwargs):
    """query (1, heads, T, dim), key/value (1, kv_heads, T, dim) of one packed row; cu_seq_lens_q the
    documents' start offsets and T. Returns (1, T, heads, dim), as transformers' attention functions do."""
    if cu_seq_lens_q is None and attention_mask is None:  # packed without the collator's offsets: find them
        cu_seq_lens_q = _bounds_from_positions(kwargs.get("position_ids"))
    if cu_seq_lens_q is None or query.shape[0] != 1 or dropout or kwargs.get("output_attentions"):
        return sdpa_attention_forward(module, query, key, value, attention_mask, dropout=dropout, scaling=scaling,
                                      **kwargs)
    dtype = _compute_dtype(query)
    query, key, value = (t.to(dtype) for t in (query, key, value))
    gqa = key.shape[1] != query.shape[1]
    if varlen_available(query.device.type) and dtype in (torch.bfloat16, torch.float16):
        from torch.nn.attention.varlen import varlen_attn

        cu = cu_seq_lens_q.to(device=query.device, dtype=torch.int32)
        longest = int(max_length_q) if max_length_q is not None else query.shape[2]
        accepted = _varlen_parameters()
        causal = {"window_size": (-1, 0)} if "window_size" in accepted else {"is_causal": True}
        if gqa and "enable_gqa" not in accepted:  # an older varlen_attn: one k/v head per query head
            groups = query.shape[1] // key.shape[1]
            key, value = key.repeat_interleave(groups, 1), value.repeat_interleave(groups, 1)
        extra = {"enable_gqa": True} if gqa and "enable_gqa" in accepted else {}
        out = varlen_attn(query[0].transpose(0, 1), key[0].transpose(0, 1), value[0].transpose(0, 1), cu, cu,
                          longest, longest, scale=scaling, **causal, **extra)
        return out.unsqueeze(0), None
    bounds = _host_bounds(cu_seq_lens_q)
    parts = [F.scaled_dot_product_attention(query[:, :, s:e], key[:, :, s:e], value[:, :, s:e], is_causal=True,
                                            scale=scaling, enable_gqa=gqa)
             for s, e in zip(bounds, bounds[1:], strict=False) if e > s]
    return torch.cat(parts, dim=2).transpose(1, 2).contiguous(), None


def choose(model, device_type: str, precision: str) -> str | None:
    """The attention implementation for packed training on this device, or None to leave the model as it is."""
    current = getattr(model.config, "_attn_implementation", None)
    if current not in ("sdpa", NAME, "flash_attention_2"):
        return None  # eager, flex or a model's own kernel: the user's choice stands
    if (device_type == "cuda" and precision in ("bf16", "fp16")
            and importlib.util.find_spec("flash_attn") is not None):
        return "flash_attention_2"
    return NAME


def use_packed_attention(model, device_type: str = "cpu", precision: str = "fp32") -> str | None:
    """Switch the model to per-document attention for packed rows; returns what it uses, or None when the model
    keeps its own (nothing changed)."""
    name = choose(model, device_type, precision)
    if name is None:
        return None
    try:
        model.set_attn_implementation(name)
    except (ValueError, KeyError, AttributeError, NotImplementedError, ImportError):
        return None
    return name


def packed_mask(*args, attention_mask=None, allow_is_causal_skip: bool = True, **kwargs):
    """No T x T mask for packed rows (transformers marks them with allow_is_causal_skip=False and no padding
    mask): the attention above keeps the documents apart from their offsets. Everything else: sdpa's mask."""
    if attention_mask is None and not allow_is_causal_skip and "local_size" not in kwargs:
        return None
    return sdpa_mask(*args, attention_mask=attention_mask, allow_is_causal_skip=allow_is_causal_skip, **kwargs)


AttentionInterface.register(NAME, packed_sdpa)
ALL_MASK_ATTENTION_FUNCTIONS.register(NAME, packed_mask)
