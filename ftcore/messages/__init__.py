"""Every text FullTune shows people, in English and Chinese, in one catalog split per area (one module each, the
two languages side by side): the engine's errors, the plan panel, the guided run's steps, the report's
recommendation, the data quality report, a run's status and progress, and the app's own texts (area ui; the knobs'
labels and Chinese help in fields).

`message(key, lang, **values)` renders one entry with str.format; values that are user data (file names, columns,
numbers) are passed through as they are, values that are texts themselves (a Text, a Join, an error) render in the
same language. A Text is a str holding the English, so the CLI, JSON files and logs keep English while the UI
renders it again in the reader's language.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from ftcore.messages import cli as _cli
from ftcore.messages import config as _config
from ftcore.messages import data as _data
from ftcore.messages import eval as _eval
from ftcore.messages import models as _models
from ftcore.messages import plan as _plan
from ftcore.messages import publish as _publish
from ftcore.messages import recipes as _recipes
from ftcore.messages import runs as _runs
from ftcore.messages import serve as _serve
from ftcore.messages import train as _train
from ftcore.messages import ui as _ui

MESSAGES: dict[str, tuple[str, str]] = {**_cli.MESSAGES, **_config.MESSAGES, **_data.MESSAGES, **_eval.MESSAGES, **_models.MESSAGES, **_plan.MESSAGES, **_publish.MESSAGES, **_recipes.MESSAGES, **_runs.MESSAGES, **_serve.MESSAGES, **_train.MESSAGES,
                                        **_ui.MESSAGES}


@runtime_checkable
class Localizable(Protocol):
    """Anything that renders itself in a language: a Text, a Join, a Bilingual, a UserError."""

    def text(self, lang: str = "en") -> str: ...


def localize(value: Any, lang: str = "en") -> Any:
    """`value` in `lang` when it is a text of the engine; anything else (user data) as it is."""
    return value.text(lang) if isinstance(value, Localizable) else value


def message(key: str, lang: str = "en", /, **values: Any) -> str:
    """The catalog text `key` in English ("en") or Chinese ("zh"), its {placeholders} filled."""
    template = MESSAGES[key][1 if lang == "zh" else 0]
    return template.format(**{name: localize(value, lang) for name, value in values.items()})


class Text(str):
    """A catalog text held until shown: it is the English string everywhere a str goes (print, JSON, logs), and
    text(lang) renders it again, e.g. in the browser's language."""

    key: str
    values: dict[str, Any]

    def __new__(cls, key: str, /, **values: Any) -> Text:
        self = super().__new__(cls, message(key, "en", **values))
        self.key, self.values = key, values
        return self

    def text(self, lang: str = "en") -> str:
        return message(self.key, lang, **self.values)

    def __getnewargs_ex__(self) -> tuple[tuple[str], dict[str, Any]]:
        return (self.key,), self.values


@dataclass(frozen=True)
class Join:
    """Texts joined by a separator, each in the language of the text it is part of."""

    items: Iterable[Any]
    sep: str = "; "

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", tuple(self.items))  # a generator would be spent after one rendering

    def text(self, lang: str = "en") -> str:
        return self.sep.join(str(localize(item, lang)) for item in self.items)

    def __str__(self) -> str:
        return self.text()


@dataclass(frozen=True)
class Bilingual:
    """A text already rendered in both languages, as a run's status keeps it (error and error_zh)."""

    en: str
    zh: str | None = None

    def text(self, lang: str = "en") -> str:
        return self.zh if lang == "zh" and self.zh else self.en

    def __str__(self) -> str:
        return self.en


def restore(english: str, key: str | None, values: dict[str, Any] | None = None) -> str:
    """A text a file keeps as English plus its key and values: a Text again while the catalog knows the key (files
    from older versions have no key), else the English as it was written."""
    return Text(key, **(values or {})) if key in MESSAGES else english
