"""One way the CLI lists things: JSON for scripts (--json), else one formatted line a row."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any


def emit(rows: list[dict[str, Any]], as_json: bool, line: Callable[[dict[str, Any]], str]) -> int:
    if as_json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        for row in rows:
            print(line(row))
    return 0
