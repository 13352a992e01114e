"""Memory planner for full fine-tuning of a Llama-style model: bytes per device for weights, gradients,
optimizer states, activations and buffers; whether that fits; the nearest configurations that do.

Pure arithmetic: importing it loads no torch. Activation counts were checked against autograd's saved tensors.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from ftcore.config import OPTIMIZERS
from ftcore.errors import UserError

GiB = 2**30
PRECISIONS = ("fp32", "bf16", "fp16")
STRATEGIES = ("ddp", "zero1", "zero2", "zero3", "fsdp")
OFFLOADS = ("none", "optimizer", "params")
GALORE_RANK = 128
# share of the activations that the CPU allocator holds on top of them at the peak: 0.1 fits all five runs of
# bench/plan_vs_measured.py since packed rows stopped building a T x T mask (it was 0.3 while they did)
CPU_ALLOCATOR_SLACK = 0.1
CUDA_OVERHEAD = GiB // 2  # CUDA context + cuBLAS workspace: outside torch's allocator, inside the card's memory
NCCL_BUFFERS = GiB // 2  # NCCL's channel buffers per process with several ranks
GPU_MARGIN = 0.05  # allocator fragmentation on a GPU, as a share of everything else
LABEL_SLICE_SHARE = 0.9  # the engine's Trainer computes logits only at label positions below this share
ZERO_BUCKET = 50_000_000  # elements per reduce / all-gather bucket in the shipped ZeRO-1/2 presets
# Optimizer state bytes per trainable parameter; adafactor, adalomo and galore_adamw depend on matrix shapes.
STATE_BYTES = {"adamw_torch": 8.0, "adamw_torch_fused": 8.0, "sgd": 0.0}
BNB_BLOCK = 256  # bitsandbytes' 8-bit states: one fp32 absmax per block of this many values
_SHARDING = {"ddp": 0, "zero1": 1, "zero2": 2, "zero3": 3, "fsdp": 3}  # 1: optimizer, 2: + grads, 3: + weights


@dataclass(frozen=True)
class PlanInput:
    """One training setup, counted per device. Shapes follow a Llama decoder (RMSNorm, SwiGLU, RoPE)."""

    params: int
    trainable: int
    hidden_size: int
    num_layers: int
    num_heads: int
    vocab_size: int
    intermediate_size: int
    batch_size: int = 4
    max_length: int = 512
    # With the HF Trainer, bf16/fp16 mean autocast: weights, gradients and optimizer states stay fp32 and the
    # matmuls run in 16-bit. Only DeepSpeed ZeRO turns the weights to 16-bit (its optimizer keeps an fp32 copy).
    precision: str = "fp32"
    optimizer: str = "adamw_torch_fused"
    gradient_checkpointing: bool = False
    nproc: int = 1
    strategy: str = "ddp"
    offload: str = "none"  # params offloads the optimizer states too, as DeepSpeed and FSDP do
    device_memory_gb: float | None = None  # GiB per device, as torch and nvidia-smi count; None plans a CPU run
    grad_accum: int = 1
    num_kv_heads: int | None = None  # None: one per attention head (no grouped-query attention)
    tied_embeddings: bool = False
    attention: str = "sdpa"  # sdpa (flash / memory-efficient kernels) or eager
    optimizer_in_backward: bool = False  # each weight stepped as its gradient completes: one gradient alive
    anchor: bool = False  # train.anchor=l2: a frozen copy of the trainable weights beside them
    # From the run's own data (ftcore.plan_data): tokens of one packed micro-batch and the positions whose logits
    # are computed (label positions only, where the engine slices the LM head), at a high percentile of the
    # batches the sampler draws. None: every row at max_length, every position (the worst case).
    tokens_per_batch: int | None = None
    logit_tokens: int | None = None

    def __post_init__(self) -> None:
        sizes = (self.params, self.hidden_size, self.num_layers, self.num_heads, self.vocab_size,
                 self.intermediate_size, self.batch_size, self.max_length, self.nproc, self.grad_accum)
        # raised one by one, not built into a table: the planner makes thousands of inputs while it searches
        if not all(v >= 1 for v in sizes):
            raise UserError("plan.sizes")
        if not 0 <= self.trainable <= self.params:
            raise UserError("plan.trainable", trainable=self.trainable)
        if self.precision not in PRECISIONS:
            raise UserError("config.precision", value=self.precision, choices=", ".join(PRECISIONS))
        if self.optimizer not in OPTIMIZERS:
            raise UserError("config.optimizer", value=self.optimizer, choices=", ".join(OPTIMIZERS))
        if self.strategy not in STRATEGIES:
            raise UserError("config.strategy", value=self.strategy, choices=", ".join(STRATEGIES))
        if self.offload not in OFFLOADS:
            raise UserError("config.offload", value=self.offload, choices=", ".join(OFFLOADS))
        if self.offload != "none" and self.strategy == "ddp":
            raise UserError("plan.offload_ddp")
        if self.offload == "params" and _SHARDING[self.strategy] != 3:
            raise UserError("plan.offload_params")
        if self.attention not in ("sdpa", "eager"):
            raise UserError("plan.attention", value=self.attention)


@dataclass
class Plan:
    """Predicted peak bytes per device (host: CPU RAM of all local ranks for what is offloaded)."""

    weights: int
    gradients: int
    optimizer: int
    activations: int
    buffers: int
    total: int
    host: int = 0
    fits: bool | None = None
    margin: int = 0  # part of total kept for fragmentation (GPU plans)
    allocated: int = 0  # what torch's allocator would report at the peak (total less the CUDA context, margin)
    capacity: int | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def plan_from_config(config: Any, **knobs: Any) -> PlanInput:
    """A PlanInput with the exact parameter count of a Llama-style model from its config (object or dict)."""
    def get(key: str, default: Any = None) -> Any:
        value = config.get(key, default) if isinstance(config, dict) else getattr(config, key, default)
        return default if value is None else value

    required = ("hidden_size", "num_hidden_layers", "num_attention_heads", "vocab_size", "intermediate_size")
    missing = [k for k in required if get(k) is None]
    if missing:
        raise UserError("plan.not_llama", missing=", ".join(missing))
    h, layers, heads, vocab, inter = (int(get(k)) for k in required)
    kv = int(get("num_key_value_heads", heads))
    q_dim, kv_dim = heads * int(get("head_dim", h // heads)), kv * int(get("head_dim", h // heads))
    tied = bool(get("tie_word_embeddings", False))  # LlamaConfig's default
    attention = h * (q_dim + 2 * kv_dim) + q_dim * h + (q_dim + 2 * kv_dim + h) * bool(get("attention_bias", False))
    mlp = 3 * h * inter + (2 * inter + h) * bool(get("mlp_bias", False))
    params = vocab * h * (1 if tied else 2) + layers * (attention + mlp + 2 * h) + h  # 2 RMSNorms/layer + final
    knobs.setdefault("trainable", params)
    return PlanInput(params=params, hidden_size=h, num_layers=layers, num_heads=heads, vocab_size=vocab,
                     intermediate_size=inter, num_kv_heads=kv, tied_embeddings=tied, **knobs)


def token_counts(input_ids: list[list[int]], labels: list[list[int]]) -> tuple[list[int], list[int]]:
    """(length, label positions) of each tokenized training row: the label positions are those whose next
    token is learned, as the engine's Trainer slices the LM head."""
    return [len(ids) for ids in input_ids], [sum(1 for label in row[1:] if label != -100) for row in labels]


