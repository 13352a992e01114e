"""The Trainer the engine runs: the HF Trainer with two changes that keep the result and save time or memory.

1. The training loss projects onto the vocabulary only where a label is: prompt tokens of chat data (often half of
   them) skip the LM head and its float32 softmax, the largest matrix product of a small model. Same loss, same
   gradients (transformers' logits_to_keep with a boolean mask); models whose forward lacks it take the usual path.
2. train.optimizer_in_backward: each weight is stepped as its gradient completes (ftcore.train.optim_backward).
"""

from __future__ import annotations

import inspect

import torch

from ftcore.errors import UserError
from ftcore.train.optim_backward import OptimizerInBackward

GAIN_SHARE = 0.9  # with labels on more than this share of positions, slicing costs more than it saves


def trainer_class(base=None):
    """The engine's Trainer, built over `base` (the HF Trainer, or a subclass such as the distillation one)."""
    from transformers import Trainer
    from transformers.trainer_utils import unwrap_peft_model

    class FullTuneTrainer(base or Trainer):
        def __init__(self, *args, optimizer_in_backward: bool = False, label_positions: bool = True, **kwargs):
            super().__init__(*args, **kwargs)
            self.in_backward = optimizer_in_backward
            if self.in_backward and (self.args.fp16 or self.args.gradient_accumulation_steps > 1):
                raise UserError("trainer.in_backward")
            forward = unwrap_peft_model(self.accelerator.unwrap_model(self.model)).forward
            self.label_positions = label_positions and "logits_to_keep" in inspect.signature(forward).parameters
            self.positions_checked = False

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            keep = self._kept_positions(model, inputs, return_outputs)
            if keep is None:
                return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
            target = inputs["labels"][:, 1:]
            # the model's own loss (ForCausalLMLoss) on the kept logits, with their targets as shift_labels; the
            # Trainer normalises and scales it across accumulation and processes exactly as on the usual path
            kept = {**inputs, "logits_to_keep": keep, "shift_labels": target[target != -100]}
            if self.positions_checked:
                return super().compute_loss(model, kept, False, num_items_in_batch)
            try:  # once: a forward that slices logits_to_keep its own way fails here or returns other shapes
                loss, outputs = super().compute_loss(model, kept, True, num_items_in_batch)
                ok = outputs.logits.dim() == 2 and outputs.logits.shape[0] == int(keep.sum())
            except (RuntimeError, ValueError, TypeError):
                ok = False
            self.positions_checked, self.label_positions = True, ok
            return loss if ok else super().compute_loss(model, inputs, return_outputs, num_items_in_batch)

        def _kept_positions(self, model, inputs, return_outputs):
            """The positions whose next token is a label, as a boolean mask; None to take the usual path."""
            labels = inputs.get("labels")
            if not (self.label_positions and model.training and not return_outputs and labels is not None
                    and self.model_accepts_loss_kwargs and self.label_smoother is None
                    and self.compute_loss_func is None):
                return None
            keep = torch.zeros_like(labels, dtype=torch.bool)
            keep[:, :-1] = labels[:, 1:] != -100
            kept = int(keep.sum())
            return keep if 0 < kept <= GAIN_SHARE * labels.numel() else None

        def create_optimizer(self, model=None):
            if not self.in_backward:
                return super().create_optimizer(model)
            if self.optimizer is None:
                model = self.model if model is None else model
                optimizer_cls, kwargs = self.get_optimizer_cls_and_kwargs(self.args, model)
                decay = set(self.get_decay_parameter_names(model))
                named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
                if "bitsandbytes" in str(optimizer_cls) and kwargs.get("optim_bits") == 8:
                    _embeddings_in_32_bits(model)
                self.optimizer = OptimizerInBackward(named, optimizer_cls, kwargs, self.args.weight_decay,
                                                     {n for n, _ in named if n not in decay})
            return self.optimizer

        def _get_grad_norm(self, model, grad_norm=None):
            if not self.in_backward:
                return super()._get_grad_norm(model, grad_norm)
            return _inner(self).grad_norm()

    return FullTuneTrainer


def _inner(trainer) -> OptimizerInBackward:
    optimizer = trainer.optimizer
    return getattr(optimizer, "optimizer", optimizer)  # accelerate wraps it in AcceleratedOptimizer


def _embeddings_in_32_bits(model) -> None:
    """As the Trainer does for 8-bit optimizers: embedding states stay 32-bit, for stability."""
    import bitsandbytes

    manager = bitsandbytes.optim.GlobalOptimManager.get_instance()
    for module in model.modules():
        if isinstance(module, torch.nn.Embedding):
            manager.register_module_override(module, "weight", {"optim_bits": 32})
