"""`ftcore`: the command line over the public API, one module per command group (main parses and dispatches)."""

from ftcore.cli.main import main

__all__ = ["main"]
