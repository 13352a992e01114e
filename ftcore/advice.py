"""Before a run: the memory plan of a RunConfig on the devices at hand, whether it fits and what would, and a
starting learning rate. Shared by the worker (plan.json), the CLI and the Train tab's plan panel."""

from __future__ import annotations

from dataclasses import dataclass, field

from .config import RunConfig
from .devices import Device
from .hparams import LRSuggestion, suggest_learning_rate
from .plan import GiB, Plan, PlanInput, estimate, plan_from_config, suggest

CPU_RUNTIME_GB = 0.4  # the Python process with torch and transformers loaded, before any model


def plan_input(config: RunConfig, model_config, precision: str, device_memory_gb: float | None) -> PlanInput:
    t = config.train
    return plan_from_config(model_config, batch_size=t.batch_size, grad_accum=t.grad_accum,
                            max_length=config.data.max_length, precision=precision, optimizer=t.optimizer,
                            gradient_checkpointing=t.gradient_checkpointing, device_memory_gb=device_memory_gb,
                            nproc=config.dist.world_size, strategy=config.dist.strategy, offload=config.dist.offload)


@dataclass
class Advice:
    plan: Plan
    parameters: int
    learning_rate: LRSuggestion
    fixes: list[str] = field(default_factory=list)
    ram_gb: float | None = None  # a CPU run: the machine's memory, which the plan is compared with

    def markdown(self) -> str:
        p = self.plan
        where = "per GPU" if p.capacity is not None and p.host == 0 else "per device"
        parts = [f"weights {p.weights / GiB:.2f}", f"gradients {p.gradients / GiB:.2f}",
                 f"optimizer {p.optimizer / GiB:.2f}", f"activations {p.activations / GiB:.2f}",
                 f"buffers {p.buffers / GiB:.2f}"]
        lines = [f"**{p.total / GiB:.2f} GiB {where}** ({', '.join(parts)} GiB) for "
                 f"{self.parameters / 1e6:,.1f}M parameters."]
        if p.capacity is not None:
            verdict = "**Fits**" if p.fits else "**Does not fit**"
            lines.append(f"{verdict} in {p.capacity / GiB:.1f} GiB.")
        elif self.ram_gb:
            need = p.total / GiB + CPU_RUNTIME_GB
            verdict = "**Fits**" if need <= self.ram_gb else "**Does not fit**"
            lines.append(f"{verdict} in this machine's {self.ram_gb:.1f} GiB of RAM (with about "
                         f"{CPU_RUNTIME_GB} GiB for Python and torch).")
        if p.fits is False:
            lines.append("Nearest configurations that fit: " + ("; ".join(self.fixes[:3]) if self.fixes else
                                                               "none nearby — more GPUs with zero3, or a smaller model."))
        lines.append(f"Suggested learning rate: {self.learning_rate}.")
        return "\n\n".join(lines)


def advise(config: RunConfig, model_config, devices: list[Device]) -> Advice:
    """Plan on the first detected device (GPU memory, or the machine's RAM for a CPU run)."""
    cuda = devices[0].id.startswith("cuda")
    precision = config.train.precision if config.train.precision != "auto" else ("bf16" if cuda else "fp32")
    memory = (devices[0].memory_gb or None) if cuda else None
    p = plan_input(config, model_config, precision, memory)
    result = estimate(p)
    fixes = [text for text, _ in suggest(p, memory)] if memory and result.fits is False else []
    return Advice(plan=result, parameters=p.params, learning_rate=suggest_learning_rate(config.model.ref, p.params),
                  fixes=fixes, ram_gb=None if cuda else devices[0].memory_gb)
