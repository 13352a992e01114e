"""Train tab: data, model, preset and knobs (basic / advanced / devices) with the memory plan and the exact CLI
command updating as they change; start, stop and resume; the runs table; live curves, ETA and the log tail."""

from __future__ import annotations

import typing
from dataclasses import dataclass
from functools import lru_cache

import gradio as gr

import ftcore

from .compare_view import plot_update
from .i18n import both, error, lang_of, t, tr
from .train_form import (
    ADVANCED,
    BASIC,
    DEVICES,
    FIELDS,
    UPLOAD,
    build_config,
    data_choices,
    devices_markdown,
    knob,
    knob_values,
    mixture_rows,
    mixture_tasks,
    model_choices,
    preset_choices,
)
from .train_view import Watch, frames, get_run, log_tail, runs_table, status_markdown


@dataclass
class TrainTab:
    source: gr.Dropdown
    runs: gr.Dropdown
    devices: gr.Markdown
    show_plan: typing.Callable  # (plan inputs) -> (plan, command); run at page load
    plan_inputs: set
    plan_outputs: list
    preset: gr.Dropdown
    table: gr.Dataframe
    show_run: typing.Callable  # (run id, watch) -> the run's view; run after page load re-attaches
    run_inputs: list
    run_outputs: list


def curve(title, height: int, y_format: str) -> gr.LinePlot:
    """One series against the step, no legend (its one entry is the label). The axes carry no titles of their
    own: gradio does not always translate a plot's axis titles (the label, translated, says what is drawn), and
    without one it shows the data's column names."""
    return gr.LinePlot(x="step", y="value", color="series", label=title, height=height, x_title=" ", y_title=" ",
                       y_axis_format=y_format, colors_in_legend=[])


def drawn(watch: Watch) -> dict:
    """Each curve as its plot is sent it (compare_view.plot_update): None while it has no point, else its frame with
    a colour named for each series. Gradio 6.31 builds a plot's Vega spec (its series and their colours) from the
    data it first shows and afterwards only swaps data in: from an empty frame the forgetting points never showed,
    and the validation losses, a series the training losses' first drawing lacked, had no colour. So a plot whose
    series changed is emptied now and drawn afresh at the next call (watch.redraw asks the next tick for it)."""
    out, tables = {}, frames(watch.rows)
    for name, frame in tables.items():
        series = tuple(dict.fromkeys(frame["series"]))
        fresh = watch.shown.get(name, ()) in ((), series)
        # The points' plots span the run's steps and a little more (a point on the axis' end was cut in half), and
        # the forgetting plot half again over a stop level (not on its edge). Sent once, with a plot's first
        # drawing: gradio 6.31 shows the old data when the limits change along with new data.
        axes = {}
        if name in ("loss", "forget") and watch.total_steps and series and fresh:
            axes = {"x_lim": [0, step_limit(watch.total_steps)]}
            if name == "forget" and watch.stop_at > 0:
                axes["y_lim"] = [0, 1.5 * watch.stop_at]
            if watch.limits.get(name) == axes:
                axes = {}
            else:
                watch.limits[name] = axes
        out[name] = plot_update(frame if series and fresh else None, "series", **axes)
        if name == "forget":  # measured at each evaluation: a run with no validation data never has a point
            out[name]["visible"] = bool(series) or watch.evaluates
        watch.shown[name] = series if fresh else ()
    watch.redraw = any(len(frame) and not watch.shown[name] for name, frame in tables.items())
    return out


def step_limit(total_steps: int) -> float:
    """The right end of a step axis: the run's last step and a twentieth more (at least one step)."""
    return total_steps + max(1.0, 0.05 * total_steps)


def runs_signature(settings: ftcore.Settings) -> tuple:
    """The runs and when each status file last changed: equal signatures mean nothing to redraw."""
    out = []
    for run in ftcore.RunStore(settings).list():
        try:
            out.append((run.id, run.status_path.stat().st_mtime_ns))
        except OSError:
            out.append((run.id, 0))
    return tuple(out)


def run_choices(settings: ftcore.Settings, lang: str = "en") -> list[tuple[str, str]]:
    return [(f"{run.id} · {ftcore.localize(ftcore.state_text(run.status().get('state')), lang)}", run.id)
            for run in ftcore.RunStore(settings).list()]


def latest_run(settings: ftcore.Settings) -> str | None:
    """The run to re-attach to after a reload: the newest active one, else the newest."""
    runs = ftcore.RunStore(settings).list()
    for run in runs:
        if ftcore.busy(run.status()):
            return run.id
    return runs[0].id if runs else None


