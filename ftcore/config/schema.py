"""The run configuration's schema: one typed dataclass per section, each field with a default and a help line
(the CLI's --help and the UI's tooltips), and the checks across fields. YAML only stores these objects."""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ftcore.data.formats import FORMATS
from ftcore.errors import UserError

DEFAULT_MODEL = "smollm2-135m-instruct"
METHODS = ("full", "freeze", "freeze_bottom", "progressive", "lora", "distill")
ANCHORS = ("none", "l2", "kl")
REPLAY_SOURCES = ("shipped", "self")
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
OPTIMIZERS = {  # name -> (TrainingArguments optim, the package it needs)
    "adamw_torch_fused": ("adamw_torch_fused", None), "adamw_torch": ("adamw_torch", None),
    "adamw_8bit": ("adamw_bnb_8bit", "bitsandbytes"), "adafactor": ("adafactor", None),
    "adalomo": ("adalomo", "lomo_optim"), "galore_adamw": ("galore_adamw", "galore_torch"), "sgd": ("sgd", None),
}
STRATEGIES = ("ddp", "zero1", "zero2", "zero3", "fsdp")
OFFLOADS = ("none", "optimizer", "params")


def _f(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass
class ModelConfig:
    ref: str = _f(DEFAULT_MODEL, "Base model: an embedded name, a Hub id (owner/name), a local folder or a run id.")
    trust_remote_code: bool = _f(False, "Run the model repository's own Python code. Only for models you trust.")


@dataclass
class TaskConfig:
    """One dataset of a multi-task mixture, with its own format, validation data and sampling weight."""

    train: str = _f("", "Training data file of this task.")
    name: str = _f("", "Task name in curves and reports (default: the file's name).")
    val: str | None = _f(None, "Validation data file of this task. Optional.")
    format: str = _f("auto", "Data format of this task's files (auto detects it).")
    template: str | None = _f(None, "Prompt template for this task's classification rows, with {text}.")
    columns: dict[str, str] = field(default_factory=dict, metadata={
        "help": "Column mapping of this task's files, format field -> your column."})
    weight: float = _f(1.0, "Sampling weight: this task's share of the training examples is weight / sum of "
                       "weights (rows are repeated or subsampled to reach it).")


@dataclass
class DataConfig:
    train: str = _f("", "Training data file (.jsonl with chat messages, or text+label rows).")
    val: str | None = _f(None, "Validation data file (same format). Optional.")
    format: str = _f("auto", "Data format: auto, messages, alpaca, prompt_completion, text or classification.")
    template: str | None = _f(None, "Prompt template for classification rows, with {text}.")
    columns: dict[str, str] = field(default_factory=dict, metadata={
        "help": "Column mapping, format field -> your column, e.g. text=clause,label=risk."})
    max_length: int = _f(512, "Longest example in tokens; longer ones are truncated.")
    train_on_input: bool = _f(False, "Learn the user's turns too, not only the assistant's (a row's own loss_weight "
                              "or train flag on a turn still decides for that turn).")
    reasoning: str = _f("keep", "The assistant's reasoning traces (reasoning_content, or <think>...</think> in the "
                        "answer): keep (learned with the answer) or drop.")
    chat_template: str | None = _f(None, "Chat template to train with instead of the model's own, saved with the "
                                   "model: chatml-tools (shipped: ChatML with tool calls, for ChatML models such as "
                                   "SmolLM2) or a .jinja file inside the workspace.")
    replay: float = _f(0.0, "Against forgetting: mix general instruction data (EN and ZH, shipped) into training, "
                       "as a share of your examples (0.2 adds one general example per five of yours).")
    replay_source: str = _f("shipped", "Where the replay rows come from: shipped (general instruction data written "
                            "for FullTune) or self (the base model's own answers to general prompts, generated "
                            "before training and cached: it keeps the model's own style; data.replay stays the "
                            "share). The prompts are in your data's language.")
    replay_prompts: str | None = _f(None, "With replay_source=self: your own general prompts (a file inside the "
                                    "workspace: .txt one per line, or .jsonl with a prompt or messages field) "
                                    "instead of the shipped EN/ZH ones.")
    tasks: list[TaskConfig] = field(default_factory=list, metadata={
        "help": "Multi-task mixture: several datasets trained together, each with its own format, validation "
                "file and weight (CLI: repeat --data FILE[:WEIGHT]). Use instead of train/val."})

    def files(self) -> list[tuple[str, str]]:
        """(key, path) of every data file: train/validation, or train:TASK/validation:TASK in a mixture (the
        keys of data.json and of the fingerprints that resume checks)."""
        out = []
        for task in self.task_list():
            suffix = f":{task.name}" if task.name else ""
            out += [(f"train{suffix}", task.train)] + ([(f"validation{suffix}", task.val)] if task.val else [])
        return out

    def read_options(self) -> dict:
        """How rows are read for this run (ftcore.data.read_examples' options)."""
        return {"train_on_input": self.train_on_input, "reasoning": self.reasoning}

    def task_list(self) -> list[TaskConfig]:
        """The datasets of this run: the tasks of a mixture (names filled in), or the one train/val pair with
        the name ''."""
        if not self.tasks:
            return [TaskConfig(train=self.train, name="", val=self.val, format=self.format, template=self.template,
                               columns=dict(self.columns), weight=1.0)]
        out, seen = [], set()
        for task in self.tasks:
            name = task.name or re.sub(r"[^\w.-]+", "-", Path(task.train).stem).strip("-") or "task"
            base, k = name, 2
            while name in seen:
                name, k = f"{base}-{k}", k + 1
            seen.add(name)
            out.append(TaskConfig(train=task.train, name=name, val=task.val,
                                  format=task.format if task.format != "auto" else self.format,
                                  template=task.template or self.template, columns=task.columns or dict(self.columns),
                                  weight=task.weight))
        return out


@dataclass
class TrainConfig:
    epochs: float = _f(3.0, "Passes over the training data (ignored when max_steps > 0).")
    max_steps: int = _f(0, "Stop after this many optimizer steps (0: use epochs).")
    learning_rate: float = _f(2e-5, "Peak learning rate. Full fine-tuning wants small values (1e-5 to 1e-4).")
    batch_size: int = _f(4, "Examples per device per forward pass.")
    grad_accum: int = _f(1, "Forward passes per optimizer step (effective batch = batch_size x grad_accum).")
    warmup_ratio: float = _f(0.0, "Share of steps spent warming the learning rate up from 0.")
    scheduler: str = _f("cosine", "Learning-rate schedule: cosine, linear or constant.")
    weight_decay: float = _f(0.0, "AdamW weight decay.")
    max_grad_norm: float = _f(1.0, "Clip gradients to this norm.")
    save_steps: int = _f(0, "Write a checkpoint every N steps (0: only the final model).")
    save_total_limit: int = _f(2, "Keep at most this many checkpoints.")
    logging_steps: int = _f(0, "Log loss every N steps (0: every step on the CPU, every 10 on a GPU, where each "
                            "record waits for the device).")
    seed: int = _f(42, "Random seed for data order and initialisation.")
    method: str = _f("full", "full: train every weight; freeze: only the top freeze_trainable_layers layers; "
                     "freeze_bottom: the embeddings and the bottom freeze_bottom_layers layers stay fixed; "
                     "progressive: top layers first, more at each stage; lora: low-rank adapters (baseline); distill: "
                     "learn from a teacher's logits as well as the labels.")
    freeze_trainable_layers: int = _f(2, "With method=freeze: how many top layers (plus the output head) train.")
    freeze_bottom_layers: int = _f(0, "With method=freeze_bottom: how many bottom layers stay frozen with the "
                                   "embeddings (0: a quarter of the layers, rounded up). A tied output head is the "
                                   "embedding matrix and stays frozen too.")
    progressive_stages: int = _f(3, "With method=progressive: stages, each unfreezing a further share of layers.")
    lora_rank: int = _f(16, "With method=lora: adapter rank (alpha = 2 x rank), on every linear layer.")
    teacher: str = _f("", "With method=distill: the teacher, usually a finished run (its final model) with the "
                      "same tokenizer; the model being trained (model.ref) is the student.")
    distill_alpha: float = _f(0.5, "With method=distill: weight of the label loss; the rest follows the teacher.")
    distill_temperature: float = _f(2.0, "With method=distill: softening of both distributions.")
    anchor: str = _f("none", "Against forgetting, a pull toward the base model: none; l2 (L2-SP: anchor_weight x "
                     "squared distance of the trainable weights to their starting values; keeps a copy of them on "
                     "the device); kl (anchor_weight x KL from the base's next-token distribution on the replay "
                     "rows, computed once before the first step and stored: needs data.replay).")
    anchor_weight: float = _f(1.0, "With an anchor: the penalty's weight (l2: try 0.1 to 10, the squared distance is "
                              "summed over every trainable weight; kl: try 0.1 to 1, the KL is a mean in nats).")
    precision: str = _f("auto", "auto (bf16 on GPUs that have it, fp16 on older GPUs, fp32 on CPU), fp32, bf16, fp16.")
    gradient_checkpointing: bool = _f(False, "Recompute activations in the backward pass: less memory, ~30% slower.")
    optimizer: str = _f("adamw_torch_fused", "Optimizer: adamw_torch_fused, adamw_torch, adamw_8bit, adafactor, "
                        "adalomo, galore_adamw, sgd.")
    optimizer_in_backward: bool = _f(False, "Step each weight as soon as its gradient is complete and free the "
                                     "gradient: one gradient alive at a time. With adafactor, the low-memory full "
                                     "fine-tuning mode (about 4-5 bytes of training state per parameter instead of "
                                     "16 with AdamW). One process, grad_accum 1, bf16 or fp32; the gradient norm is "
                                     "logged but not clipped (adafactor bounds each update itself).")
    packing: bool = _f(True, "Padding-free packing: concatenate examples without padding (attention kept apart).")
    eval_steps: int = _f(0, "Evaluate every N steps (0: every epoch). Needs a validation file.")
    early_stopping_patience: int = _f(3, "Stop after this many evaluations without a better validation loss "
                                      "(0: never).")
    stop_on_forgetting: float = _f(0.0, "Stop when forgetting passes this many nats (0: off). Forgetting is "
                                   "measured at each evaluation as forget_kl, the mean KL(base || tuned) of the "
                                   "next-token distribution on 32 general EN/ZH chat prompts (SmolLM2-135M measured 0.9 "
                                   "after 8 steps of the barista demo at lr 1e-4, 1.3 after 40, 2.9 after 4 epochs on "
                                   "72 facts: try 1.5 to 3); the "
                                   "final model is then the last checkpoint measured within it (a checkpoint is "
                                   "written at each evaluation while this is on). Needs a validation file.")
    nan_tolerance: int = _f(3, "Stop the run after this many consecutive steps with a NaN/inf loss or gradient.")
    save_precision: str = _f("fp32", "Precision of the saved final model: fp32 or bf16.")

    def bottom_layers(self, num_layers: int) -> int:
        """How many bottom layers method=freeze_bottom keeps fixed in a model of `num_layers` layers."""
        return self.freeze_bottom_layers or max(1, math.ceil(num_layers / 4))


@dataclass
class DistConfig:
    nproc: int = _f(1, "Processes on this node: one per GPU, or CPU ranks on a machine without GPUs.")
    nnodes: int = _f(1, "Machines taking part; each runs the same command with its own node_rank.")
    node_rank: int = _f(0, "This machine's index among the nodes (0 is the one that writes the run folder).")
    master_addr: str = _f("", "Address of node 0, reachable from every node (required with several nodes).")
    master_port: int = _f(29500, "A free TCP port on node 0 (multi-node only).")
    strategy: str = _f("ddp", "ddp: every process holds the whole model; zero1/zero2/zero3: DeepSpeed shards "
                       "optimizer states / + gradients / + weights across processes; fsdp: PyTorch's sharding.")
    offload: str = _f("none", "Move optimizer states (optimizer) or also weights (params) to CPU memory; "
                      "GPU runs with zero2/zero3 only.")

    @property
    def world_size(self) -> int:
        return self.nproc * self.nnodes


@dataclass
class ProbeConfig:
    suites: str = _f("auto", "Forgetting probes run on the base and the final model after training (the model is "
                     "usable at once; the report follows): auto (all on a GPU, quick on the CPU), quick (short "
                     "answers, perplexity, KL: no 160-token writing), all, none, or a comma list of built-in suite "
                     "names, question/answer files and lm-eval benchmarks (lm_eval:hellaswag, "
                     "lm_eval:arc_challenge, lm_eval:PATH.yaml).")
    budget: float = _f(5.0, "Forgetting budget: no suite may lose more than this many points (accuracy) or "
                       "percent (perplexity).")
    checkpoints: bool = _f(False, "Also evaluate each kept checkpoint, and recommend the best one within budget.")
    max_new_tokens: int = _f(0, "Tokens generated per probe answer (0: 32 for answers, 160 for writing tasks).")
    domain: bool = _f(True, "Evaluate the domain data (validation split, else a sample of the training data).")
    fewshot: int = _f(0, "Also score the prompting baseline on the domain data: the base model with a system "
                      "prompt and this many worked examples from the training split (0: off; try 3).")
    blend: str = _f("auto", "Blends of the base and the final model's weights (WiSE-FT) as report candidates: "
                    "auto (searched when the final model forgets over the budget), always, or off. Three alphas "
                    "are scored on the quick measures, the pick fully: at most about two evaluations more.")
    lm_eval_limit: int = _f(100, "Items scored per lm_eval: suite, shared evenly by a group's subtasks (0: all). "
                            "100 is a quick look: a change of a few points is within its noise.")
    lm_eval_include: str = _f("", "Folders of your own lm-eval task YAML files (comma list), for lm_eval:TASK "
                              "suites that are not among the harness's own tasks.")


@dataclass
class RunConfig:
    name: str = _f("", "A name for the run (shown in lists; the run id is derived from it).")
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    dist: DistConfig = field(default_factory=DistConfig)
    probe: ProbeConfig = field(default_factory=ProbeConfig)

    def validate(self) -> RunConfig:
        """Raise the first failed check's UserError (each is built with the values it names, whether it fails or
        not: cheap, and the table stays one line per rule)."""
        t, d = self.train, self.data
        checks = [
            (bool(d.train) or bool(d.tasks), UserError("config.no_train")),
            (not (d.train and d.tasks), UserError("config.train_and_tasks")),
            (all(t.train for t in d.tasks), UserError("config.task_no_train")),
            (all(t.weight > 0 for t in d.tasks), UserError("config.task_weight")),
            (all(t.format in ("auto", *FORMATS) for t in d.tasks),
             UserError("config.task_format", formats=", ".join(FORMATS))),
            (len({t.name for t in d.tasks if t.name}) == len([t for t in d.tasks if t.name]),
             UserError("config.task_names")),
            (t.epochs > 0 or t.max_steps > 0, UserError("config.no_length")),
            (all(math.isfinite(v) for v in (t.epochs, t.learning_rate, t.warmup_ratio, t.weight_decay,
                                            t.max_grad_norm, d.replay, self.probe.budget, t.anchor_weight)),
             UserError("config.not_finite")),
            (t.max_steps > 0 or t.epochs <= 1000, UserError("config.epochs", value=t.epochs)),
            (t.max_steps >= 0, UserError("config.max_steps")),
            (0 < t.learning_rate < 1, UserError("config.learning_rate", value=t.learning_rate)),
            (t.batch_size >= 1, UserError("config.batch_size")),
            (t.grad_accum >= 1, UserError("config.grad_accum")),
            (0 <= t.warmup_ratio < 1, UserError("config.warmup_ratio")),
            (t.scheduler in ("cosine", "linear", "constant"), UserError("config.scheduler", value=t.scheduler)),
            (t.save_steps >= 0, UserError("config.save_steps")),
            (0 <= d.replay <= 5, UserError("config.replay", value=d.replay)),
            (16 <= d.max_length <= 131072, UserError("config.max_length", value=d.max_length)),
            (d.format in ("auto", *FORMATS), UserError("data.unknown_format", format=d.format, formats=", ".join(FORMATS))),
            (d.template is None or "{text}" in d.template, UserError("config.template")),
            (t.method in METHODS, UserError("config.method", value=t.method, choices=", ".join(METHODS))),
            (t.freeze_trainable_layers >= 1, UserError("config.freeze_layers")),
            (t.freeze_bottom_layers >= 0, UserError("config.freeze_bottom_layers")),
            *self.replay_checks(),
            *self.anchor_checks(),
            (t.progressive_stages >= 1 and t.lora_rank >= 1, UserError("config.stages_rank")),
            (t.method != "distill" or bool(t.teacher), UserError("config.distill_teacher")),
            (0 <= t.distill_alpha <= 1 and t.distill_temperature > 0, UserError("config.distill_values")),
            (t.method != "progressive" or self.dist.world_size == 1, UserError("config.progressive_ranks")),
            (t.precision in PRECISIONS, UserError("config.precision", value=t.precision, choices=", ".join(PRECISIONS))),
            (t.optimizer in OPTIMIZERS, UserError("config.optimizer", value=t.optimizer, choices=", ".join(OPTIMIZERS))),
            (t.eval_steps >= 0 and t.early_stopping_patience >= 0, UserError("config.eval_patience")),
            (t.logging_steps >= 0, UserError("config.logging_steps")),
            *self.in_backward_checks(),
            (t.nan_tolerance >= 1, UserError("config.nan_tolerance")),
            (math.isfinite(t.stop_on_forgetting) and t.stop_on_forgetting >= 0,
             UserError("config.stop_on_forgetting", value=t.stop_on_forgetting)),
            (t.save_precision in ("fp32", "bf16"), UserError("config.save_precision")),
            *self.dist_checks(),
            (self.probe.budget >= 0 and self.probe.max_new_tokens >= 0 and self.probe.lm_eval_limit >= 0,
             UserError("config.probe_values")),
            (0 <= self.probe.fewshot <= 16, UserError("config.fewshot")),
            (self.probe.blend in ("auto", "always", "off"), UserError("config.probe_blend", value=self.probe.blend)),
        ]
        for ok, error in checks:
            if not ok:
                raise error
        return self

    def replay_checks(self) -> list[tuple[bool, UserError]]:
        d = self.data
        return [
            (d.replay_source in REPLAY_SOURCES, UserError("config.replay_source", value=d.replay_source,
                                                          choices=", ".join(REPLAY_SOURCES))),
            (d.replay_source != "self" or d.replay > 0, UserError("config.self_replay_share")),
            (d.replay_prompts is None or d.replay_source == "self", UserError("config.replay_prompts_shipped")),
            (d.reasoning in ("keep", "drop"), UserError("config.reasoning", value=d.reasoning)),
        ]

    def anchor_checks(self) -> list[tuple[bool, UserError]]:
        """L2-SP keeps a whole copy of the trainable weights beside them and reads every weight at each step:
        refused where the weights are not whole on the device (sharded), where the device is short of memory
        (offload), and where the trainable weights start from nothing (lora's adapters: the pull would be plain
        weight decay). The KL anchor keeps no copy (only the base's top next tokens on the replay rows, stored) but
        needs replay rows to anchor on. With distill, either penalty adds to the distillation loss."""
        t, n, d = self.train, self.dist, self.data
        if t.anchor == "none":
            return [(t.anchor_weight >= 0, UserError("config.anchor_weight"))]
        return [
            (t.anchor in ANCHORS, UserError("config.anchor", value=t.anchor, choices=", ".join(ANCHORS))),
            (t.anchor_weight > 0, UserError("config.anchor_weight")),
            (t.anchor != "kl" or d.replay > 0, UserError("config.anchor_kl_replay")),
            (t.method != "lora", UserError("config.anchor_lora", anchor=t.anchor)),
            (t.anchor != "l2" or n.strategy not in ("zero3", "fsdp"),
             UserError("config.anchor_sharded", anchor=t.anchor, strategy=n.strategy)),
            (t.anchor != "l2" or n.offload == "none",
             UserError("config.anchor_offload", anchor=t.anchor, offload=n.offload)),
        ]

    def in_backward_checks(self) -> list[tuple[bool, UserError]]:
        t = self.train
        if not t.optimizer_in_backward:
            return []
        return [
            (t.grad_accum == 1, UserError("config.in_backward_accum", grad_accum=t.grad_accum)),
            (self.dist.world_size == 1, UserError("config.in_backward_ranks")),
            (t.optimizer not in ("adalomo", "galore_adamw"), UserError("config.in_backward_optimizer",
                                                                      optimizer=t.optimizer)),
            (t.precision != "fp16", UserError("config.in_backward_fp16")),
        ]

    def dist_checks(self) -> list[tuple[bool, UserError]]:
        n = self.dist
        return [
            (n.nproc >= 1 and n.nnodes >= 1, UserError("config.dist_counts")),
            (0 <= n.node_rank < n.nnodes, UserError("config.node_rank", last=n.nnodes - 1, nodes=n.nnodes)),
            (0 < n.master_port < 65536, UserError("config.master_port")),
            (n.strategy in STRATEGIES, UserError("config.strategy", value=n.strategy, choices=", ".join(STRATEGIES))),
            (n.offload in OFFLOADS, UserError("config.offload", value=n.offload, choices=", ".join(OFFLOADS))),
            (n.offload == "none" or n.strategy in ("zero2", "zero3"),
             UserError("config.offload_strategy", offload=n.offload, strategy=n.strategy)),
            (n.offload != "params" or n.strategy == "zero3", UserError("config.offload_params")),
            (n.nnodes == 1 or bool(n.master_addr.strip()), UserError("config.master_addr", nodes=n.nnodes)),
            # DeepSpeed's offload steps its own CPU AdamW: the same algorithm as the AdamW choices, no other
            (n.offload == "none" or self.train.optimizer in ("adamw_torch", "adamw_torch_fused"),
             UserError("config.offload_optimizer", optimizer=self.train.optimizer)),
            (self.train.method != "distill" or n.strategy in ("ddp", "zero1", "zero2"),
             UserError("config.distill_sharded", strategy=n.strategy)),
        ]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> RunConfig:
        from ftcore.config.io import build

        return build(cls, raw, "")

    @classmethod
    def load(cls, path: Path) -> RunConfig:
        from ftcore.config.io import read_yaml

        return cls.from_dict(read_yaml(Path(path)))
