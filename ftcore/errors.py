"""Errors a user can act on. The CLI prints them in one line (exit 2); the UI shows them with gr.Error.

Each error is a catalog key of ftcore.messages with its values: str() is the English text, text("zh") the Chinese.
"""

from __future__ import annotations

from typing import Any

from ftcore.messages import message


class UserError(Exception):
    """Something the user gave is wrong; the message says what and how to fix it."""

    exit_code = 2

    def __init__(self, key: str, /, **values: Any):
        self.key, self.values = key, values
        super().__init__(self.text())

    def text(self, lang: str = "en") -> str:
        """The message in English ("en") or Chinese ("zh")."""
        return message(self.key, lang, **self.values)

    def __reduce__(self):
        # the default rebuilds from args (the English text), which is not a key
        return _restore, (type(self), dict(self.__dict__))


def _restore(cls: type[UserError], state: dict[str, Any]) -> UserError:
    error = cls.__new__(cls)
    error.__dict__.update(state)
    Exception.__init__(error, error.text())
    return error


class DataError(UserError):
    """A data file is unusable; carries the file, the 1-based line/row and the field when known.

    `problem` and `fix` are catalog keys sharing the values; the attributes `problem` and `fix` read back as
    English text, the shape in both languages is "file:line: field: problem — fix"."""

    def __init__(
        self,
        path: str,
        line: int | None,
        problem: str,
        fix: str | None = None,
        field: str | None = None,
        **values: Any,
    ):
        self.path, self.line, self.field, self.fix_key = path, line, field, fix
        super().__init__(problem, **values)

    @property
    def problem(self) -> str:
        return message(self.key, "en", **self.values)

    @property
    def fix(self) -> str:
        return message(self.fix_key, "en", **self.values) if self.fix_key else ""

    def text(self, lang: str = "en") -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        problem = message(self.key, lang, **self.values)
        what = f"{self.field}: {problem}" if self.field else problem
        return f"{where}: {what}" + (
            f" — {message(self.fix_key, lang, **self.values)}" if self.fix_key else ""
        )
