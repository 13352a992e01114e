"""train.anchor=kl: anchor_weight x KL(base || tuned) of the next-token distribution on the replay rows is added to
the training loss, keeping the model's general behaviour where it is asked to (the replay rows: shipped general
data or the base's own answers) without a second model in memory.

The base's distribution is computed once, at the first training step (the weights are still the base's), with the
model being trained, and stored in the run folder (Run.anchor_logprobs_path, safetensors; a resume reads it back):
at every answer position of up to ROWS replay rows, the TOP_K most likely next tokens with their log-probabilities
and the log of the rest's mass. The KL over those k tokens plus one "rest" outcome is a lower bound of the full KL
(ftcore.train.forgetting). Each training micro-batch then adds a forward and backward on BATCH anchor rows, taken in
turn, so the penalty costs about BATCH rows more per micro-batch.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from pathlib import Path

import torch

from ftcore._atomic import write_bytes
from ftcore.errors import UserError
from ftcore.train.anchor import add_penalty
from ftcore.train.forgetting import _rest

ROWS = 256  # at most this many replay rows anchor (a fixed sample): the stored targets stay small on any data
TOP_K = 64
BATCH = 2
IGNORE = -100


def anchor_rows(rows: list[dict], seed: int) -> list[dict]:
    """Up to ROWS replay rows that have answer tokens, the same sample for a given seed (and so on a resume)."""
    usable = [r for r in rows if any(label != IGNORE for label in r["labels"][1:])]
    if len(usable) > ROWS:
        usable = random.Random(seed).sample(usable, ROWS)
    return usable


def digest(rows: list[dict]) -> str:
    """Ties stored targets to the exact rows (token ids and labels) they were computed on."""
    return hashlib.sha256(json.dumps([[r["input_ids"], r["labels"]] for r in rows]).encode()).hexdigest()


def batch_of(rows: list[dict], device) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Right-padded ids, attention mask, and the positions whose next token is an answer token (bool)."""
    longest = max(len(r["input_ids"]) for r in rows)
    ids = torch.zeros(len(rows), longest, dtype=torch.long)
    mask = torch.zeros(len(rows), longest, dtype=torch.long)
    keep = torch.zeros(len(rows), longest, dtype=torch.bool)
    for i, r in enumerate(rows):
        n = len(r["input_ids"])
        ids[i, :n] = torch.tensor(r["input_ids"])
        mask[i, :n] = 1
        labels = torch.tensor(r["labels"])
        keep[i, :n - 1] = labels[1:] != IGNORE
    return ids.to(device), mask.to(device), keep.to(device)


def position_logprobs(model, rows: list[dict]) -> torch.Tensor:
    """log_softmax (float32) of the next-token logits at the answer positions of `rows`, (positions, vocabulary)."""
    device = next(model.parameters()).device
    ids, mask, keep = batch_of(rows, device)
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    logits = model(input_ids=ids, attention_mask=mask, position_ids=positions, use_cache=False).logits
    return torch.log_softmax(logits[keep].float(), -1)


