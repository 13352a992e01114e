"""Training data: readers, demo datasets shipped with the package, and rendering into token ids."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ftcore.data.formats import FORMATS
from ftcore.data.read import (
    CheckSummary,
    DataProblems,
    Example,
    check_file,
    iter_examples,
    read_examples,
    write_jsonl,
)
from ftcore.data.render import IGNORE, Tokenized, assistant_spans, render_spans, tokenize_all
from ftcore.messages import Text

DEMO_DIR = Path(__file__).parent / "demo"


@dataclass(frozen=True)
class DemoDataset:
    name: str
    file: str
    format: str
    template: str | None
    description: str
    chat_template: str | None = None  # a shipped template (ftcore.data.chat_template) the rows need
    max_length: int | None = None  # when the rows need more than the default (tool schemas are long)

    @property
    def path(self) -> Path:
        return DEMO_DIR / self.file


DEMOS = {  # the description is a catalog text: English where a str goes, text("zh") in Chinese
    "barista": DemoDataset("barista", "barista.jsonl", "messages", None, Text("demos.barista")),
    "contracts-risk": DemoDataset("contracts-risk", "contracts_risk.jsonl", "classification",
                                  "合同类型：{text}\n法律风险评级：", Text("demos.contracts-risk")),
    "roastery-tools": DemoDataset("roastery-tools", "roastery_tools.jsonl", "messages", None,
                                  Text("demos.roastery-tools"), chat_template="chatml-tools", max_length=1024),
}


def fingerprint(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


__all__ = ["DEMOS", "FORMATS", "CheckSummary", "DataProblems", "check_file", "iter_examples", "DemoDataset", "Example", "IGNORE", "Tokenized", "assistant_spans",
           "fingerprint", "read_examples", "render_spans", "tokenize_all", "write_jsonl"]
