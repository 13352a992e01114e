"""The Gradio app: tabs over ftcore's public API, and the launch settings of the security checklist."""

from __future__ import annotations

import threading

import gradio as gr

import ftcore

from . import chat_tab, compare_tab, data_tab, guided_panel, publish_tab, train_form, train_tab
from .i18n import I18N, lang_of, t
from .uploads import UploadGuard


def build_app(settings: ftcore.Settings | None = None) -> gr.Blocks:
    settings = (settings or ftcore.Settings.from_env()).ensure()
    ftcore.preload_libraries()  # before any handler thread imports them
    cache = ftcore.ModelCache(settings, size=3)
    # files the app hands to browsers (exports, plots) leave gradio's cache after an hour
    with gr.Blocks(title="FullTune", analytics_enabled=False, delete_cache=(600, 3600)) as demo:
        gr.Markdown(t("title"))
        gr.Markdown(t("subtitle"))
        guided = guided_panel.build(settings)
        with gr.Tabs() as tabs:
            data = data_tab.build(settings, cache)
            train = train_tab.build(settings)
            compare_tab.build(settings, cache)
            chat_tab.build(settings, cache)
            publish_tab.build(settings)

        def on_load(request: gr.Request):
            """Re-attach to the latest run; texts built around data, in the browser's language."""
            lang = lang_of(request)
            return (gr.update(choices=train_tab.run_choices(settings, lang), value=train_tab.latest_run(settings)),
                    gr.update(choices=train_form.data_choices(settings, lang)), train_form.devices_markdown(lang),
                    gr.update(choices=train_form.preset_choices(lang)), train_tab.runs_table(settings, lang))

        def on_prepared(dataset_id, request: gr.Request):
            if not dataset_id:
                return gr.update(), gr.update()
            return (gr.update(choices=train_form.data_choices(settings, lang_of(request)),
                              value=ftcore.DataSource("prepared", dataset_id).ref), gr.Tabs(selected="train"))

        # a value set by a handler does not always fire .change: the re-attached run is shown explicitly
        demo.load(on_load, None, [train.runs, train.source, train.devices, train.preset, train.table]).then(
            train.show_run, train.run_inputs, train.run_outputs)
        demo.load(train.show_plan, train.plan_inputs, train.plan_outputs)
        demo.load(guided.load, None, guided.outputs)
        data.prepared.change(on_prepared, data.prepared, [train.source, tabs])
    return demo


IMAGE_POLICY = "img-src 'self' data: blob:"  # model output may hold <img src=http://...>: never fetched


class ImagePolicy:
    """A Content-Security-Policy on every response: images only from the app itself and data:/blob: URLs, so a
    model's (or a prompt injection's) markdown image cannot carry the conversation to another server."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_policy(message):
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"content-security-policy", IMAGE_POLICY.encode())]
            await send(message)

        return await self.app(scope, receive, with_policy)


def launch_kwargs(settings: ftcore.Settings) -> dict:
    from starlette.middleware import Middleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware

    return {
        # the Host header must name this app: a rebinding page's requests carry its own host name and get 400
        "app_kwargs": {"middleware": [Middleware(TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts()),
                                      Middleware(ImagePolicy),
                                      Middleware(UploadGuard, temp_dir=str(settings.gradio_temp_dir))]},
        "ssr_mode": False,
        "run_history": False,
        "enable_monitoring": False,
        "strict_cors": True,
        "max_file_size": "200mb",
        "allowed_paths": [],
        "i18n": I18N,
        "footer_links": ["api"],
        "show_error": True,
    }


def prepare_embedded(settings: ftcore.Settings) -> threading.Thread:
    """Convert the embedded model in the background so the first run or chat does not wait for it."""
    def work():
        for name in ftcore.EMBEDDED:
            try:
                ftcore.ensure_embedded(name, settings)
            except Exception as exc:  # shown when the model is used; the app still starts
                print(f"warning: could not prepare {name}: {exc}")

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread
