"""The stop flag a worker's signal handler sets and the training callback reads at the next step boundary (its own
module, so that the job process, which must not import torch, can hold one)."""

from __future__ import annotations

from ftcore.messages import Text


class StopFlag:
    """Set from a signal handler; read by the callback at the next step boundary."""

    def __init__(self) -> None:
        self.reason: Text | None = None

    def set(self, reason: Text) -> None:
        self.reason = self.reason or reason
