"""The guided first run on the first screen: the demo data and the embedded model already chosen, one button
that walks through check, plan, a short training run, compare and probes, each step saying what it did."""

from __future__ import annotations

import gradio as gr

import ftcore

from .i18n import error, lang_of, t


def steps_markdown(steps: dict[str, ftcore.guided.Step], lang: str = "en") -> str:
    """Each step so far with its latest text, in the request's language."""
    return "\n\n".join(f"### {'✅' if s.done else '⏳'} {ftcore.localize(s.title, lang)}\n\n"
                         f"{ftcore.localize(s.text, lang)}" for s in steps.values())


def build(settings: ftcore.Settings):
    has_runs = bool(ftcore.RunStore(settings).list())
    with gr.Accordion(t("guided_title"), open=not has_runs, elem_id="guided"):
        gr.Markdown(t("guided_intro"))
        with gr.Row():
            model = gr.Dropdown([r["ref"] for r in ftcore.list_models(settings)], value=ftcore.DEFAULT_MODEL,
                                allow_custom_value=True, label=t("model"), scale=3, elem_id="guided-model")
            go = gr.Button(t("guided_start"), variant="primary", scale=1, elem_id="guided-start")
        progress = gr.Markdown("", elem_id="guided-steps")

    def on_go(ref, request: gr.Request):
        steps: dict[str, ftcore.guided.Step] = {}
        lang = lang_of(request)
        try:
            for step in ftcore.guided.guided_run(settings, ref or ftcore.DEFAULT_MODEL):
                steps[step.title] = step
                yield steps_markdown(steps, lang)
        except ftcore.UserError as exc:
            raise error(exc, duration=None) from None

    go.click(on_go, model, progress)
