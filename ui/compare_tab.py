"""Compare tab: one prompt, the base model and a fine-tuned run answer side by side, streamed together."""

from __future__ import annotations

import gradio as gr

import ftcore

from .i18n import t


def finished_runs(settings: ftcore.Settings) -> list[tuple[str, str]]:
    out = []
    for run in ftcore.RunStore(settings).list():
        if run.status().get("state") == "done" and (run.final_dir / "config.json").is_file():
            out.append((f"{run.id} (base: {run.config().model.ref})", run.id))
    return out


EMPTY = "*(no text: the model ended its answer at once)*"


def build(settings: ftcore.Settings, cache: ftcore.ModelCache):
    with gr.Tab(t("tab_compare"), id="compare") as tab:
        with gr.Row():
            run = gr.Dropdown(finished_runs(settings), label=t("compare_run"), elem_id="compare-run")
            max_new = gr.Slider(16, 512, value=128, step=16, label=t("max_new_tokens"))
        prompt = gr.Textbox(label=t("prompt"), placeholder="", lines=2, elem_id="compare-prompt")
        ask = gr.Button(t("generate"), variant="primary", elem_id="compare-ask")
        with gr.Row():
            base = gr.Chatbot(label=t("base_answer"), height=360, elem_id="base-answer")
            tuned = gr.Chatbot(label=t("tuned_answer"), height=360, elem_id="tuned-answer")

    def on_select_tab():
        return gr.update(choices=finished_runs(settings))

    def on_ask(run_id, text, tokens):
        if not run_id:
            raise gr.Error("Pick a finished run first (train one in the Train tab).")
        if not (text or "").strip():
            raise gr.Error("Type a prompt first.")
        try:
            base_ref = ftcore.RunStore(settings).get(run_id).config().model.ref
            messages = [{"role": "user", "content": text}]
            decoding = ftcore.Decoding(max_new_tokens=int(tokens))
            left = right = ""
            for left, right in ftcore.side_by_side(cache, base_ref, run_id, messages, decoding):
                yield _turn(text, left), _turn(text, right)
            yield _turn(text, left.strip() or EMPTY), _turn(text, right.strip() or EMPTY)
        except ftcore.UserError as exc:
            raise gr.Error(str(exc)) from None

    tab.select(on_select_tab, None, run)
    ask.click(on_ask, [run, prompt, max_new], [base, tuned])
    prompt.submit(on_ask, [run, prompt, max_new], [base, tuned])


def _turn(prompt: str, answer: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": prompt}, {"role": "assistant", "content": answer}]
