"""Publish tab: the model card (written, then editable), a push to the Hub with progress, and a .zip export.

The token is a handler argument only: from the Space's OAuth login (gr.OAuthToken) or a password box elsewhere. It
stays in the browser session; nothing here writes it, logs it or hands it to another process.
"""

from __future__ import annotations

import re
import time

import gradio as gr

import ftcore
from ftcore import hub

from .i18n import UIError, both, error, lang_of, t, tr


def finished_runs(settings: ftcore.Settings, lang: str = "en") -> list[tuple[str, str]]:
    """Runs whose model can be published: done, their report made or still being made (then the label says so,
    and a card written meanwhile says the report is pending: write it again once the report is done)."""
    out = []
    for run in ftcore.RunStore(settings).list():
        status = run.status()
        if status.get("state") == "done" and (run.final_dir / "config.json").is_file():
            label = tr("run_report_running" if ftcore.busy(status) else "run_done", lang, run=run.id)
            out.append((label, run.id))
    return out


def repo_hint(repo: str, request: gr.Request) -> str:
    """A line under the repository box: fine, or what is wrong with the name (in the request's language)."""
    if not (repo or "").strip():
        return ""
    try:
        hub.check_repo_id(repo)
    except ftcore.UserError as exc:
        return f"⚠️ {exc.text(lang_of(request))}"
    return f"✓ `{repo.strip()}`"


def card_for(settings: ftcore.Settings, run_id: str, license: str | None, repo: str | None) -> str:
    """The run's card: the saved one (perhaps edited), else a new one written now."""
    if not run_id:
        raise UIError("pick_run")
    run = ftcore.RunStore(settings).get(run_id)
    path = run.final_dir / "README.md"
    if not path.is_file():
        hub.write_card(run, settings, license=license or None, repo=(repo or "").strip() or None)
    return path.read_text(encoding="utf-8")


def preview_of(settings: ftcore.Settings, run_id: str, card: str) -> str:
    """The card's body for the preview, its loss curve inlined as a data: URL (the page cannot fetch the run
    folder's files, and its Content-Security-Policy allows images from data: URLs)."""
    import base64

    body = card.split("---", 2)[-1]
    image = ftcore.RunStore(settings).get(run_id).final_dir / hub.CARD_IMAGE
    if image.is_file():
        data = base64.b64encode(image.read_bytes()).decode()
        body = body.replace(f"]({hub.CARD_IMAGE})", f"](data:image/png;base64,{data})")
    return body


def push_run(settings: ftcore.Settings, run_id: str, repo: str, token: str, private: bool, endpoint: str,
             license: str | None, progress=lambda line: None, lang: str = "en") -> str:
    """Push and return Markdown with the link; errors are UserError/RemoteError with one-line messages."""
    if not run_id:
        raise UIError("pick_run")
    if not (token or "").strip():  # the engine's own text names the CLI's sources (HF_TOKEN, --token-file)
        raise UIError("enter_token")
    run = ftcore.RunStore(settings).get(run_id)
    result = hub.push(run, repo, (token or "").strip(), settings=settings, private=private,
                      endpoint=(endpoint or "").strip() or None, license=license or None, progress=progress)
    link = result.pr_url or result.url
    visibility = tr("private" if result.private else "public", lang)
    return (tr("pushed", lang, n=len(result.files), repo=result.repo, visibility=visibility, link=link) + "\n\n"
            + ", ".join(f"`{name}`" for name in result.files))


_URL = re.compile(r"https?://[\w.~:/?#@!$&'*+,;=%-]*[\w/]", re.ASCII)  # a link ends before the next sentence


def plain_markdown(text: str) -> str:
    """`text` shown as it is in Markdown: its links as links (ending where the text goes on, also before Chinese
    punctuation), everything else escaped (a Hub's answer is not Markdown)."""
    parts = _URL.split(text)
    links = [f"<{url}>" for url in _URL.findall(text)] + [""]
    return "".join(re.sub(r"([\\`*_\[\]<>#|~])", r"\\\1", part) + link for part, link in zip(parts, links, strict=True))


def push_failure(exc: ftcore.UserError, lang: str = "en") -> str:
    """The result area's Markdown for a push that failed, in the reader's language: it stays on the page (a toast
    is gone in seconds), the engine's message as it is, then what to do in the app."""
    return tr("push_failed", lang, error=plain_markdown(ftcore.redact(str(ftcore.localize(exc, lang)))))


EXPORT_TTL_S = 3600  # an export waits this long for its download, then it is removed


def export_zip(settings: ftcore.Settings, run_id: str) -> str:
    """The run as a .zip for this browser session to download: in a folder with an unguessable name (another
    client cannot find it), and exports older than an hour are removed first."""
    import secrets
    import shutil

    if not run_id:
        raise UIError("pick_run")
    run = ftcore.RunStore(settings).get(run_id)
    root = settings.gradio_temp_dir / "exports"
    if root.is_dir():
        for old in root.iterdir():
            if time.time() - old.stat().st_mtime > EXPORT_TTL_S:
                shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink(missing_ok=True)
    out = root / secrets.token_hex(16) / f"{run.id}.zip"
    return str(hub.export(run, out, settings))


