"""Train tab: data, model, preset and knobs (basic / advanced / devices) with the memory plan and the exact CLI
command updating as they change; start, stop and resume; the runs table; live curves, ETA and the log tail."""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import gradio as gr

import ftcore

from .i18n import UIError, both, error, lang_of, t, tr
from .i18n_help import SECTIONS
from .train_view import curves, get_run, log_tail, runs_table, status_markdown

UPLOAD = "upload"
BASIC = [("train", "epochs"), ("train", "max_steps"), ("train", "learning_rate"), ("train", "batch_size"),
         ("train", "grad_accum"), ("data", "max_length")]
ADVANCED = [("train", k) for k in ("method", "freeze_trainable_layers", "scheduler", "warmup_ratio", "weight_decay",
                                   "max_grad_norm", "precision", "optimizer", "optimizer_in_backward",
                                   "gradient_checkpointing", "packing",
                                   "eval_steps", "early_stopping_patience", "save_steps", "save_precision", "seed")]
DEVICES = [("dist", "nproc"), ("dist", "strategy"), ("dist", "offload")]
CHOICES = {"method": ftcore.METHODS, "scheduler": ("cosine", "linear", "constant"), "precision": ftcore.PRECISIONS,
           "optimizer": tuple(ftcore.OPTIMIZERS), "save_precision": ("fp32", "bf16"),
           "strategy": ftcore.STRATEGIES, "offload": ftcore.OFFLOADS}


@dataclass
class TrainTab:
    source: gr.Dropdown
    runs: gr.Dropdown
    devices: gr.Markdown
    show_plan: typing.Callable  # (plan inputs) -> (plan, command); run at page load
    plan_inputs: list
    plan_outputs: list


def data_choices(settings: ftcore.Settings, lang: str = "en") -> list[tuple[str, str]]:
    choices = [(tr("source_demo", lang, description=demo.description), f"demo:{name}")
               for name, demo in ftcore.DEMOS.items()]
    for info in ftcore.prepared_datasets(settings):
        split = tr("source_prepared_val", lang, n=info["validation"]) if info["validation"] else ""
        label = tr("source_prepared", lang, name=info["id"], train=info["train"] + info["augmented"], split=split)
        choices.append((label, f"prepared:{info['id']}"))
    return [*choices, (tr("source_upload", lang), UPLOAD)]


def model_choices(settings: ftcore.Settings) -> list[str]:
    return [row["ref"] for row in ftcore.list_models(settings)]


def run_choices(settings: ftcore.Settings) -> list[tuple[str, str]]:
    return [(f"{run.id} · {run.status().get('state')}", run.id) for run in ftcore.RunStore(settings).list()]


def latest_run(settings: ftcore.Settings) -> str | None:
    """The run to re-attach to after a reload: the newest active one, else the newest."""
    runs = ftcore.RunStore(settings).list()
    for run in runs:
        if run.status().get("state") in ftcore.ACTIVE:
            return run.id
    return runs[0].id if runs else None


def knob(section: str, key: str, value):
    """One input for a config field, typed from the dataclass, with its help text as the tooltip."""
    hint = typing.get_type_hints(SECTIONS[section])[key]
    label, info = t(f"knob.{section}.{key}"), t(f"help.{section}.{key}")
    if hint is bool:
        return gr.Checkbox(value, label=label, info=info)
    if key in CHOICES:
        return gr.Dropdown(list(CHOICES[key]), value=value, label=label, info=info)
    return gr.Number(value, label=label, info=info, precision=0 if hint is int else None, minimum=0)


def knob_values(config: ftcore.RunConfig) -> list:
    raw = config.to_dict()
    return [raw[section][key] for section, key in BASIC + ADVANCED + DEVICES]


def data_config(settings: ftcore.Settings, source: str, upload: str | None) -> ftcore.DataConfig:
    if source == UPLOAD:
        if not upload:
            raise UIError("upload_first")
        return ftcore.DataConfig(train=upload)
    if source.startswith("prepared:"):
        found = [d for d in ftcore.prepared_datasets(settings) if d["id"] == source.removeprefix("prepared:")]
        if not found:
            raise UIError("prepared_gone", source=source)
        return ftcore.DataConfig(train=found[0]["train_file"], val=found[0]["val_file"], format="messages")
    demo = ftcore.DEMOS.get(source.removeprefix("demo:")) if source.startswith("demo:") else None
    if demo is None:  # a mixture table row typed by hand
        raise UIError("unknown_source", source=source, demos=", ".join(f"demo:{n}" for n in ftcore.DEMOS))
    return ftcore.DataConfig(train=str(demo.path), format=demo.format, template=demo.template)


