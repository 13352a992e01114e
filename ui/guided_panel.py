"""The guided first run on the first screen: the demo data and the embedded model already chosen, one button
that walks through check, plan, a short training run, compare and probes, each step saying what it did."""

from __future__ import annotations

import gradio as gr

import ftcore

from .i18n import t


def steps_markdown(steps: dict[str, ftcore.guided.Step]) -> str:
    return "\n\n".join(f"### {'✅' if s.done else '⏳'} {title}\n\n{s.text}" for title, s in steps.items())


def build(settings: ftcore.Settings):
    has_runs = bool(ftcore.RunStore(settings).list())
    with gr.Accordion(t("guided_title"), open=not has_runs, elem_id="guided"):
        gr.Markdown(t("guided_intro"))
        with gr.Row():
            model = gr.Dropdown([r["ref"] for r in ftcore.list_models(settings)], value=ftcore.DEFAULT_MODEL,
                                allow_custom_value=True, label=t("model"), scale=3, elem_id="guided-model")
            go = gr.Button(t("guided_start"), variant="primary", scale=1, elem_id="guided-start")
        progress = gr.Markdown("", elem_id="guided-steps")

    def on_go(ref):
        steps: dict[str, ftcore.guided.Step] = {}
        try:
            for step in ftcore.guided.guided_run(settings, ref or ftcore.DEFAULT_MODEL):
                steps[step.title] = step
                yield steps_markdown(steps)
        except ftcore.UserError as exc:
            raise gr.Error(str(exc), duration=None) from None

    go.click(on_go, model, progress)
