"""Errors a user can act on. The CLI prints them in one line (exit 2); the UI shows them with gr.Error."""

from __future__ import annotations


class UserError(Exception):
    """Something the user gave is wrong; the message says what and how to fix it."""

    exit_code = 2


class DataError(UserError):
    """A data file is unusable; carries the file, the 1-based line/row and the field when known."""

    def __init__(self, path: str, line: int | None, problem: str, fix: str = "", field: str | None = None):
        self.path, self.line, self.field, self.problem, self.fix = path, line, field, problem, fix
        where = f"{path}:{line}" if line else str(path)
        what = f"{field}: {problem}" if field else problem
        super().__init__(f"{where}: {what}" + (f" — {fix}" if fix else ""))