def build(settings: ftcore.Settings):
    """Lay out the tab and wire its events; returns the components other tabs and page load need."""
    defaults = ftcore.load_layers("quick-cpu")

    @lru_cache(maxsize=8)
    def model_config(ref: str):
        return ftcore.load_config(ref, settings, prepare=False)

    with gr.Tab(t("tab_train"), id="train"):
        with gr.Row():
            with gr.Column(scale=1):
                source = gr.Dropdown(data_choices(settings), value=ftcore.DataSource("demo", "barista").ref, label=t("data_source"),
                                     elem_id="train-source")
                upload = gr.File(label=t("data_upload"), type="filepath", elem_id="train-upload",
                                 file_types=[".jsonl", ".json", ".csv", ".tsv", ".parquet", ".txt"])
                with gr.Accordion(t("mixture"), open=False):
                    gr.Markdown(t("mixture_help"))
                    with gr.Row():
                        weight = gr.Number(1.0, label=t("mix_weight"), minimum=0.01, elem_id="mix-weight")
                        add = gr.Button(t("mix_add"), size="sm", elem_id="mix-add")
                        clear = gr.Button(t("clear"), size="sm")
                    mixture = gr.Dataframe(headers=["dataset", "weight"], datatype=["str", "number"], value=[],
                                           interactive=True, label=t("mixture"), show_label=False,
                                           elem_id="mix-table")
                    share = gr.Markdown("", elem_id="mix-share")
                model = gr.Dropdown(model_choices(settings), value=ftcore.DEFAULT_MODEL,
                                    allow_custom_value=True, label=t("model"), info=t("model_info"),
                                    elem_id="model-dropdown")
                preset = gr.Dropdown(preset_choices(), value="quick-cpu",
                                     label=t("preset"), elem_id="train-preset")
                values = knob_values(defaults)
                with gr.Row():
                    basic = [knob(s, k, values[f"{s}.{k}"]) for s, k in BASIC]
                use_lr = gr.Button(t("use_lr"), size="sm")
                with gr.Accordion(t("advanced"), open=False):
                    advanced = [knob(s, k, values[f"{s}.{k}"]) for s, k in ADVANCED]
                with gr.Accordion(t("devices_strategy"), open=False):
                    devices = gr.Markdown(devices_markdown(), elem_id="train-devices")
                    dist = [knob(s, k, values[f"{s}.{k}"]) for s, k in DEVICES]
                name = gr.Textbox("", label=t("run_name"), max_lines=1)
                start = gr.Button(t("start"), variant="primary", elem_id="start-training")
                plan = gr.Markdown("", elem_id="train-plan")
                command = gr.Code("", language="shell", label=t("command_line"), elem_id="train-command")
            with gr.Column(scale=2):
                with gr.Row(equal_height=True):
                    runs = gr.Dropdown(run_choices(settings), label=t("runs"), elem_id="runs-dropdown", scale=3)
                    with gr.Column(scale=1, min_width=120):
                        refresh = gr.Button(t("refresh"), size="sm")
                        stop = gr.Button(t("stop"), variant="stop", size="sm")
                        resume = gr.Button(t("resume"), size="sm", elem_id="resume-run")
                        full = gr.Button(t("full_probes"), size="sm", elem_id="full-probes")
                status = gr.Markdown(t("no_run"), elem_id="run-status")
                with gr.Row():
                    # points, not lines: a validation loss measured once is a single point, which a line never draws
                    loss_plot = gr.ScatterPlot(x="step", y="value", color="series", label=t("loss_by_step"),
                                               x_title=" ", y_title=" ", color_title=" ", x_lim=[0, None],
                                               elem_id="loss-plot")
                    # beside it, forgetting measured at the same evaluations (points too)
                    # from step 0 and from no forgetting: a first point is not drawn on the plot's corner
                    forget_plot = gr.ScatterPlot(x="step", y="value", color="series", label=t("forgetting_by_step"),
                                                 x_title=" ", y_title=" ", color_title=" ", x_lim=[0, None],
                                                 y_lim=[0, None], elem_id="forget-plot")
                with gr.Row():
                    speed_plot = curve(t("tokens_per_second"), 220, ",.0f")
                    lr_plot = curve(t("lr_curve"), 220, ".1e")
                    grad_plot = curve(t("grad_norm"), 220, ".2f")
                # wrapped, the run id pinned: every column (the last, "created", included) fits at 1400 px
                table = gr.Dataframe(runs_table(settings), label=t("runs"), interactive=False, wrap=True,
                                     pinned_columns=1, elem_id="runs-table",
                                     column_widths=["24%", "9%", "8%", "8%", "20%", "11%", "20%"])
                with gr.Accordion(t("log"), open=False):
                    log = gr.Code("", language=None, label=t("log_tail"), elem_id="run-log")
        watch = gr.State(None)  # what this session has read of the run it shows
        runs_seen = gr.State(())  # the runs and their status files as this session last listed them
        timer = gr.Timer(1.0, active=False)  # only while the run shown is busy (training, or its report)
        lister = gr.Timer(5.0)  # the runs table and list: runs started elsewhere appear within seconds

    knobs = basic + advanced + dist
    by_name = {f"{s}.{k}": c for (s, k), c in zip(FIELDS, knobs, strict=True)}

    def form(data: dict) -> dict:
        """The Train form from a handler's inputs by component (gradio passes a dict for a set of inputs)."""
        return {"source": data[source], "upload": data[upload], "model": data[model], "name": data[name],
                "mixture": data[mixture], "values": {n: data[c] for n, c in by_name.items()}}
    lr_box = basic[BASIC.index(("train", "learning_rate"))]
    plots = {"loss": loss_plot, "forget": forget_plot, "speed": speed_plot, "lr": lr_plot, "grad": grad_plot}

    def on_upload(path):
        return UPLOAD if path else gr.update()

    def on_source(ref, upload_path, length):
        """A source whose rows need more than the max length shown (a demo of tool calls) raises it."""
        try:
            needs = ftcore.DataSource.parse(ref).data_config(settings, upload_path).max_length
        except ftcore.UserError:
            return gr.update()
        raised = needs != ftcore.DataConfig().max_length and (length is None or needs > length)
        return needs if raised else gr.update()

    def on_preset(preset_name):
        return {by_name[n]: v for n, v in knob_values(ftcore.load_layers(preset_name)).items()}

    def on_add(rows, src, w):
        return [*[list(r) for r in mixture_rows(rows)], [src, float(w or 1.0)]]

    def on_share(data: dict, request: gr.Request):
        """Each task's examples and token share, with the tokenizer and max length the run would use."""
        lang, f = lang_of(request), form(data)
        try:
            tasks = mixture_tasks(settings, f["mixture"], f["upload"])
            if not tasks:
                return ""
            table = ftcore.mixture_share(ftcore.DataConfig(tasks=tasks).task_list(),
                                         ftcore.load_tokenizer(f["model"], settings), int(f["values"]["data.max_length"]))
        except ftcore.UserError as exc:
            return tr("mix_check", lang, error=exc)
        except Exception as exc:  # a model whose tokenizer cannot load here: no share, say why
            return tr("mix_share_unavailable", lang, error=exc)
        lines = [tr("mix_table_head", lang), "|---|---|---|---|---|---|"]
        lines += [f"| {r['task']} | {r['weight']:g} | {r['rows']} | {r['examples']} | {r['mean_tokens']} | "
                  f"{r['token_share']}% |" for r in table]
        return "\n".join(lines)

    def on_knobs(data: dict, request: gr.Request):
        """The plan panel and the command: recomputed from the same config the Start button would use."""
        lang, f = lang_of(request), form(data)
        try:
            config = build_config(settings, **f)
        except ftcore.UserError as exc:
            return tr("check_settings", lang, error=exc), ""
        cmd = ftcore.command_line(config)
        if f["source"] == UPLOAD:  # a temporary upload path means nothing outside this server
            cmd = cmd.replace(str(config.data.train), "YOUR_DATA_FILE")
        try:
            advice = ftcore.advise(config, model_config(f["model"]), ftcore.detect_devices())
        except Exception as exc:  # an unknown model family or an unreachable model: say so, keep the UI
            return tr("plan_unavailable", lang, model=f["model"], error=exc), cmd
        return advice.markdown(lang), cmd

    def on_use_lr(mdl):
        try:
            params = ftcore.advise(ftcore.RunConfig(model=ftcore.ModelConfig(ref=mdl)), model_config(mdl),
                                   ftcore.detect_devices()).parameters
        except Exception as exc:
            raise gr.Error(both("no_lr_suggestion", model=mdl, error=exc)) from None
        return ftcore.suggest_learning_rate(mdl, params).learning_rate

    def on_start(data: dict, request: gr.Request):
        try:
            run = ftcore.start(build_config(settings, **form(data)), settings)
        except ftcore.UserError as exc:
            raise error(exc, duration=None) from None
        lang = lang_of(request)
        return gr.update(choices=run_choices(settings, lang), value=run.id), status_markdown(run, lang)

    def view(run_id, state, request: gr.Request):
        """Everything about the run shown, read again from its folder (a pick, a refresh, a start)."""
        run, lang = get_run(settings, run_id), lang_of(request)
        state = Watch()
        if run is not None:
            state.read(run, lang)
        plotted = drawn(state)
        active = run is not None and ftcore.busy(run.status())
        return (status_markdown(run, lang, state.pace, state.note), *(plotted[n] for n in plots), log_tail(run), state,
                gr.Timer(active=active))

    def tick(run_id, state, request: gr.Request):
        """A timer tick: only what changed since the last one is read and sent; the timer stops with the run."""
        run, lang = get_run(settings, run_id), lang_of(request)
        if run is None or state is None:
            return (gr.skip(),) * (len(plots) + 2) + (state, gr.Timer(active=False))
        curves_changed, status_changed, log_changed = state.read(run, lang)
        active = ftcore.busy(run.status())
        # the status line carries the time left, which moves every tick while training
        status_out = status_markdown(run, lang, state.pace, state.note) if status_changed or active else gr.skip()
        plotted = drawn(state) if curves_changed or state.redraw else None
        plots_out = tuple(plotted[n] for n in plots) if plotted else (gr.skip(),) * len(plots)
        return (status_out, *plots_out, log_tail(run) if log_changed else gr.skip(), state,
                gr.Timer(active=active) if not active else gr.skip())

    def list_runs(run_id, seen, request: gr.Request):
        """Every few seconds: the runs table and list, sent only when a run appeared or changed state (and the
        live view woken when the run shown became active again, e.g. resumed from another browser)."""
        now = runs_signature(settings)
        if now == seen:
            return gr.skip(), gr.skip(), seen, gr.skip(), gr.skip()
        run = get_run(settings, run_id)
        wake = gr.Timer(active=True) if run is not None and ftcore.busy(run.status()) else gr.skip()
        lang = lang_of(request)
        # the shown run's status too: a change the live view missed (its timer stopped) shows within seconds
        shown = status_markdown(run, lang) if run is not None else gr.skip()
        return runs_table(settings, lang), gr.update(choices=run_choices(settings, lang)), now, wake, shown

    def on_refresh(run_id, state, request: gr.Request):
        lang = lang_of(request)
        return (gr.update(choices=run_choices(settings, lang)), runs_table(settings, lang),
                *view(run_id, state, request))

    def on_stop(run_id, request: gr.Request):
        run = get_run(settings, run_id)
        if run is not None and ftcore.busy(run.status()):
            run.request_stop()  # the worker checkpoints and ends (or ends the report); the timer shows it
        return status_markdown(run, lang_of(request))

    def on_full_probes(run_id, request: gr.Request):
        """A done run's report made again with every probe suite, as a job queued for devices."""
        run = get_run(settings, run_id)
        if run is None:
            raise gr.Error(both("pick_run_full_probes"))
        try:
            ftcore.report_again(run, settings, "all")
        except ftcore.UserError as exc:
            raise error(exc, duration=None) from None
        return status_markdown(run, lang_of(request)), gr.Timer(active=True)

    def on_resume(run_id, request: gr.Request):
        run = get_run(settings, run_id)
        if run is None:
            raise gr.Error(both("pick_run_resume"))
        try:
            ftcore.resume(run, settings)
        except ftcore.UserError as exc:
            raise error(exc, duration=None) from None
        return status_markdown(run, lang_of(request)), gr.Timer(active=True)

    view_outputs = [status, *plots.values(), log, watch, timer]
    inputs = {source, upload, model, name, mixture, *knobs}
    upload.change(on_upload, upload, source)
    length_box = by_name["data.max_length"]
    source.change(on_source, [source, upload, length_box], length_box)
    add.click(on_add, [mixture, source, weight], mixture)
    clear.click(lambda: [], None, mixture)
    mixture.change(on_share, inputs, share, show_progress="hidden",
                   trigger_mode="always_last")
    preset.change(on_preset, preset, knobs)
    gr.on([c.change for c in [source, upload, model, name, mixture, *knobs]], on_knobs, inputs, [plan, command],
          show_progress="hidden", trigger_mode="always_last")
    use_lr.click(on_use_lr, [model], lr_box)
    start.click(on_start, inputs, [runs, status], api_name="start_run")
    refresh.click(on_refresh, [runs, watch], [runs, table, *view_outputs], api_name="refresh_runs")
    runs.change(view, [runs, watch], view_outputs, api_name="show_run")
    timer.tick(tick, [runs, watch], view_outputs, show_progress="hidden")
    lister.tick(list_runs, [runs, runs_seen], [table, runs, runs_seen, timer, status], show_progress="hidden")
    stop.click(on_stop, runs, status, api_name="stop_run")
    resume.click(on_resume, runs, [status, timer], api_name="resume_run")
    full.click(on_full_probes, runs, [status, timer])
    return TrainTab(source=source, runs=runs, devices=devices, preset=preset, table=table, show_plan=on_knobs, plan_inputs=inputs,
                    plan_outputs=[plan, command], show_run=view, run_inputs=[runs, watch], run_outputs=view_outputs)
