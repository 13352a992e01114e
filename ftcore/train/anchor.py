"""train.anchor=l2, L2-SP (Li et al. 2018): anchor_weight x ||θ - θ_base||² over the trainable weights is added to
the training loss, pulling the tuned model toward the base against forgetting.

A frozen copy of the trainable weights as they were before the first step sits beside them on the training device
(the planner counts it). The penalty's gradient, 2w(θ - θ_base), is computed in backward one weight at a time, so
autograd keeps nothing the size of the model for it.
"""

from __future__ import annotations

import torch


class _SquaredDistance(torch.autograd.Function):
    """||param - anchor||² in fp32, whose backward recomputes the difference instead of saving it."""

    @staticmethod
    def forward(ctx, param, anchor):
        ctx.save_for_backward(param, anchor)  # the tensors themselves, not copies
        return (param.detach().float() - anchor.float()).square().sum()

    @staticmethod
    def backward(ctx, grad):
        param, anchor = ctx.saved_tensors
        return (2 * grad * (param.detach().float() - anchor.float())).to(param.dtype), None


def squared_distance(pairs: list[tuple[torch.Tensor, torch.Tensor]]) -> torch.Tensor:
    """Sum over (weight, anchor) pairs of the squared distance, differentiable in the weights."""
    total = None
    for param, anchor in pairs:
        if not param.requires_grad:  # frozen now (a progressive stage not reached yet): it has not moved
            continue
        term = _SquaredDistance.apply(param, anchor).to(param.device)
        total = term if total is None else total + term.to(total.device)
    return total if total is not None else torch.zeros(())


def add_penalty(trainer, out, penalty: torch.Tensor, return_outputs: bool, num_items_in_batch):
    """The training loss (or (loss, outputs)) with an anchor's penalty added once per optimizer step: where the
    Trainer does not divide each micro-batch's loss by the accumulation steps (its loss is normalised by the tokens
    of the whole step), the penalty is divided."""
    scaled = getattr(trainer, "loss_is_scaled_for_ga", None)
    if scaled is None:
        scaled = (trainer.model_accepts_loss_kwargs and num_items_in_batch is not None) \
            or trainer.compute_loss_func is not None
    if scaled:
        penalty = penalty / trainer.current_gradient_accumulation_steps
    if return_outputs:
        loss, outputs = out
        return loss + penalty.to(loss.device), outputs
    return out + penalty.to(out.device)


def anchor_trainer_class(base=None):
    """A Trainer over `base` (the HF Trainer, or the distillation one) whose training loss adds the L2 anchor."""
    from transformers import Trainer

    class AnchorTrainer(base or Trainer):
        def __init__(self, *args, anchor_weight: float = 1.0, **kwargs):
            super().__init__(*args, **kwargs)
            self.anchor_weight = anchor_weight
            # taken before train(): a resumed run loads its checkpoint later, so these are still the base weights
            self.anchors = [(p, p.detach().clone()) for p in self.model.parameters() if p.requires_grad]
            self.anchors_placed = False
            self.last_penalty: torch.Tensor | None = None

        def _place_anchors(self) -> None:
            """DeepSpeed places (and may cast) the weights after __init__: the copies follow them once."""
            self.anchors = [(p, a.to(p.device, p.dtype)) for p, a in self.anchors]
            self.anchors_placed = True

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            out = super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
            if not model.training:
                return out
            if not self.anchors_placed:
                self._place_anchors()
            penalty = self.anchor_weight * squared_distance(self.anchors)
            self.last_penalty = penalty.detach()
            return add_penalty(self, out, penalty, return_outputs, num_items_in_batch)

        def log(self, logs, *args, **kwargs):
            if "loss" in logs and self.last_penalty is not None:
                logs["anchor_penalty"] = round(float(self.last_penalty), 8)  # the last micro-batch's, weighted
            super().log(logs, *args, **kwargs)

    return AnchorTrainer
