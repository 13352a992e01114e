"""Forgetting watched during training: at each evaluation, forget_kl = the mean KL(base || tuned) of the next-token
distribution at the end of the shipped general chat prompts (the `kl` probe suite, EN and ZH), logged in the eval
event beside the validation loss and kept in status.json; with train.stop_on_forgetting, a stop when it passes the
threshold, the final model being the last checkpoint measured within it.

The base's log-probabilities are computed once, before the first step, with the model the Trainer loaded (no second
model in memory), and stored in the run folder (Run.base_logprobs_path, safetensors). Full rows (every token's
log-probability, float32) while prompts x vocabulary stays under FULL_ROWS values (32 MB: a 262k vocabulary with the
32 prompts; SmolLM2's 49k takes 6 MB): forget_kl is then exactly the report's `kl` suite. Past it, each prompt's
TOP_K most likely tokens (ids, log-probs) and the log of the rest's mass; KL over those k tokens plus one "rest"
outcome is a lower bound on the full KL (merging outcomes never raises a divergence). Top 64 alone was too coarse:
on SmolLM2-135M it holds 80% of the mass on average and gave 2.33 nats where the full KL was 2.88.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from dataclasses import dataclass
from pathlib import Path

import torch
from transformers import TrainerCallback

from ftcore._atomic import write_bytes
from ftcore.messages import Text
from ftcore.runs.store import Run, checkpoint_step, eval_losses
from ftcore.train.distributed import from_main

FULL_ROWS = 2**23
TOP_K = 4096
BATCH = 8


def watch_prompts(tokenizer) -> list[list[int]]:
    """Token ids of the kl suite's prompts as a user turn with the assistant's reply opened (the chat template),
    or the bare prompt for a tokenizer without a template."""
    from ftcore.eval.probes.suites import builtin

    out = []
    for item in builtin("kl").items:
        if tokenizer.chat_template:
            text = tokenizer.apply_chat_template([{"role": "user", "content": item["prompt"]}], tokenize=False,
                                                 add_generation_prompt=True)
            out.append(tokenizer(text, add_special_tokens=False)["input_ids"])
        else:
            out.append(tokenizer(item["prompt"])["input_ids"])
    return out


def next_token_logprobs(model, prompts: list[list[int]], batch: int = BATCH) -> torch.Tensor:
    """log_softmax of the next-token logits after each prompt, (prompts, vocabulary), float32 on the CPU.

    In eval mode (no dropout, no gradient checkpointing) under no_grad, without a KV cache, on `model.device`; the
    model's mode is restored after. Rows are left-padded with an attention mask and positions counted from each
    row's first token, so a batch gives what each prompt gives alone, whatever attention the model uses for packed
    training. Under ZeRO-3 or FSDP every rank calls this with the same prompts (each forward gathers weights)."""
    from transformers.trainer_utils import unwrap_peft_model

    accepts = "logits_to_keep" in inspect.signature(unwrap_peft_model(model).forward).parameters
    keep = {"logits_to_keep": 1} if accepts else {}
    was_training = model.training
    model.eval()
    rows = []
    try:
        with torch.no_grad():
            for start in range(0, len(prompts), batch):
                chunk = prompts[start:start + batch]
                longest = max(len(p) for p in chunk)
                ids = torch.tensor([[0] * (longest - len(p)) + p for p in chunk], device=model.device)
                mask = torch.tensor([[0] * (longest - len(p)) + [1] * len(p) for p in chunk], device=model.device)
                positions = (mask.cumsum(-1) - 1).clamp(min=0)
                logits = model(input_ids=ids, attention_mask=mask, position_ids=positions, use_cache=False,
                               **keep).logits[:, -1]
                rows.append(torch.log_softmax(logits.float(), -1).cpu())
    finally:
        model.train(was_training)
    return torch.cat(rows)


def _rest(logprobs: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
    """log of the mass outside `ids`, per row (-inf when `ids` hold the whole vocabulary)."""
    return logprobs.scatter(-1, ids, float("-inf")).logsumexp(-1)


def digest(prompts: list[list[int]]) -> str:
    """Ties stored log-probabilities to the exact token ids they were computed on (prompts, tokenizer, template)."""
    return hashlib.sha256(json.dumps(prompts).encode()).hexdigest()


@dataclass
class BaseLogprobs:
    """The base model's next-token distribution on each prompt: full rows, or its top k plus the rest's mass."""

    logprobs: torch.Tensor  # (prompts, vocabulary), or (prompts, k) for the top k
    prompts_sha256: str
    ids: torch.Tensor | None = None  # (prompts, k) the base's k most likely next tokens; None for full rows
    rest: torch.Tensor | None = None  # (prompts,) log of the mass outside them

    @classmethod
    def of(cls, logprobs: torch.Tensor, prompts: list[list[int]], k: int | None = None) -> BaseLogprobs:
        """Full rows when they are small (k None and under FULL_ROWS values), else the top k (TOP_K)."""
        if k is None and logprobs.numel() <= FULL_ROWS:
            return cls(logprobs, digest(prompts))
        values, ids = logprobs.topk(min(k or TOP_K, logprobs.shape[-1]), -1)
        return cls(values, digest(prompts), ids, _rest(logprobs, ids))

    def kl(self, tuned: torch.Tensor) -> float:
        """Mean over prompts of KL(base || tuned) in nats (over the top k and the rest: see the module)."""
        if self.ids is None:
            return float((self.logprobs.exp() * (self.logprobs - tuned)).sum(-1).mean().clamp(min=0.0))
        q = tuned.gather(-1, self.ids)
        top = (self.logprobs.exp() * (self.logprobs - q)).sum(-1)
        rest_p = self.rest.exp()
        tail = torch.where(rest_p > 0, rest_p * (self.rest - _rest(tuned, self.ids)), torch.zeros_like(rest_p))
        return float((top + tail).mean().clamp(min=0.0))

    def save(self, path: Path) -> None:
        from safetensors.torch import save

        tensors = {"logprobs": self.logprobs, **({} if self.ids is None else {"ids": self.ids, "rest": self.rest})}
        write_bytes(path, save({k: v.contiguous() for k, v in tensors.items()},
                               metadata={"prompts_sha256": self.prompts_sha256}))

    @classmethod
    def load(cls, path: Path) -> BaseLogprobs:
        from safetensors import safe_open

        with safe_open(str(path), framework="pt") as handle:
            top = {k: handle.get_tensor(k) for k in ("ids", "rest") if k in handle.keys()}
            return cls(handle.get_tensor("logprobs"), handle.metadata().get("prompts_sha256", ""), **top)


class ForgettingWatch(TrainerCallback):
    """List it before RunCallback: it adds forget_kl to the eval logs that RunCallback writes to events.jsonl.

    With a threshold it asks for a checkpoint at each evaluation (RunCallback keeps the last one within it, `pinned`,
    beyond save_total_limit), saves none past it, and stops training there; `fall_back` then loads that checkpoint.
    Every rank runs the forwards; rank 0 holds the base, measures, and its verdict is taken by all."""

    def __init__(self, run: Run, tokenizer, threshold: float = 0.0, pinned: set[int] | None = None):
        self.run, self.threshold = run, threshold
        self.prompts = watch_prompts(tokenizer)
        self.pinned = pinned if pinned is not None else set()
        self.base: BaseLogprobs | None = None  # on rank 0
        self.active = False
        self.measured_step = -1
        self.within: int | None = None  # the last evaluated step within the threshold
        self.passed: tuple[int, float] | None = None  # the step and KL that stopped the run
        self.pending: float | None = None  # forget_kl measured, awaiting its verdict

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        if args.eval_strategy == "no":
            if self.threshold:
                self.run.note(Text("notes.forgetting_no_validation"))
            return
        plan = from_main(self._plan(state.global_step) if self.run.writes else None)
        if plan == "compute":  # before the first step: the model is the base
            logprobs = next_token_logprobs(model, self.prompts)
            if self.run.writes:
                self.base = BaseLogprobs.of(logprobs, self.prompts)
                self.base.save(self.run.base_logprobs_path)
        elif plan != "load":
            return
        self.active = True
        if state.global_step and self.threshold:  # resumed: the last checkpoint measured within, if still there
            self.within = from_main(self._last_within(state.global_step) if self.run.writes else None)
            self.pinned.update([self.within] if self.within is not None else [])

    def _plan(self, step: int) -> str:
        path = self.run.base_logprobs_path
        if path.is_file():
            self.base = BaseLogprobs.load(path)
            if self.base.prompts_sha256 == digest(self.prompts):
                return "load"
        elif not step:
            return "compute"
        self.run.note(Text("notes.forgetting_no_base"))
        return "off"

    def _last_within(self, step: int) -> int | None:
        kept = {checkpoint_step(p) for p in self.run.checkpoints()}
        steps = [e["step"] for e in self.run.events("eval")
                 if e.get("forget_kl") is not None and e["forget_kl"] <= self.threshold and e["step"] <= step]
        return max((s for s in steps if s in kept), default=None)

    def _checkpoint_at_evaluation(self, control) -> None:
        if self.active and self.threshold and control.should_evaluate:
            control.should_save = True

    def on_step_end(self, args, state, control, **kwargs):
        self._checkpoint_at_evaluation(control)

    def on_epoch_end(self, args, state, control, **kwargs):
        self._checkpoint_at_evaluation(control)

    def on_log(self, args, state, control, logs=None, model=None, **kwargs):
        step = state.global_step
        # once per evaluation: a mixture logs one eval record per task
        if not self.active or logs is None or not eval_losses(logs) or step == self.measured_step:
            return
        self.measured_step = step
        tuned = next_token_logprobs(model, self.prompts)
        kl = round(from_main(self.base.kl(tuned) if self.base is not None else 0.0), 6)
        logs["forget_kl"] = kl
        self.run.update_status(forget_kl=kl)
        self.pending = kl if self.threshold else None

    def on_evaluate(self, args, state, control, **kwargs):
        """The verdict on the evaluation just logged (once: a mixture evaluates each task in turn)."""
        kl, self.pending, step = self.pending, None, state.global_step
        if kl is None:
            return
        if kl <= self.threshold:
            self.within = step
            self.pinned.clear()
            self.pinned.add(step)
            return
        self.passed = (step, kl)
        control.should_save = False  # weights past the threshold are not kept
        control.should_training_stop = True
        values = {"step": step, "kl": f"{kl:.4f}", "threshold": self.threshold}
        self.run.note(Text("notes.forgetting_stop", kept=self.within, **values) if self.within is not None
                      else Text("notes.forgetting_stop_none", **values))

    def fall_back(self, trainer) -> dict:
        """After training stopped past the threshold: load the last checkpoint within it into the trainer's model
        (the Trainer's own best-model loading, which knows DeepSpeed, FSDP and adapters), so that it becomes the
        final model. Returns what the final model's metadata records about it ({} when the run did not stop so)."""
        if self.passed is None:
            return {}
        found = [p for p in self.run.checkpoints() if checkpoint_step(p) == self.within] if self.run.writes else []
        path = from_main(str(found[0]) if found else None)
        if path:
            trainer.state.best_model_checkpoint = path
            trainer._load_best_model()
        return {"forgetting_stop": {"step": self.passed[0], "forget_kl": self.passed[1], "threshold": self.threshold,
                                    "final_from": Path(path).name if path else None}}
