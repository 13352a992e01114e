"""Before a run: the memory plan of a RunConfig on the devices at hand, whether it fits and what would, and a
starting learning rate. Shared by the worker (plan.json), the CLI and the Train tab's plan panel."""

from __future__ import annotations

from dataclasses import dataclass, field

from ftcore.config import RunConfig
from ftcore.errors import UserError
from ftcore.messages import Join, Text, message
from ftcore.plan.lr import LRSuggestion, suggest_learning_rate
from ftcore.plan.memory import GiB, Plan, PlanInput, estimate, plan_from_config
from ftcore.plan.suggest import suggest
from ftcore.runs.devices import Device

CPU_RUNTIME_GB = 0.4  # the Python process with torch and transformers loaded, before any model


def plan_input(config: RunConfig, model_config, precision: str, device_memory_gb: float | None,
               rows: tuple[list[int], list[int]] | None = None) -> PlanInput:
    """The planner's input for a run. `rows`: the token lengths and label counts of its training rows, so that
    activations follow the data instead of assuming every row at max_length."""
    from ftcore.plan.memory import data_tokens

    t = config.train
    tokens, logits = data_tokens(*rows, t.batch_size, t.packing) if rows else (None, None)
    trainable = trainable_count(config, model_config)
    return plan_from_config(model_config, batch_size=t.batch_size, grad_accum=t.grad_accum,
                            **({"trainable": trainable} if trainable is not None else {}), anchor=t.anchor == "l2",
                            tokens_per_batch=tokens or None, logit_tokens=logits or None,
                            max_length=config.data.max_length, precision=precision, optimizer=t.optimizer,
                            gradient_checkpointing=t.gradient_checkpointing, device_memory_gb=device_memory_gb,
                            optimizer_in_backward=t.optimizer_in_backward,
                            nproc=config.dist.world_size, strategy=config.dist.strategy, offload=config.dist.offload)


def trainable_count(config: RunConfig, model_config) -> int | None:
    """Trainable weights of the freeze methods, counted as methods.py freezes them (None: every weight trains, or
    lora, which the planner does not model). Weights of one decoder layer are the same in every layer."""
    t = config.train
    if t.method not in ("freeze", "freeze_bottom"):
        return None
    full = plan_from_config(model_config)
    embedding = full.vocab_size * full.hidden_size
    head = 0 if full.tied_embeddings else embedding
    per_layer = (full.params - embedding - head - full.hidden_size) // full.num_layers
    if t.method == "freeze":  # the top k layers, the final norm and the head (the tied head is the embedding)
        k = min(t.freeze_trainable_layers, full.num_layers)
        return k * per_layer + full.hidden_size + (head or embedding)
    # freeze_bottom: a tied head is the embedding, frozen with it
    return full.params - embedding - min(t.bottom_layers(full.num_layers), full.num_layers) * per_layer


def apply_suggestion(config: RunConfig, p: PlanInput) -> RunConfig:
    """The run configuration of one of the planner's suggestions (its knobs written into a copy of `config`)."""
    from ftcore.config import apply_overrides

    return apply_overrides(config, [], {
        "train.batch_size": p.batch_size, "train.grad_accum": p.grad_accum, "train.optimizer": p.optimizer,
        "train.gradient_checkpointing": p.gradient_checkpointing, "train.optimizer_in_backward": p.optimizer_in_backward,
        "dist.strategy": p.strategy, "dist.offload": p.offload})


@dataclass
class Advice:
    plan: Plan
    parameters: int
    learning_rate: LRSuggestion
    fixes: list[str] = field(default_factory=list)
    ram_gb: float | None = None  # a CPU run: the machine's memory, which the plan is compared with
    refusal: UserError | None = None  # what Start would refuse on this machine, whatever the memory says

    def markdown(self, lang: str = "en") -> str:
        """The plan panel in English ("en") or Chinese ("zh")."""
        p = self.plan
        where = Text("advice.per_gpu" if p.capacity is not None and p.host == 0 else "advice.per_device")
        lines = [message("advice.refused", lang, error=self.refusal)] if self.refusal else []
        lines += [message("advice.total", lang, total=p.total / GiB, where=where, weights=p.weights / GiB,
                         gradients=p.gradients / GiB, optimizer=p.optimizer / GiB, activations=p.activations / GiB,
                         buffers=p.buffers / GiB, millions=self.parameters / 1e6)]
        if self.refusal:
            pass  # no "fits" for a configuration that does not start
        elif p.capacity is not None:
            verdict = Text("advice.fits" if p.fits else "advice.does_not_fit")
            lines.append(message("advice.in_memory", lang, verdict=verdict, capacity=p.capacity / GiB))
        elif self.ram_gb:
            need = p.total / GiB + CPU_RUNTIME_GB
            verdict = Text("advice.fits" if need <= self.ram_gb else "advice.does_not_fit")
            lines.append(message("advice.in_ram", lang, verdict=verdict, ram=self.ram_gb, runtime=CPU_RUNTIME_GB))
        if p.fits is False:
            fixes = Join(self.fixes[:3]) if self.fixes else Text("advice.none_nearby")
            lines.append(message("advice.nearest", lang, fixes=fixes))
        lines.append(message("advice.learning_rate", lang, lr=self.learning_rate))
        return "\n\n".join(lines)


def advise(config: RunConfig, model_config, devices: list[Device]) -> Advice:
    """Plan on the first detected device (GPU memory, or the machine's RAM for a CPU run)."""
    from ftcore.runs.placement import auto_precision

    cuda = devices[0].is_gpu
    precision = config.train.precision if config.train.precision != "auto" else auto_precision(devices)
    memory = (devices[0].memory_gb or None) if cuda else None
    p = plan_input(config, model_config, precision, memory)
    result = estimate(p)
    try:  # the checks Start makes on this machine (process counts, precision, optimizers, strategies)
        from ftcore.runs.placement import inventory_flags
        from ftcore.train.compat import check_environment

        check_environment(config, *inventory_flags(devices))
        refusal = None
    except UserError as exc:
        refusal = exc
    fixes = [text for text, _ in suggest(p, memory)] if memory and result.fits is False else []
    return Advice(plan=result, parameters=p.params, learning_rate=suggest_learning_rate(config.model.ref, p.params),
                  fixes=fixes, ram_gb=None if cuda else devices[0].memory_gb, refusal=refusal)
