"""The guided first run on the first screen: the demo data and the embedded model already chosen, one button
that walks through check, plan, a short training run, compare and probes, each step saying what it did."""

from __future__ import annotations

import typing
from dataclasses import dataclass

import gradio as gr

import ftcore

from .i18n import error, lang_of, t


def steps_markdown(steps: dict[str, ftcore.guided.Step], lang: str = "en") -> str:
    """Each step so far with its latest text, in the request's language."""
    return "\n\n".join(f"### {'✅' if s.done else '⏳'} {ftcore.localize(s.title, lang)}\n\n"
                         f"{ftcore.localize(s.text, lang)}" for s in steps.values())


def build(settings: ftcore.Settings):
    has_runs = bool(ftcore.RunStore(settings).list())
    with gr.Accordion(t("guided_title"), open=not has_runs, elem_id="guided") as panel:
        gr.Markdown(t("guided_intro"))
        with gr.Row():
            model = gr.Dropdown([r["ref"] for r in ftcore.list_models(settings)], value=ftcore.DEFAULT_MODEL,
                                allow_custom_value=True, label=t("model"), scale=3, elem_id="guided-model")
            go = gr.Button(t("guided_start"), variant="primary", scale=1, elem_id="guided-start")
        progress = gr.Markdown("", elem_id="guided-steps")

    def stream(steps_iter, lang: str, steps: dict | None = None):
        """The steps as they come, the button disabled until the run has ended (one guided run at a time)."""
        steps = steps or {}
        try:
            for step in steps_iter:
                steps[step.title] = step
                yield steps_markdown(steps, lang), gr.Button(interactive=False)
        except ftcore.UserError as exc:
            raise error(exc, duration=None) from None
        yield gr.skip(), gr.Button(interactive=True)

    def on_go(ref, request: gr.Request):
        yield from stream(ftcore.guided.guided_run(settings, ref or ftcore.DEFAULT_MODEL), lang_of(request))

    def on_load(request: gr.Request):
        """After a reload (or in a second browser): a guided run in progress is followed again, its panel open."""
        run = ftcore.guided.latest(settings)
        if run is None or not ftcore.busy(run.status()):
            yield gr.skip(), gr.skip(), gr.skip()
            return
        for markdown, button in stream(ftcore.guided.follow(run), lang_of(request)):
            yield markdown, button, gr.Accordion(open=True)

    go.click(on_go, model, [progress, go])
    return GuidedPanel(load=on_load, outputs=[progress, go, panel])


@dataclass
class GuidedPanel:
    load: typing.Callable  # at page load: re-attach to a guided run in progress
    outputs: list