def source_name(settings: ftcore.Settings, source: str, upload: str | None) -> str:
    """A task name for a data source: the demo's or prepared dataset's name, else the upload's file name."""
    if source == UPLOAD:
        return Path(upload or "upload").stem
    if source.startswith("prepared:"):
        found = [d for d in ftcore.prepared_datasets(settings) if d["id"] == source.removeprefix("prepared:")]
        return found[0]["name"] if found else source.removeprefix("prepared:")
    return source.removeprefix("demo:")


def mixture_tasks(settings: ftcore.Settings, rows, upload: str | None) -> list[ftcore.TaskConfig]:
    """The mixture table's rows (source, weight) as tasks; empty when the table is."""
    tasks = []
    for source, weight in mixture_rows(rows):
        data = data_config(settings, source, upload)
        try:
            weight = float(weight)
        except (TypeError, ValueError):
            raise UIError("mix_bad_weight", source=source, weight=weight) from None
        tasks.append(ftcore.TaskConfig(train=data.train, name=source_name(settings, source, upload), val=data.val,
                                       format=data.format, template=data.template, columns=dict(data.columns),
                                       weight=weight))
    return tasks


def mixture_rows(rows) -> list[tuple[str, object]]:
    if rows is None:
        return []
    values = rows.values.tolist() if hasattr(rows, "values") else rows
    return [(str(r[0]), r[1]) for r in values if r and str(r[0]).strip()]


def build_config(settings: ftcore.Settings, source: str, upload: str | None, model: str, name: str,
                 values: list, mixture=None) -> ftcore.RunConfig:
    tasks = mixture_tasks(settings, mixture, upload)
    data = ftcore.DataConfig(tasks=tasks) if tasks else data_config(settings, source, upload)
    base = ftcore.RunConfig(name=(name or "").strip() or "ui-run", model=ftcore.ModelConfig(ref=model),
                            data=dataclasses.replace(data))
    typed = {}
    for (section, key), value in zip(BASIC + ADVANCED + DEVICES, values, strict=True):
        if value is None or value == "":
            raise UIError("knob_empty", name=f"{section}.{key}")
        typed[f"{section}.{key}"] = value
    keep = {f"data.{k}": getattr(data, k) for k in ("train", "val", "format", "template", "columns")}
    keep["data.tasks"] = [dataclasses.asdict(task) for task in data.tasks]
    return ftcore.apply_overrides(base, [], {**typed, **keep}).validate()


def devices_markdown(lang: str = "en") -> str:
    found = ftcore.detect_devices()
    if found[0].id.startswith("cuda"):
        return tr("devices_gpus", lang, n=len(found), devices=ftcore.describe_devices(found))
    return tr("devices_cpu", lang, devices=ftcore.describe_devices(found))


