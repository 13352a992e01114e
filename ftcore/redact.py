"""Masking of Hub tokens in anything written or shown: log lines, events, error messages."""

from __future__ import annotations

import re
from typing import Any

TOKEN_PATTERN = re.compile(r"hf_[A-Za-z0-9]{8,}")


def redact(text: str) -> str:
    """Mask anything shaped like a Hub token."""
    return TOKEN_PATTERN.sub("hf_***", text)


def redact_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """The same mapping with every string value (one level deep, and in lists) masked."""
    def clean(value: Any) -> Any:
        if isinstance(value, str):
            return redact(value)
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    return {k: clean(v) for k, v in fields.items()}
