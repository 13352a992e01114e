"""Train tab: choose data and knobs, start a worker, and follow any run live from the run folder."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr
import pandas as pd

import ftcore

from .i18n import t

UPLOAD = "upload"


@dataclass
class TrainTab:
    source: gr.Dropdown
    runs: gr.Dropdown


def data_choices(settings: ftcore.Settings) -> list[tuple[str, str]]:
    choices = [(f"Demo: {demo.description}", f"demo:{name}") for name, demo in ftcore.DEMOS.items()]
    for info in ftcore.prepared_datasets(settings):
        split = f", {info['validation']} validation" if info["validation"] else ""
        choices.append((f"Prepared: {info['id']} ({info['train'] + info['augmented']} train{split})",
                        f"prepared:{info['id']}"))
    return [*choices, ("Uploaded file", UPLOAD)]


def model_choices(settings: ftcore.Settings) -> list[str]:
    return [row["ref"] for row in ftcore.list_models(settings)]


def run_choices(settings: ftcore.Settings) -> list[tuple[str, str]]:
    out = []
    for run in ftcore.RunStore(settings).list():
        out.append((f"{run.id} · {run.status().get('state')}", run.id))
    return out


def latest_run(settings: ftcore.Settings) -> str | None:
    """The run to re-attach to after a reload: the newest active one, else the newest."""
    runs = ftcore.RunStore(settings).list()
    for run in runs:
        if run.status().get("state") in ftcore.ACTIVE:
            return run.id
    return runs[0].id if runs else None


def build_config(settings: ftcore.Settings, source: str, upload: str | None, model: str, epochs: float, lr: float,
                 max_steps: float, batch_size: float, name: str) -> ftcore.RunConfig:
    if source == UPLOAD:
        if not upload:
            raise ftcore.UserError("Upload a data file first, or pick a demo or prepared dataset.")
        data = ftcore.DataConfig(train=upload)
    elif source.startswith("prepared:"):
        found = [d for d in ftcore.prepared_datasets(settings) if d["id"] == source.removeprefix("prepared:")]
        if not found:
            raise ftcore.UserError(f"Prepared dataset '{source}' is gone; prepare it again in the Data tab.")
        data = ftcore.DataConfig(train=found[0]["train_file"], val=found[0]["val_file"], format="messages")
    else:
        demo = ftcore.DEMOS[source.removeprefix("demo:")]
        data = ftcore.DataConfig(train=str(demo.path), format=demo.format, template=demo.template)
    train = ftcore.TrainConfig(epochs=float(epochs or 0), learning_rate=float(lr or 0),
                               max_steps=int(max_steps or 0), batch_size=int(batch_size or 1))
    return ftcore.RunConfig(name=(name or "").strip() or "ui-run", model=ftcore.ModelConfig(ref=model),
                            data=data, train=train).validate()


def status_markdown(run: ftcore.Run | None) -> str:
    if run is None:
        return "No run yet."
    status = run.status()
    parts = [f"**{run.id}** — `{status.get('state')}`"]
    if status.get("total_steps"):
        parts.append(f"step {status.get('step', 0)} / {status['total_steps']}")
    if status.get("loss") is not None:
        parts.append(f"loss {status['loss']:.4f}")
    text = " · ".join(parts)
    if status.get("error"):
        text += f"\n\n{status['error']}"
    if status.get("state") == "done":
        text += "\n\nFinished: open the Compare tab to talk to both models."
    return text


def loss_frame(run: ftcore.Run | None) -> pd.DataFrame:
    rows = []
    if run is not None:
        for event in run.events():
            if event.get("type") == "train" and "loss" in event:
                rows.append({"step": event["step"], "loss": event["loss"], "series": "train"})
            elif event.get("type") == "eval" and "eval_loss" in event:
                rows.append({"step": event["step"], "loss": event["eval_loss"], "series": "validation"})
    return pd.DataFrame(rows, columns=["step", "loss", "series"])


def build(settings: ftcore.Settings):
    """Lay out the tab and wire its events; returns the components other tabs and page load need."""
    with gr.Tab(t("tab_train"), id="train"):
        with gr.Row():
            with gr.Column(scale=1):
                source = gr.Dropdown(data_choices(settings), value="demo:barista", label=t("data_source"),
                                     elem_id="train-source")
                upload = gr.File(label=t("data_upload"), type="filepath", elem_id="train-upload",
                                 file_types=[".jsonl", ".json", ".csv", ".tsv", ".parquet", ".txt"])
                model = gr.Dropdown(model_choices(settings), value=ftcore.DEFAULT_MODEL,
                                    allow_custom_value=True, label=t("model"), info=t("model_info"),
                                    elem_id="model-dropdown")
                with gr.Row():
                    epochs = gr.Number(1, label=t("epochs"), minimum=0, precision=2)
                    max_steps = gr.Number(0, label=t("max_steps"), minimum=0, precision=0)
                with gr.Row():
                    lr = gr.Number(5e-5, label=t("learning_rate"), info=t("lr_info"), minimum=0)
                    batch_size = gr.Number(4, label=t("batch_size"), minimum=1, precision=0)
                name = gr.Textbox("", label=t("run_name"), max_lines=1)
                start = gr.Button(t("start"), variant="primary", elem_id="start-training")
            with gr.Column(scale=2):
                with gr.Row():
                    runs = gr.Dropdown(run_choices(settings), label=t("runs"), elem_id="runs-dropdown")
                    refresh = gr.Button(t("refresh"), size="sm")
                    stop = gr.Button(t("stop"), variant="stop", size="sm")
                status = gr.Markdown("No run yet.", elem_id="run-status")
                plot = gr.LinePlot(x="step", y="loss", color="series", label=t("loss_curve"), height=300)
        timer = gr.Timer(1.0)

    def on_upload(path):
        return UPLOAD if path else gr.update()

    def on_start(src, up, mdl, ep, rate, steps, bs, nm):
        try:
            run = ftcore.start(build_config(settings, src, up, mdl, ep, rate, steps, bs, nm), settings)
        except ftcore.UserError as exc:
            raise gr.Error(str(exc), duration=None) from None
        return gr.update(choices=run_choices(settings), value=run.id), status_markdown(run)

    def on_refresh(run_id):
        run = _get(settings, run_id)
        return gr.update(choices=run_choices(settings)), status_markdown(run), loss_frame(run)

    def on_tick(run_id):
        run = _get(settings, run_id)
        return status_markdown(run), loss_frame(run)

    def on_stop(run_id):
        run = _get(settings, run_id)
        if run is not None and run.status().get("state") in ftcore.ACTIVE:
            run.request_stop()  # the worker checkpoints and ends; the timer shows it
        return status_markdown(run)

    upload.change(on_upload, upload, source)
    start.click(on_start, [source, upload, model, epochs, lr, max_steps, batch_size, name], [runs, status])
    refresh.click(on_refresh, runs, [runs, status, plot])
    runs.change(on_tick, runs, [status, plot])
    timer.tick(on_tick, runs, [status, plot], show_progress="hidden")
    stop.click(on_stop, runs, status)
    return TrainTab(source=source, runs=runs)


def _get(settings: ftcore.Settings, run_id: str | None) -> ftcore.Run | None:
    if not run_id:
        return None
    try:
        return ftcore.RunStore(settings).get(run_id)
    except ftcore.UserError:
        return None
