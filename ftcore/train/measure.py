"""Memory a run really used: the process's resident and peak memory, each rank's parameter bytes, and plan.json
with the prediction beside what was measured."""

from __future__ import annotations

import json
import resource
from pathlib import Path

import torch

from ftcore._atomic import write_json
from ftcore.config import RunConfig
from ftcore.runs.store import Run
from ftcore.train.arguments import device_kind


def local_parameter_bytes(model) -> int:
    """Bytes of parameter storage this process holds: a rank's shard under ZeRO-3 (`ds_tensor`), nothing for
    FSDP ranks that built the model on the meta device, the whole model otherwise."""
    total = 0
    for param in model.parameters():
        local = getattr(param, "ds_tensor", None)
        tensor = local if local is not None else param
        if tensor.device.type != "meta":
            total += tensor.numel() * tensor.element_size()
    return total


def write_plan(run: Run, config: RunConfig, model_config, precision: str, train_rows=None) -> None:
    """plan.json: the planner's prediction at launch, from this run's own rows (and the worst case, every row at
    max_length, beside it); the measured peak is added when the run ends."""
    from ftcore.plan.advice import plan_input
    from ftcore.plan.memory import estimate, token_counts

    memory = torch.cuda.get_device_properties(0).total_memory / 2**30 if device_kind() == "cuda" else None
    rows = token_counts(train_rows["input_ids"], train_rows["labels"]) if train_rows is not None else None
    try:
        p = plan_input(config, model_config, precision, memory, rows)
        worst = plan_input(config, model_config, precision, memory)
    except Exception as exc:  # a model family the planner does not know: train anyway, say why there is no plan
        write_json(run.plan_path, {"predicted": None, "reason": str(exc)})
        return
    write_json(run.plan_path, {"predicted": estimate(p).to_dict(), "worst_case": estimate(worst).to_dict(),
                                       "basis": "data" if rows else "max_length",
                                       "tokens_per_batch": p.tokens_per_batch, "logit_tokens": p.logit_tokens,
                                       "device": device_kind()})


def rss_bytes() -> int:
    """Resident memory of this process now (VmRSS)."""
    try:
        return int(Path("/proc/self/status").read_text().split("VmRSS:")[1].split()[0]) * 1024
    except (OSError, IndexError, ValueError):
        return 0


def peak_rss_bytes() -> int:
    """Peak resident memory of this process. VmHWM, not ru_maxrss: the latter keeps the launching process's
    peak across exec, so a worker started by a big UI process would report the UI's memory."""
    try:
        status = Path("/proc/self/status").read_text()
        return int(status.split("VmHWM:")[1].split()[0]) * 1024
    except (OSError, IndexError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def record_peak(run: Run) -> None:
    path = run.plan_path
    plan = json.loads(path.read_text()) if path.is_file() else {}
    if device_kind() == "cuda":
        plan["measured_peak_bytes"] = torch.cuda.max_memory_allocated()
        plan["measured_reserved_bytes"] = torch.cuda.max_memory_reserved()
        plan["measured"] = "torch.cuda.max_memory_allocated"
        allocated = (plan.get("predicted") or {}).get("allocated")
        if allocated:  # like with like: the allocator's peak against the plan less context and margin
            plan["allocated_over_measured"] = round(allocated / plan["measured_peak_bytes"], 3)
    else:
        plan["measured_peak_bytes"] = peak_rss_bytes()
        plan["measured"] = "peak RSS of the worker process (includes the Python runtime and libraries)"
    predicted = (plan.get("predicted") or {}).get("total")
    if predicted:
        plan["predicted_over_measured"] = round(predicted / plan["measured_peak_bytes"], 3)
    write_json(path, plan)