def data_tokens(lengths: list[int], labelled: list[int], batch_size: int, packing: bool = True,
                quantile: float = 0.95, draws: int = 2000, seed: int = 0) -> tuple[int, int]:
    """(tokens per micro-batch, positions through the LM head) at a high quantile of random batches of the
    run's own rows: packed rows hold the sum of their lengths, padded rows batch_size x the longest. The LM head
    sees only label positions where the engine slices it (labels on at most 90% of the positions)."""
    import random

    if not lengths:
        return 0, 0
    rng, n, k = random.Random(seed), len(lengths), min(batch_size, len(lengths))
    tokens, logits = [], []
    for _ in range(draws if n > k else 1):
        rows = rng.sample(range(n), k)
        size = sum(lengths[i] for i in rows) if packing else k * max(lengths[i] for i in rows)
        labels = sum(labelled[i] for i in rows)
        tokens.append(size)
        logits.append(labels if labels <= LABEL_SLICE_SHARE * size else size)
    tokens.sort()
    logits.sort()
    pick = min(len(tokens) - 1, int(quantile * len(tokens)))
    return tokens[pick], logits[pick]


def _layer_matrices(p: PlanInput) -> list[tuple[int, int]]:
    """(rows, cols) of the projections in every decoder layer: the matrices GaLore projects."""
    h, i = p.hidden_size, p.intermediate_size
    kv_dim = (p.num_kv_heads or p.num_heads) * (h // p.num_heads)
    return [(h, h), (kv_dim, h), (kv_dim, h), (h, h), (i, h), (i, h), (h, i)] * p.num_layers


def _state_bytes(p: PlanInput) -> float:
    """Optimizer state bytes for the trainable parameters (a frozen share is assumed to be proportional)."""
    if p.optimizer in STATE_BYTES:
        return STATE_BYTES[p.optimizer] * p.trainable
    share = p.trainable / p.params
    if p.optimizer == "adamw_8bit":
        # two 1-byte moments and their block absmax; the HF Trainer keeps the input embedding's states in 32 bits
        # (for stability), and bitsandbytes does the same for tensors under 4096 values (the norms)
        full = p.vocab_size * p.hidden_size + (2 * p.num_layers + 1) * p.hidden_size
        return share * ((2 + 8 / BNB_BLOCK) * (p.params - full) + 8 * full)
    layer = _layer_matrices(p)
    if p.optimizer == "galore_adamw":
        # rank-r Adam moments plus the projector per layer matrix; embeddings and norms keep plain AdamW. The
        # projector is a view of the whole SVD factor (galore_torch slices it), which stays alive: min(m, n)^2
        low = sum(4 * (min(m, n) ** 2 + 2 * min(GALORE_RANK, m, n) * max(m, n)) for m, n in layer)
        return share * (low + 8 * max(p.params - sum(m * n for m, n in layer), 0))
    # adafactor / adalomo: factored second moment (one fp32 row and column per matrix), no first moment;
    # vectors (norms) keep a full second moment
    matrices = layer + [(p.vocab_size, p.hidden_size)] * (1 if p.tied_embeddings else 2)
    vectors = max(p.params - sum(m * n for m, n in matrices), 0)
    return share * 4 * (sum(m + n for m, n in matrices) + vectors)


def _activation_bytes(p: PlanInput, residual: int) -> tuple[float, float]:
    """Bytes autograd keeps for one micro-batch: (one decoder layer, everything outside the layers).

    Counted as Korthikanti et al. (2022) count (every tensor saved for backward), but for HF's Llama layer
    as written instead of GPT with fused LayerNorm, dropout and a 4h GeLU MLP. Their 34 (16-bit bytes per
    s*b*h) becomes, per s*b*h: fp32: 24 (each RMSNorm keeps input, normalized, weighted) + 8 (q, attention
    output) + 8*kv/a (k, v) + 16*i/h (SwiGLU keeps gate, up, silu and product); autocast: 16 (norms stay fp32)
    + 10 (a 16-bit copy of the normed input per projection) + 4 + 4*kv/a + 8*i/h. Their 5*a*s/h term is the
    s x s attention matrix: eager keeps the fp32 softmax (plus its 16-bit copy under autocast); sdpa's
    flash/memory-efficient kernels keep only a logsumexp of b*a*s floats.
    """
    s, h, a = p.max_length, p.hidden_size, p.num_heads
    tokens = batch_tokens(p)
    # eager attention repeats k and v to every head (repeat_kv) before the matmuls that keep them
    kv = 1.0 if p.attention == "eager" else (p.num_kv_heads or a) / a
    i = p.intermediate_size / h
    if p.precision == "fp32":
        per, square = 24 + 8 + 8 * kv + 16 * i, 4
    else:
        per, square = 16 + 10 + 4 + 4 * kv + 8 * i, 6
    attention = square * a * tokens * min(s, tokens) if p.attention == "eager" else 4 * a * tokens
    return tokens * h * per + attention, tokens * h * 3 * residual  # outside: the final RMSNorm


def batch_tokens(p: PlanInput) -> int:
    """Tokens of one micro-batch: from the data when known, else every row at max_length."""
    return p.tokens_per_batch or p.batch_size * p.max_length


def estimate(p: PlanInput) -> Plan:
    """Peak bytes per device. The parts are summed: that is the peak with grad_accum > 1, where gradients are
    alive while the next micro-batch's activations build up; with grad_accum 1 backward frees activations as
    gradients appear, so the real peak is lower (by about 10% in the measured test)."""
    n, level = p.nproc, _SHARDING[p.strategy]
    mixed = p.precision != "fp32"
    half_weights = mixed and p.strategy.startswith("zero")  # DeepSpeed: 16-bit weights and gradients
    wbytes = 2 if half_weights else 4
    notes = []
    weights = float(p.params * wbytes)
    if p.anchor:  # never sharded: the config refuses the anchor under zero3/fsdp and offload
        weights += p.trainable * wbytes
        notes.append(f"weights include the L2 anchor: a copy of the {p.trainable:,} trainable weights.")
    largest = max(p.vocab_size * p.hidden_size, p.intermediate_size * p.hidden_size)
    # AdaLomo and optimizer_in_backward update each tensor inside backward, so one gradient lives at a time
    one_at_a_time = p.optimizer == "adalomo" or p.optimizer_in_backward
    grads = float((min(largest, p.trainable) if one_at_a_time else p.trainable) * wbytes)
    optimizer = _state_bytes(p) + (4 * p.trainable if half_weights else 0)  # + fp32 master weights
    if level >= 1:
        optimizer /= n
    if level >= 2:
        grads /= n
    if level >= 3:
        weights /= n
    host = 0.0
    if p.offload != "none":
        host += optimizer * n + 4 * p.trainable  # every local rank's states + the fp32 gradients the CPU step reads
        optimizer = 0.0
    if p.offload == "params":
        host, weights = host + weights * n, 0.0

    residual = 2 if mixed and p.strategy != "ddp" else 4  # autocast keeps the residual stream in fp32
    layer, outside = _activation_bytes(p, residual)
    tokens = batch_tokens(p)
    if p.gradient_checkpointing:
        # each layer keeps only its input; backward recomputes one layer at a time
        activations = p.num_layers * tokens * p.hidden_size * residual + layer + outside
        notes.append("Gradient checkpointing recomputes every layer in backward: about 30% more compute.")
    else:
        activations = p.num_layers * layer + outside
    # HF's loss upcasts logits to fp32: log-softmax output (kept for backward), its gradient, the logits' gradient;
    # under mixed precision accelerate also keeps an fp32 copy of the 16-bit logits
    logits = p.logit_tokens or tokens
    buffers = (12.0 + 4 * mixed) * logits * p.vocab_size
    if mixed and p.strategy == "ddp":
        buffers += 2 * p.params  # autocast's 16-bit weight copies, saved for backward
        notes.append(f"{p.precision} with the HF Trainer is autocast: weights, gradients and states stay fp32.")
    if p.strategy == "ddp" and n > 1:
        buffers += 4 * p.trainable  # DDP's gradient buckets (gradient_as_bucket_view is off by default)
    if level == 3:
        buffers += 2 * (2 if mixed else 4) * max(largest, p.params / p.num_layers)  # gathered + prefetched module
    if p.strategy.startswith("zero"):
        buffers += zero_bucket_bytes(p, wbytes)
    if p.nproc > 1 and p.device_memory_gb is not None:
        buffers += NCCL_BUFFERS
        notes.append("buffers include 0.5 GiB for NCCL's communication buffers.")
    if half_weights:
        notes.append("DeepSpeed mixed precision: 16-bit weights and gradients, fp32 master weights in the optimizer.")
    if p.offload != "none":
        notes.append(f"host: offloaded states of all {n} local rank(s) in (pinned) CPU RAM; the CPU runs the step.")
    if p.trainable < p.params:
        notes.append("Frozen layers: activations are counted for every layer, an upper bound.")
    if p.tokens_per_batch:
        notes.append(f"Activations follow the data: {p.tokens_per_batch} tokens per micro-batch (95th percentile "
                     f"of the batches drawn), {logits} of them through the LM head.")
    else:
        notes.append("Activations assume full-length sequences; packing shorter examples uses less.")
    capacity = None if p.device_memory_gb is None else int(p.device_memory_gb * GiB)
    if capacity is None:
        # glibc's malloc keeps freed activation blocks resident and fragmented: peak RSS of runs of the embedded
        # model came out about 10% of the activations above the live tensors (bench/plan_vs_measured.py)
        buffers += CPU_ALLOCATOR_SLACK * activations
        notes.append("CPU run: compare total with free RAM; the Python process with torch adds about 0.4 GB.")
    else:
        buffers += CUDA_OVERHEAD
        notes.append("buffers include 0.5 GiB for the CUDA context (outside torch's allocator).")
    subtotal = weights + grads + optimizer + activations + buffers
    margin = GPU_MARGIN * subtotal if capacity is not None else 0.0
    if margin:
        notes.append(f"total includes a {GPU_MARGIN:.0%} margin for allocator fragmentation.")
    total = subtotal + margin
    fits = None if capacity is None else total <= capacity
    return Plan(weights=int(weights), gradients=int(grads), optimizer=int(optimizer), activations=int(activations),
                buffers=int(buffers), total=int(total), host=int(host), fits=fits, capacity=capacity, notes=notes,
                margin=int(margin), allocated=int(subtotal - (CUDA_OVERHEAD if capacity is not None else 0)))


def zero_bucket_bytes(p: PlanInput, wbytes: int) -> float:
    """DeepSpeed's communication buckets, as the shipped presets size them: ZeRO-1/2 a reduce and an all-gather
    bucket of ZERO_BUCKET elements; ZeRO-3 hidden^2 (the Trainer's "auto"). overlap_comm (ZeRO-2/3) keeps
    about 4.5 times as many in flight (DeepSpeed's own figure)."""
    bucket = ZERO_BUCKET if _SHARDING[p.strategy] < 3 else p.hidden_size**2
    overlap = 4.5 if _SHARDING[p.strategy] >= 2 else 1.0
    return 2 * bucket * wbytes * overlap


def format_plan(plan: Plan) -> str:
    """A table in GiB for people, with the notes below it."""
    rows = [("weights", plan.weights), ("gradients", plan.gradients), ("optimizer states", plan.optimizer),
            ("activations", plan.activations), ("buffers", plan.buffers), ("total", plan.total)]
    lines = [f"{'':18}{'GiB per device':>16}"] + [f"{name:18}{value / GiB:16.2f}" for name, value in rows]
    if plan.capacity is not None:
        verdict = "fits" if plan.fits else "does NOT fit"
        lines.append(f"{'device memory':18}{plan.capacity / GiB:16.2f}  {verdict}")
    if plan.host:
        lines.append(f"{'host RAM (offload)':18}{plan.host / GiB:16.2f}  all local ranks")
    return "\n".join(lines + [f"- {note}" for note in plan.notes])

