"""The words of a run's life, shared by the worker, the CLI and the UI: its states, whether it is still at work,
why it ended, and how a blend of the base and one of its models is named as a model reference."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from ftcore.messages import Bilingual

ACTIVE = ("queued", "running", "stopping")
FINISHED = ("done", "failed", "cancelled")
# a blend of the base and one of the run's models, as a model reference: RUN/blend-0.5, RUN/blend-0.5-checkpoint-40
BLEND_REF = re.compile(r"([\w.-]+)/blend-(\d+(?:\.\d+)?)(?:-(checkpoint-\d+))?")
# status "report": the end-of-run report, which runs after the model is done (state "done": usable at once) and
# is absent when none was asked for
REPORT_STATES = ("queued", "running", "stopping", "done", "stopped", "failed")
REPORT_BUSY = ("queued", "running", "stopping")


def busy(status: dict[str, Any]) -> bool:
    """Whether a run's worker is still at work on it: training (queued, running, stopping), or the model done and
    its report running; the worker holds the run's devices until then."""
    return status.get("state") in ACTIVE or status.get("report") in REPORT_BUSY


def status_error(status: dict[str, Any]) -> Bilingual | None:
    """Why a run stopped or failed, as its status keeps it, in English and (for the engine's own texts) Chinese."""
    return Bilingual(status["error"], status.get("error_zh")) if status.get("error") else None


def blend_name(alpha: float, source: str = "final") -> str:
    """A blend's name in the report and in its model reference: blend-0.5 (of the final model), or
    blend-0.5-checkpoint-40 (of that checkpoint)."""
    return f"blend-{alpha:g}" + ("" if source == "final" else f"-{source}")


def parse_blend_ref(ref: str) -> tuple[str, float, str] | None:
    """(run id, alpha, source: final or checkpoint-N) of a blend reference, or None for any other text."""
    found = BLEND_REF.fullmatch((ref or "").strip())
    return (found[1], float(found[2]), found[3] or "final") if found else None


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
