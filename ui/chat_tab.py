"""Chat tab: talk to any finished model (embedded, a run, a folder), streamed, with a system prompt and the
decoding knobs: temperature, top-p, max tokens and stop strings."""

from __future__ import annotations

import gradio as gr

import ftcore

from .i18n import both, both_of, error, lang_of, t, tr
from .train_view import message_text


def chat_models(settings: ftcore.Settings) -> list[str]:
    return [row["ref"] for row in ftcore.list_models(settings)]


DEVICE_CHOICES = ("auto", "gpu", "cpu")


def device_choices(lang: str = "en") -> list[tuple[str, str]]:
    """Where chat models go when a GPU is busy training, in the reader's language."""
    return [(tr(f"chat_device_{value}", lang), value) for value in DEVICE_CHOICES]


def decoding(temperature: float, top_p: float, max_tokens: float, stop: str) -> ftcore.Decoding:
    stops = tuple(s for s in (part.strip() for part in (stop or "").split(",")) if s)
    return ftcore.Decoding(max_new_tokens=int(max_tokens), do_sample=float(temperature) > 0,
                           temperature=max(float(temperature), 1e-3), top_p=float(top_p), stop=stops)


def build(settings: ftcore.Settings, cache: ftcore.ModelCache):
    with gr.Tab(t("tab_chat"), id="chat") as tab:
        with gr.Row():
            with gr.Column(scale=1):
                model = gr.Dropdown(chat_models(settings), value=ftcore.DEFAULT_MODEL, allow_custom_value=True,
                                    label=t("chat_model"), elem_id="chat-model")
                system = gr.Textbox("", label=t("system_prompt"), lines=3, elem_id="chat-system")
                temperature = gr.Slider(0, 1.5, value=0.0, step=0.05, label=t("temperature"))
                top_p = gr.Slider(0.05, 1.0, value=0.9, step=0.05, label=t("top_p"))
                max_tokens = gr.Slider(16, 1024, value=256, step=16, label=t("max_new_tokens"))
                stop = gr.Textbox("", label=t("stop_strings"), max_lines=1)
                device = gr.Dropdown(device_choices(), value=cache.prefer, label=t("chat_device"),
                                     info=t("chat_device_info"), elem_id="chat-device")
            with gr.Column(scale=2):
                bot = gr.Chatbot(height=460, elem_id="chat-bot")
                message = gr.Textbox(label=t("prompt"), lines=2, elem_id="chat-input")
                with gr.Row():
                    send = gr.Button(t("send"), variant="primary", elem_id="chat-send")
                    clear = gr.Button(t("clear"), size="sm")

    def on_select_tab(request: gr.Request):
        return (gr.update(choices=chat_models(settings)),
                gr.update(choices=device_choices(lang_of(request)), value=cache.prefer))

    def on_device(value):
        cache.prefer = value if value in DEVICE_CHOICES else "auto"  # the app's models: one choice for the app

    def on_send(ref, sys_prompt, temp, p, tokens, stops, history, text, request: gr.Request):
        if not (text or "").strip():
            raise gr.Error(both("type_message"))
        history = [{"role": m["role"], "content": message_text(m["content"])} for m in history or []]
        history.append({"role": "user", "content": text})
        messages = ([{"role": "system", "content": sys_prompt}] if (sys_prompt or "").strip() else []) + history
        try:
            ftcore.resolve(ref, settings)
            answer, told = "", False
            for answer in ftcore.stream_chat(cache, ref, messages, decoding(temp, p, tokens, stops)):
                where = cache.placement_of(ref)
                if not told and where is not None and where.note is not None:  # on a shared GPU, or the CPU
                    gr.Info(both_of(where.note))
                told = True
                yield [*history, {"role": "assistant", "content": answer}], ""
        except ftcore.UserError as exc:
            raise error(exc) from None
        yield [*history, {"role": "assistant", "content": answer.strip() or tr("no_text", lang_of(request))}], ""

    def on_clear():
        return []

    inputs = [model, system, temperature, top_p, max_tokens, stop, bot, message]
    tab.select(on_select_tab, None, [model, device], api_name="chat_models")
    device.change(on_device, device, None)
    send.click(on_send, inputs, [bot, message], api_name="chat")
    message.submit(on_send, inputs, [bot, message], api_visibility="private")
    clear.click(on_clear, None, bot)
