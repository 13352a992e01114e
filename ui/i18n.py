"""Every user-facing string of the UI, in English and Chinese, in one table; three ways to show one.

t(key): static texts (labels, tooltips, buttons, tabs, Markdown); the browser's language picks the text.
tr(key, lang, **values): texts a handler composes around data; gradio translates a key only when it is a whole
value, so the handler renders it in the request's language (lang_of).
both(key, **values): toasts and errors, which gradio shows untranslated: English / Chinese in one line.

The engine's own texts (its errors, plan, steps, report) come from its catalog (ftcore.messages): a value of tr()
that is one of them renders in the same language, and error(exc) shows an engine error like both().
"""

from __future__ import annotations

import gradio as gr

import ftcore

from .i18n_help import field_texts

TEXTS: dict[str, tuple[str, str]] = {key.removeprefix("ui."): texts for key, texts in ftcore.MESSAGES.items()
                                     if key.startswith("ui.")}  # the catalog's UI area (ftcore/messages/ui.py)

_KNOBS_EN, _KNOBS_ZH = field_texts()
EN = {key: en for key, (en, _) in TEXTS.items()} | _KNOBS_EN
ZH = {key: zh for key, (_, zh) in TEXTS.items()} | _KNOBS_ZH
I18N = gr.I18n(en=EN, zh=ZH)


def t(key: str):
    """The translation key for a static text; the browser's language picks the text."""
    if key not in EN:
        raise KeyError(key)
    return I18N(key)


def lang_of(request: gr.Request | None) -> str:
    """The request's language as the browser sends it (its first choice): "zh" for any Chinese, else "en"."""
    header = request.headers.get("accept-language", "") if request is not None else ""
    return "zh" if header.split(",")[0].strip().lower().startswith("zh") else "en"


def tr(key: str, lang: str = "en", **values) -> str:
    """A text in one language, with its {placeholders} filled; a value that is an engine text or error renders
    in the same language."""
    text = (ZH if lang == "zh" else EN)[key]
    return text.format(**{k: ftcore.localize(v, lang) for k, v in values.items()}) if values else text


def both(key: str, **values) -> str:
    """English and Chinese in one line, for toasts and errors (gradio does not translate those)."""
    return both_of(UIError(key, **values))


def both_of(value) -> str:
    """An engine text or error (anything else as it is) in English and Chinese in one line, like both()."""
    en, zh = str(ftcore.localize(value, "en")), str(ftcore.localize(value, "zh"))
    return en if en == zh else f"{en} / {zh}"


def error(exc: Exception, **kwargs) -> gr.Error:
    """The toast for an error the engine (or the UI) raised: English / Chinese, like both()."""
    return gr.Error(both_of(exc), **kwargs)


class UIError(ftcore.UserError):
    """An error of the UI's own: its key is one of TEXTS; handlers show it with error(), as the engine's."""

    def text(self, lang: str = "en") -> str:
        return tr(self.key, lang, **self.values)