def build(settings: ftcore.Settings):
    """Lay out the tab and wire its events; returns the components other tabs and page load need."""
    defaults = ftcore.load_layers("quick-cpu")

    @lru_cache(maxsize=8)
    def model_config(ref: str):
        return ftcore.load_config(ref, settings, prepare=False)

    with gr.Tab(t("tab_train"), id="train"):
        with gr.Row():
            with gr.Column(scale=1):
                source = gr.Dropdown(data_choices(settings), value="demo:barista", label=t("data_source"),
                                     elem_id="train-source")
                upload = gr.File(label=t("data_upload"), type="filepath", elem_id="train-upload",
                                 file_types=[".jsonl", ".json", ".csv", ".tsv", ".parquet", ".txt"])
                with gr.Accordion(t("mixture"), open=False):
                    gr.Markdown(t("mixture_help"))
                    with gr.Row():
                        weight = gr.Number(1.0, label=t("mix_weight"), minimum=0.01, elem_id="mix-weight")
                        add = gr.Button(t("mix_add"), size="sm", elem_id="mix-add")
                        clear = gr.Button(t("clear"), size="sm")
                    mixture = gr.Dataframe(headers=["dataset", "weight"], datatype=["str", "number"],
                                           value=[], interactive=True, elem_id="mix-table")
                    share = gr.Markdown("", elem_id="mix-share")
                model = gr.Dropdown(model_choices(settings), value=ftcore.DEFAULT_MODEL,
                                    allow_custom_value=True, label=t("model"), info=t("model_info"),
                                    elem_id="model-dropdown")
                preset = gr.Dropdown([(f"{k} — {v}", k) for k, v in ftcore.presets().items()], value="quick-cpu",
                                     label=t("preset"), elem_id="train-preset")
                values = dict(zip(BASIC + ADVANCED + DEVICES, knob_values(defaults), strict=True))
                with gr.Row():
                    basic = [knob(s, k, values[(s, k)]) for s, k in BASIC]
                use_lr = gr.Button(t("use_lr"), size="sm")
                with gr.Accordion(t("advanced"), open=False):
                    advanced = [knob(s, k, values[(s, k)]) for s, k in ADVANCED]
                with gr.Accordion(t("devices_strategy"), open=False):
                    devices = gr.Markdown(devices_markdown(), elem_id="train-devices")
                    dist = [knob(s, k, values[(s, k)]) for s, k in DEVICES]
                name = gr.Textbox("", label=t("run_name"), max_lines=1)
                start = gr.Button(t("start"), variant="primary", elem_id="start-training")
                plan = gr.Markdown("", elem_id="train-plan")
                command = gr.Code("", language="shell", label=t("command_line"), elem_id="train-command")
            with gr.Column(scale=2):
                with gr.Row():
                    runs = gr.Dropdown(run_choices(settings), label=t("runs"), elem_id="runs-dropdown")
                    refresh = gr.Button(t("refresh"), size="sm")
                    stop = gr.Button(t("stop"), variant="stop", size="sm")
                    resume = gr.Button(t("resume"), size="sm", elem_id="resume-run")
                status = gr.Markdown(t("no_run"), elem_id="run-status")
                with gr.Row():
                    loss_plot = gr.LinePlot(x="step", y="value", color="series", label=t("loss_curve"), height=240)
                    speed_plot = gr.LinePlot(x="step", y="value", color="series", label=t("tokens_per_second"),
                                             height=240)
                with gr.Row():
                    lr_plot = gr.LinePlot(x="step", y="value", color="series", label=t("lr_curve"), height=200)
                    grad_plot = gr.LinePlot(x="step", y="value", color="series", label=t("grad_norm"), height=200)
                table = gr.Dataframe(runs_table(settings), label=t("runs"), interactive=False, elem_id="runs-table")
                with gr.Accordion(t("log"), open=False):
                    log = gr.Code("", language=None, label=t("log_tail"), elem_id="run-log")
        timer = gr.Timer(1.0)

    knobs = basic + advanced + dist
    lr_box = basic[BASIC.index(("train", "learning_rate"))]
    plots = [loss_plot, speed_plot, lr_plot, grad_plot]

    def on_upload(path):
        return UPLOAD if path else gr.update()

    def on_preset(name):
        return knob_values(ftcore.load_layers(name))

    def on_add(rows, src, w):
        return [*[list(r) for r in mixture_rows(rows)], [src, float(w or 1.0)]]

    def on_share(request: gr.Request, rows, up, mdl, *vals):
        """Each task's examples and token share, with the tokenizer and max length the run would use."""
        lang = lang_of(request)
        try:
            tasks = mixture_tasks(settings, rows, up)
            if not tasks:
                return ""
            length = int(vals[(BASIC + ADVANCED + DEVICES).index(("data", "max_length"))])
            table = ftcore.mixture_share(ftcore.DataConfig(tasks=tasks).task_list(),
                                         ftcore.load_tokenizer(mdl, settings), length)
        except ftcore.UserError as exc:
            return tr("mix_check", lang, error=exc)
        except Exception as exc:  # a model whose tokenizer cannot load here: no share, say why
            return tr("mix_share_unavailable", lang, error=exc)
        lines = [tr("mix_table_head", lang), "|---|---|---|---|---|---|"]
        lines += [f"| {r['task']} | {r['weight']:g} | {r['rows']} | {r['examples']} | {r['mean_tokens']} | "
                  f"{r['token_share']}% |" for r in table]
        return "\n".join(lines)

    def on_knobs(request: gr.Request, src, up, mdl, nm, mix, *vals):
        """The plan panel and the command: recomputed from the same config the Start button would use."""
        lang = lang_of(request)
        try:
            config = build_config(settings, src, up, mdl, nm, list(vals), mix)
        except ftcore.UserError as exc:
            return tr("check_settings", lang, error=exc), ""
        cmd = ftcore.command_line(config)
        if src == UPLOAD:  # a temporary upload path means nothing outside this server
            cmd = cmd.replace(str(config.data.train), "YOUR_DATA_FILE")
        try:
            advice = ftcore.advise(config, model_config(mdl), ftcore.detect_devices())
        except Exception as exc:  # an unknown model family or an unreachable model: say so, keep the UI
            return tr("plan_unavailable", lang, model=mdl, error=exc), cmd
        return advice.markdown(lang), cmd

    def on_use_lr(mdl):
        try:
            params = ftcore.advise(ftcore.RunConfig(model=ftcore.ModelConfig(ref=mdl)), model_config(mdl),
                                   ftcore.detect_devices()).parameters
        except Exception as exc:
            raise gr.Error(both("no_lr_suggestion", model=mdl, error=exc)) from None
        return ftcore.suggest_learning_rate(mdl, params).learning_rate

    def on_start(request: gr.Request, src, up, mdl, nm, mix, *vals):
        try:
            run = ftcore.start(build_config(settings, src, up, mdl, nm, list(vals), mix), settings)
        except ftcore.UserError as exc:
            raise error(exc, duration=None) from None
        return gr.update(choices=run_choices(settings), value=run.id), status_markdown(run, lang_of(request))

    def view(run_id, request: gr.Request):
        run, lang = get_run(settings, run_id), lang_of(request)
        frames = curves(run, lang)
        return (status_markdown(run, lang), frames["loss"], frames["speed"], frames["lr"], frames["grad"],
                runs_table(settings), log_tail(run))

    def on_refresh(run_id, request: gr.Request):
        return gr.update(choices=run_choices(settings)), *view(run_id, request)

    def on_stop(run_id, request: gr.Request):
        run = get_run(settings, run_id)
        if run is not None and run.status().get("state") in ftcore.ACTIVE:
            run.request_stop()  # the worker checkpoints and ends; the timer shows it
        return status_markdown(run, lang_of(request))

    def on_resume(run_id, request: gr.Request):
        run = get_run(settings, run_id)
        if run is None:
            raise gr.Error(both("pick_run_resume"))
        try:
            ftcore.resume(run, settings)
        except ftcore.UserError as exc:
            raise error(exc, duration=None) from None
        return status_markdown(run, lang_of(request))

    view_outputs = [status, *plots, table, log]
    inputs = [source, upload, model, name, mixture, *knobs]
    upload.change(on_upload, upload, source)
    add.click(on_add, [mixture, source, weight], mixture)
    clear.click(lambda: [], None, mixture)
    mixture.change(on_share, [mixture, upload, model, *knobs], share, show_progress="hidden",
                   trigger_mode="always_last")
    preset.change(on_preset, preset, knobs)
    gr.on([c.change for c in [source, upload, model, mixture, *knobs]], on_knobs, inputs, [plan, command],
          show_progress="hidden", trigger_mode="always_last")
    use_lr.click(on_use_lr, [model], lr_box)
    start.click(on_start, inputs, [runs, status])
    refresh.click(on_refresh, runs, [runs, *view_outputs])
    runs.change(view, runs, view_outputs)
    timer.tick(view, runs, view_outputs, show_progress="hidden")
    stop.click(on_stop, runs, status)
    resume.click(on_resume, runs, status)
    return TrainTab(source=source, runs=runs, devices=devices, show_plan=on_knobs, plan_inputs=inputs,
                    plan_outputs=[plan, command])
