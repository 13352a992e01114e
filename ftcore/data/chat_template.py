"""The chat template a run trains with: the model's own, or one the user picks (data.chat_template) — a shipped one
by name or a .jinja file inside the workspace. The tokenizer keeps it, so checkpoints and the published model
render chats the way training did."""

from __future__ import annotations

from pathlib import Path

from ftcore.errors import UserError

SHIPPED = {"chatml-tools": "chatml_tools.jinja"}
FOLDER = Path(__file__).parent / "chat_templates"


def template_source(choice: str, settings) -> str:
    """The Jinja text of a shipped template name or of a .jinja file inside the workspace."""
    if choice in SHIPPED:
        return (FOLDER / SHIPPED[choice]).read_text(encoding="utf-8")
    path = settings.inside(choice)
    if path.suffix != ".jinja" or not path.is_file():
        raise UserError("data.chat_template_unknown", choice=choice, shipped=", ".join(SHIPPED))
    return path.read_text(encoding="utf-8")


def use_chat_template(tokenizer, choice: str | None, settings):
    """The tokenizer with the chosen template in place (unchanged when there is no choice)."""
    if choice:
        tokenizer.chat_template = template_source(choice, settings)
    return tokenizer
