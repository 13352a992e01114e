"""Training methods besides plain full fine-tuning, each a lever against forgetting:

- freeze: only the top k decoder layers (with the final norm and the output head) train;
- freeze_bottom: the input embeddings and the bottom k decoder layers stay fixed, everything above trains (much of
  what looks forgotten after fine-tuning is lost in the bottom layers); a tied output head is the embedding matrix,
  so it stays fixed as well: the model keeps reading its input the way it did;
- progressive: the top layers train first, and more layers unfreeze at each of `progressive_stages` stages;
- lora: low-rank adapters via peft (the usual baseline), merged into plain weights when saved.
"""

from __future__ import annotations

import math

from transformers import TrainerCallback

from ftcore.config import RunConfig
from ftcore.errors import UserError
from ftcore.messages import Text


def _top(model, k: int) -> list:
    decoder = model.get_decoder()
    layers = decoder.layers
    return [*layers[len(layers) - min(k, len(layers)):], model.get_output_embeddings(),
            getattr(decoder, "norm", None)]


def _train_only(model, k: int) -> None:
    for param in model.parameters():
        param.requires_grad = False
    for module in filter(None, _top(model, k)):
        for param in module.parameters():
            param.requires_grad = True


def _freeze_bottom(model, t) -> tuple[int, bool]:
    """Freeze the input embeddings and the bottom layers, train the rest; returns (how many layers, whether the
    output head is tied to the embeddings and so frozen with them)."""
    layers = model.get_decoder().layers
    k = t.bottom_layers(len(layers))
    if k >= len(layers):
        raise UserError("trainer.freeze_bottom_layers", k=k, layers=len(layers), most=len(layers) - 1)
    for param in model.parameters():
        param.requires_grad = True
    embeddings, head = model.get_input_embeddings(), model.get_output_embeddings()
    for module in (embeddings, *layers[:k]):
        for param in module.parameters():
            param.requires_grad = False
    return k, head is not None and head.weight is embeddings.weight


def apply_method(model, config: RunConfig, run=None):
    """Prepare the model for the method; returns it (lora wraps it) and the parameter counts. `run`: where
    freeze_bottom says what it froze."""
    t = config.train
    total = sum(_numel(p) for p in model.parameters())
    if t.method == "freeze":
        _train_only(model, t.freeze_trainable_layers)
    elif t.method == "freeze_bottom":
        k, tied = _freeze_bottom(model, t)
        if run is not None:
            trainable = sum(_numel(p) for p in model.parameters() if p.requires_grad)
            run.note(Text("notes.freeze_bottom", k=k, layers=len(model.get_decoder().layers),
                          trainable=f"{trainable:,}", parameters=f"{total:,}"))
            if tied:
                run.note(Text("notes.freeze_bottom_tied"))
    elif t.method == "lora":
        from peft import LoraConfig, get_peft_model

        model = get_peft_model(model, LoraConfig(r=t.lora_rank, lora_alpha=2 * t.lora_rank, lora_dropout=0.0,
                                                 target_modules="all-linear", task_type="CAUSAL_LM"))
    trainable = sum(_numel(p) for p in model.parameters() if p.requires_grad)
    return model, {"parameters": total, "trainable": trainable}


def _numel(param) -> int:
    """A parameter's full size, also when ZeRO-3 holds only this rank's shard of it."""
    return getattr(param, "ds_numel", None) or param.numel()


def stage_layers(num_layers: int, stages: int, stage: int) -> int:
    """How many top layers train in stage `stage` (0-based) of `stages`: a growing share, all in the last."""
    return max(1, math.ceil(num_layers * (stage + 1) / stages))


class ProgressiveCallback(TrainerCallback):
    """Unfreeze from the top down in equal slices of the training steps. The optimizer is built over every
    weight first (so that layers unfrozen later are in it); frozen weights get no gradient, so AdamW skips them."""

    def __init__(self, model, stages: int, run=None):
        self.model, self.stages, self.run = model, stages, run
        self.num_layers = len(model.get_decoder().layers)
        self.stage = -1

    def on_train_begin(self, args, state, control, **kwargs):
        self._enter(self._stage_at(state), state)

    def on_step_begin(self, args, state, control, **kwargs):
        stage = self._stage_at(state)
        if stage != self.stage:
            self._enter(stage, state)

    def _stage_at(self, state) -> int:
        return min(self.stages - 1, state.global_step * self.stages // max(state.max_steps, 1))

    def _enter(self, stage: int, state) -> None:
        self.stage = stage
        k = stage_layers(self.num_layers, self.stages, stage)
        _train_only(self.model, k)
        if self.run is not None:
            self.run.note(Text("notes.progressive_stage", stage=stage + 1, stages=self.stages, k=k,
                               layers=self.num_layers, step=state.global_step))


def merged(model):
    """A lora model becomes a plain model with the adapters merged in; other models pass through."""
    return model.merge_and_unload() if hasattr(model, "merge_and_unload") else model


def distill_loss(student_logits, teacher_logits, labels, alpha: float, temperature: float):
    """alpha x cross-entropy on the labels + (1 - alpha) x T^2 x KL(teacher || student) on the same (answer)
    positions, with both distributions softened by the temperature."""
    import torch
    import torch.nn.functional as F

    logits, target = student_logits[:, :-1].float(), labels[:, 1:]
    mask = target != -100
    ce = F.cross_entropy(logits[mask], target[mask])
    t = temperature
    teacher = F.log_softmax(teacher_logits[:, :-1].float()[mask] / t, -1)
    student = F.log_softmax(logits[mask] / t, -1)
    kd = torch.sum(teacher.exp() * (teacher - student), -1).mean() * t * t
    return alpha * ce + (1 - alpha) * kd


def distill_trainer_class():
    """A Trainer whose loss also follows a frozen teacher's logits (knowledge distillation)."""
    import torch
    from transformers import Trainer

    class DistillTrainer(Trainer):
        # the loss is a mean over each micro-batch's answer tokens, not normalised by the whole step's token
        # count, so the Trainer divides it by the accumulation steps (else each step is that many times larger)
        loss_is_scaled_for_ga = False

        def __init__(self, *args, teacher=None, alpha: float = 0.5, temperature: float = 2.0, **kwargs):
            super().__init__(*args, **kwargs)
            self.teacher, self.alpha, self.temperature = teacher.eval(), alpha, temperature

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            labels = inputs.pop("labels")
            outputs = model(**inputs)
            with torch.no_grad():
                teacher_logits = self.teacher(**inputs).logits
            loss = distill_loss(outputs.logits, teacher_logits, labels, self.alpha, self.temperature)
            inputs["labels"] = labels
            return (loss, outputs) if return_outputs else loss

    return DistillTrainer