@dataclass
class AnchorTargets:
    """The base's top k next tokens at each answer position of the anchor rows, row after row."""

    ids: torch.Tensor  # (positions, k)
    logprobs: torch.Tensor  # (positions, k)
    rest: torch.Tensor  # (positions,) log of the mass outside the k
    offsets: list[int]  # row i's positions are offsets[i]:offsets[i + 1]
    rows_sha256: str

    @classmethod
    def compute(cls, model, rows: list[dict]) -> AnchorTargets:
        """With the model as it is (the base), in eval mode under no_grad; its mode is restored after."""
        was_training = model.training
        model.eval()
        ids, values, rest, offsets = [], [], [], [0]
        try:
            with torch.no_grad():
                for start in range(0, len(rows), 8):
                    chunk = rows[start:start + 8]
                    logprobs = position_logprobs(model, chunk).cpu()
                    top, top_ids = logprobs.topk(min(TOP_K, logprobs.shape[-1]), -1)
                    ids.append(top_ids)
                    values.append(top)
                    rest.append(_rest(logprobs, top_ids))
                    for r in chunk:
                        offsets.append(offsets[-1] + sum(1 for label in r["labels"][1:] if label != IGNORE))
        finally:
            model.train(was_training)
        return cls(torch.cat(ids), torch.cat(values), torch.cat(rest), offsets, digest(rows))

    def kl(self, tuned: torch.Tensor, first: int, last: int) -> torch.Tensor:
        """Mean KL(base || tuned) in nats over the positions of rows first..last-1, differentiable in `tuned`."""
        lo, hi = self.offsets[first], self.offsets[last]
        ids, p = self.ids[lo:hi].to(tuned.device), self.logprobs[lo:hi].to(tuned.device)
        rest = self.rest[lo:hi].to(tuned.device)
        q = tuned.gather(-1, ids)
        top = (p.exp() * (p - q)).sum(-1)
        rest_p = rest.exp()
        tail = torch.where(rest_p > 0, rest_p * (rest - _rest(tuned, ids)), torch.zeros_like(rest_p))
        return (top + tail).mean()

    def save(self, path: Path) -> None:
        from safetensors.torch import save

        tensors = {"ids": self.ids.int(), "logprobs": self.logprobs, "rest": self.rest,
                   "offsets": torch.tensor(self.offsets, dtype=torch.int64)}
        write_bytes(path, save({k: v.contiguous() for k, v in tensors.items()},
                               metadata={"rows_sha256": self.rows_sha256}))

    @classmethod
    def load(cls, path: Path) -> AnchorTargets:
        from safetensors import safe_open

        with safe_open(str(path), framework="pt") as handle:
            return cls(handle.get_tensor("ids").long(), handle.get_tensor("logprobs"), handle.get_tensor("rest"),
                       handle.get_tensor("offsets").tolist(), handle.metadata().get("rows_sha256", ""))


def kl_anchor_trainer_class(base=None):
    """A Trainer over `base` (the HF Trainer, or the distillation one) whose training loss adds the KL anchor."""
    from transformers import Trainer

    class KLAnchorTrainer(base or Trainer):
        def __init__(self, *args, anchor_weight: float = 1.0, anchor_rows: list[dict], anchor_run=None, **kwargs):
            super().__init__(*args, **kwargs)
            self.anchor_weight, self.anchor_run = anchor_weight, anchor_run
            self.anchor_rows = anchor_rows
            self.targets: AnchorTargets | None = None
            self.next_row = 0
            self.last_kl: torch.Tensor | None = None

        def _targets(self, model) -> AnchorTargets:
            """Stored targets of these rows, else computed now: only before the first step, while the weights are
            the base's."""
            run = self.anchor_run
            path = run.anchor_logprobs_path if run is not None else None
            if path is not None and path.is_file():
                stored = AnchorTargets.load(path)
                if stored.rows_sha256 == digest(self.anchor_rows):
                    return stored
            if self.state.global_step:
                raise UserError("trainer.anchor_kl_resume")
            targets = AnchorTargets.compute(model, self.anchor_rows)
            if run is not None and run.writes:
                targets.save(path)
            return targets

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            out = super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
            if not model.training:
                return out
            if self.targets is None:
                self.targets = self._targets(model)
            first = self.next_row
            last = min(first + BATCH, len(self.anchor_rows))
            self.next_row = 0 if last >= len(self.anchor_rows) else last
            tuned = position_logprobs(model, self.anchor_rows[first:last])
            kl = self.targets.kl(tuned, first, last)
            self.last_kl = kl.detach()
            return add_penalty(self, out, self.anchor_weight * kl, return_outputs, num_items_in_batch)

        def log(self, logs, *args, **kwargs):
            if "loss" in logs and self.last_kl is not None:
                logs["anchor_kl"] = round(float(self.last_kl), 6)  # the last micro-batch's, unweighted
            super().log(logs, *args, **kwargs)

    return KLAnchorTrainer
