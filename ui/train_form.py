"""The Train tab's form: which config fields are knobs and the input each gets, the choices of its dropdowns, and
the RunConfig that the form describes (data source or mixture table, model, name and knobs)."""

from __future__ import annotations

import dataclasses
import typing

import gradio as gr

import ftcore

from .i18n import UIError, t, tr
from .i18n_help import SECTIONS

UPLOAD = ftcore.DataSource("upload").ref
BASIC = [("train", "epochs"), ("train", "max_steps"), ("train", "learning_rate"), ("train", "batch_size"),
         ("train", "grad_accum"), ("data", "max_length")]
ADVANCED = [("train", k) for k in ("method", "freeze_trainable_layers", "freeze_bottom_layers", "anchor",
                                   "anchor_weight", "scheduler", "warmup_ratio", "weight_decay",
                                   "max_grad_norm", "precision", "optimizer", "optimizer_in_backward",
                                   "gradient_checkpointing", "packing",
                                   "eval_steps", "early_stopping_patience", "save_steps", "save_precision", "seed")]
DEVICES = [("dist", "nproc"), ("dist", "strategy"), ("dist", "offload")]
STEPS = {"learning_rate": 1e-6, "warmup_ratio": 0.01, "weight_decay": 0.01, "max_grad_norm": 0.1, "epochs": 0.5}
CHOICES = {"method": ftcore.METHODS, "scheduler": ("cosine", "linear", "constant"), "precision": ftcore.PRECISIONS,
           "optimizer": tuple(ftcore.OPTIMIZERS), "save_precision": ("fp32", "bf16"),
           "strategy": ftcore.STRATEGIES, "offload": ftcore.OFFLOADS, "anchor": ftcore.ANCHORS}


def data_choices(settings: ftcore.Settings, lang: str = "en") -> list[tuple[str, str]]:
    """The sources of ftcore.data_sources as (label, ref): the dropdown keeps the ref, DataSource.parse reads it."""
    out = []
    for source, info in ftcore.data_sources(settings):
        if source.kind == "demo":
            label = tr("source_demo", lang, description=info["description"])
        elif source.kind == "prepared":
            split = tr("source_prepared_val", lang, n=info["validation"]) if info["validation"] else ""
            label = tr("source_prepared", lang, name=info["id"], train=info["train"] + info["augmented"], split=split)
        else:
            label = tr("source_upload", lang)
        out.append((label, source.ref))
    return out


def model_choices(settings: ftcore.Settings) -> list[str]:
    return [row["ref"] for row in ftcore.list_models(settings)]


def preset_choices(lang: str = "en") -> list[tuple[str, str]]:
    return [(f"{name} — {ftcore.localize(text, lang)}", name) for name, text in ftcore.presets().items()]


def knob(section: str, key: str, value):
    """One input for a config field, typed from the dataclass, with its help text as the tooltip."""
    hint = typing.get_type_hints(SECTIONS[section])[key]
    label, info = t(f"knob.{section}.{key}"), t(f"help.{section}.{key}")
    if hint is bool:
        return gr.Checkbox(value, label=label, info=info)
    if key in CHOICES:
        return gr.Dropdown(list(CHOICES[key]), value=value, label=label, info=info)
    # the arrows move a value by a step of its own scale (a learning rate of 5e-05 must not jump to 1)
    step = 1 if hint is int else STEPS.get(key, 0.1)
    return gr.Number(value, label=label, info=info, precision=0 if hint is int else None, minimum=0, step=step)


FIELDS = BASIC + ADVANCED + DEVICES


def knob_values(config: ftcore.RunConfig) -> dict[str, typing.Any]:
    """The knobs' values of a config, by "section.key"."""
    raw = config.to_dict()
    return {f"{section}.{key}": raw[section][key] for section, key in FIELDS}


def mixture_tasks(settings: ftcore.Settings, rows, upload: str | None) -> list[ftcore.TaskConfig]:
    """The mixture table's rows (source, weight) as tasks; empty when the table is."""
    tasks = []
    for ref, weight in mixture_rows(rows):
        source = ftcore.DataSource.parse(ref)
        data = source.data_config(settings, upload)
        try:
            weight = float(weight)
        except (TypeError, ValueError):
            raise UIError("mix_bad_weight", source=ref, weight=weight) from None
        tasks.append(ftcore.TaskConfig(train=data.train, name=source.task_name(settings, upload), val=data.val,
                                       format=data.format, template=data.template, columns=dict(data.columns),
                                       weight=weight))
    return tasks


def mixture_rows(rows) -> list[tuple[str, object]]:
    if rows is None:
        return []
    values = rows.values.tolist() if hasattr(rows, "values") else rows
    return [(str(r[0]), r[1]) for r in values if r and str(r[0]).strip()]


def build_config(settings: ftcore.Settings, source: str, upload: str | None, model: str, name: str,
                 values: dict[str, typing.Any], mixture=None) -> ftcore.RunConfig:
    """The RunConfig of the form: data source (or the mixture table), model, name and the knobs by "section.key"."""
    tasks = mixture_tasks(settings, mixture, upload)
    if tasks:  # the run's chat template: the one a task's rows need (tool calls), if any does
        needs = [ftcore.DataSource.parse(ref).data_config(settings, upload).chat_template
                 for ref, _ in mixture_rows(mixture)]
        data = ftcore.DataConfig(tasks=tasks, chat_template=next(filter(None, needs), None))
    else:
        data = ftcore.DataSource.parse(source).data_config(settings, upload)
    base = ftcore.RunConfig(name=(name or "").strip() or "ui-run", model=ftcore.ModelConfig(ref=model),
                            data=dataclasses.replace(data))
    typed = {}
    for name, value in values.items():
        if value is None or value == "":
            raise UIError("knob_empty", name=name)
        typed[name] = value
    keep = {f"data.{k}": getattr(data, k) for k in ("train", "val", "format", "template", "columns", "chat_template")}
    keep["data.tasks"] = [dataclasses.asdict(task) for task in data.tasks]
    return ftcore.apply_overrides(base, [], {**typed, **keep}).validate()


def devices_markdown(lang: str = "en") -> str:
    found = ftcore.detect_devices()
    if found[0].id.startswith("cuda"):
        return tr("devices_gpus", lang, n=len(found), devices=ftcore.describe_devices(found))
    return tr("devices_cpu", lang, devices=ftcore.describe_devices(found))
