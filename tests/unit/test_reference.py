"""docs/cli.md is generated from the parser and the config help; it must match what the code says now."""

from pathlib import Path

from ftcore.cli.reference import cli_reference

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def test_cli_reference_is_up_to_date():
    text = cli_reference()
    assert "## ftcore push" in text and "`train.learning_rate`" in text and "### data.tasks[]" in text
    assert DOC.read_text(encoding="utf-8") == text, "docs/cli.md is stale: run python -m ftcore.cli.reference docs/cli.md"