def build(settings: ftcore.Settings):
    with gr.Tab(t("tab_publish"), id="publish") as tab:
        with gr.Row():
            with gr.Column(scale=1):
                run = gr.Dropdown(finished_runs(settings), label=t("publish_run"), elem_id="publish-run")
                if settings.on_space:
                    gr.LoginButton(t("hub_login"))
                    token = gr.State("")  # the OAuth token arrives as a handler argument instead
                else:
                    token = gr.Textbox(label=t("hub_token"), type="password", max_lines=1, elem_id="publish-token")
                repo = gr.Textbox(label=t("hub_repo"), placeholder="alice/barista-135m", max_lines=1,
                                  elem_id="publish-repo")
                hint = gr.Markdown(elem_id="publish-hint")
                private = gr.Checkbox(True, label=t("hub_private"), elem_id="publish-private")
                license = gr.Dropdown(["", *hub.LICENSES], value="", allow_custom_value=True, label=t("hub_license"),
                                      info=t("hub_license_info"))
                with gr.Accordion(t("hub_endpoint"), open=False):
                    endpoint = gr.Textbox("", placeholder="https://huggingface.co", max_lines=1, show_label=False,
                                          elem_id="publish-endpoint")
                push = gr.Button(t("push"), variant="primary", elem_id="publish-push")
                result = gr.Markdown(elem_id="publish-result")
                export = gr.Button(t("export_zip"), elem_id="publish-export")
                download = gr.File(label=t("export_file"), interactive=False, elem_id="publish-file")
            with gr.Column(scale=2):
                with gr.Row():
                    make = gr.Button(t("make_card"), elem_id="publish-make-card")
                    save = gr.Button(t("save_card"), elem_id="publish-save-card")
                with gr.Tabs():
                    with gr.Tab(t("card_preview")):
                        preview = gr.Markdown(elem_id="publish-preview")
                    with gr.Tab(t("card_text")):
                        text = gr.Code(language="markdown", lines=24, interactive=True, elem_id="publish-card")
                with gr.Accordion(t("use_in_app"), open=False):  # full width: the snippet's lines stay whole
                    gr.Markdown(t("use_in_app_help"))
                    snippet = gr.Code(language="python", lines=14, interactive=False, elem_id="publish-snippet")

    def on_select_tab(request: gr.Request):
        return gr.update(choices=finished_runs(settings, lang_of(request)))

    def on_run(run_id, lic, name):
        if not run_id:
            return "", "", ""
        try:
            card = card_for(settings, run_id, lic, name)
        except ftcore.UserError as exc:
            raise error(exc) from None
        return card, preview_of(settings, run_id, card), ftcore.client_snippet(run_id)

    def on_make(run_id, lic, name):
        try:
            if not run_id:
                raise UIError("pick_run")
            r = ftcore.RunStore(settings).get(run_id)
            hub.write_card(r, settings, license=lic or None, repo=(name or "").strip() or None)
            card = card_for(settings, run_id, lic, name)
        except ftcore.UserError as exc:
            raise error(exc) from None
        return card, preview_of(settings, run_id, card)

    def on_save(run_id, card):
        try:
            if not run_id:
                raise UIError("pick_run")
            hub.save_card_text(ftcore.RunStore(settings).get(run_id), card or "")
        except ftcore.UserError as exc:
            raise error(exc) from None
        gr.Info(both("card_saved"))
        return preview_of(settings, run_id, card or "")

    def do_push(run_id, name, secret, is_private, address, lic, progress, lang) -> str:
        def step(line: str) -> None:
            progress(None, desc=ftcore.redact(ftcore.localize(line, lang)))

        try:
            return push_run(settings, run_id, name, secret, is_private, address, lic, progress=step, lang=lang)
        except ftcore.UserError as exc:
            return push_failure(exc, lang)

    if settings.on_space:  # gradio fills oauth_token from the session of the signed-in user
        def on_push(run_id, name, _unused, is_private, address, lic, oauth_token: gr.OAuthToken | None,
                    request: gr.Request, progress=gr.Progress(track_tqdm=True)):  # noqa: B008 (gradio injects it)
            if oauth_token is None:
                return push_failure(UIError("sign_in_first"), lang_of(request))
            return do_push(run_id, name, oauth_token.token, is_private, address, lic, progress, lang_of(request))
    else:
        def on_push(run_id, name, secret, is_private, address, lic, request: gr.Request,
                    progress=gr.Progress(track_tqdm=True)):  # noqa: B008 (gradio injects the tracker)
            return do_push(run_id, name, secret, is_private, address, lic, progress, lang_of(request))

    def on_export(run_id):
        try:
            return export_zip(settings, run_id)
        except ftcore.UserError as exc:
            raise error(exc) from None

    tab.select(on_select_tab, None, run, api_name="publish_runs")
    run.input(on_run, [run, license, repo], [text, preview, snippet])
    make.click(on_make, [run, license, repo], [text, preview])
    save.click(on_save, [run, text], preview)
    repo.change(repo_hint, repo, hint)
    push.click(on_push, [run, repo, token, private, endpoint, license], result, api_name="push")
    export.click(on_export, run, download, api_name="export")
