"""Read training files into canonical chat examples, with row-level errors a user can fix.

`iter_examples` streams (for `ftcore data check` on files of any size); `read_examples` collects and raises one
DataProblems listing up to 20 bad rows and the count of the rest.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ftcore._atomic import write_text
from ftcore.data.formats import FORMATS, RowProblem, detect, map_columns, to_messages
from ftcore.data.sources import iter_rows
from ftcore.data.turns import tools as row_tools
from ftcore.errors import DataError, UserError

MAX_PROBLEMS = 20


@dataclass
class Example:
    """One canonical training example: chat messages, the 1-based row it came from, and metadata
    (`label` and `text` for classification rows; `kind: text` for raw documents; `augmented_from` for rows
    made by augmentation)."""

    messages: list[dict[str, str]]
    line: int
    meta: dict = field(default_factory=dict)


class DataProblems(UserError):
    """Several row-level problems in one file, printed one per line (at most MAX_PROBLEMS)."""

    def __init__(self, problems: list[DataError], total: int):
        self.problems, self.total = problems, total
        super().__init__("data.more_problems", n=total - len(problems))

    def text(self, lang: str = "en") -> str:
        lines = [p.text(lang) for p in self.problems]
        if self.total > len(self.problems):
            lines.append(super().text(lang))
        return "\n".join(lines)


@dataclass
class CheckSummary:
    path: str
    format: str
    rows: int
    warnings: list[str]
    labels: dict[str, int] = field(default_factory=dict)


def _open(path: str | Path) -> Path:
    path = Path(path)
    if not path.is_file():
        raise UserError("data.no_file", path=path)
    return path


def iter_examples(path: str | Path, fmt: str = "auto", template: str | None = None,
                  columns: dict[str, str] | None = None, **options) -> Iterator[Example | DataError]:
    """Examples in file order; a bad row comes as a DataError in its place. The format is detected from the
    first readable row unless given. `options`: train_on_input, reasoning (ftcore.data.formats.to_messages)."""
    path = _open(path)
    if fmt != "auto" and fmt not in FORMATS:
        raise UserError("data.unknown_format", format=fmt, formats=", ".join(FORMATS))
    detected = None if fmt == "auto" else fmt
    for number, row in iter_rows(path):
        if isinstance(row, DataError):
            yield row
            continue
        try:
            row = map_columns(row, columns)
            if detected is None:
                detected = detect(row)
                if detected is None:  # the whole file is unreadable as any format: one message, not one per row
                    raise RowProblem(None, "data.cannot_detect", "data.cannot_detect_fix",
                                     columns=sorted(row)[:8]).at(str(path), number)
            messages = to_messages(row, detected, template, **options)
            schemas = row_tools(row.get("tools")) if detected in ("messages", "prompt_completion") else None
        except RowProblem as problem:
            yield problem.at(str(path), number)
            continue
        meta = {"format": detected}
        if isinstance(row.get("meta"), dict):  # rows written by write_jsonl keep their metadata
            meta.update({k: v for k, v in row["meta"].items() if k != "format"})
        if schemas:
            meta["tools"] = schemas
        if detected == "classification":
            meta.update(label=messages[-1]["content"], text=row["text"])
        elif detected == "text":
            meta["kind"] = "text"
        yield Example(messages, number, meta)


def read_examples(path: str | Path, fmt: str = "auto", template: str | None = None,
                  columns: dict[str, str] | None = None, **options) -> list[Example]:
    """All examples of a file; raises DataProblems listing every bad row (up to 20) and nothing else."""
    return list(_valid_examples(path, fmt, template, columns, **options))


def _valid_examples(path: str | Path, fmt: str, template: str | None,
                    columns: dict[str, str] | None, **options) -> Iterator[Example]:
    """The good examples in order; once the file is read, raise DataProblems if any row was bad (the first 20
    and a count), or DataError if no row was good."""
    problems, total, good = [], 0, 0
    for item in iter_examples(path, fmt, template, columns, **options):
        if isinstance(item, DataError):
            total += 1
            if len(problems) < MAX_PROBLEMS:
                problems.append(item)
        else:
            good += 1
            yield item
    if total:
        raise DataProblems(problems, total)
    if not good:
        raise DataError(str(path), None, "data.no_examples", "data.add_a_row")


def write_jsonl(examples: list[Example], path: str | Path) -> Path:
    """Write canonical rows ({"messages", "meta"}) atomically; read_examples reads them back unchanged."""
    path = Path(path)
    write_text(path, "".join(json.dumps({"messages": e.messages, "meta": {**e.meta, "source_row": e.line}},
                                        ensure_ascii=False) + "\n" for e in examples))
    return path


def check_file(path: str | Path, fmt: str = "auto", template: str | None = None,
               columns: dict[str, str] | None = None, **options) -> CheckSummary:
    """Validate a file without keeping its rows in memory; raises DataProblems when any row is bad."""
    rows, found, labels = 0, None, Counter()
    warnings: list[str] = []
    for item in _valid_examples(path, fmt, template, columns, **options):
        rows += 1
        found = found or item.meta["format"]
        if "label" in item.meta:
            labels[item.meta["label"]] += 1
    if rows < 20:
        warnings.append(f"Only {rows} examples: full fine-tuning on so few rows overfits fast; "
                        "keep epochs low or add data.")
    if labels and len(labels) < 2:
        warnings.append("Every row has the same label: the model can only learn to repeat it.")
    if fmt == "auto" and found == "text":
        warnings.append("Read as plain text (continued pre-training): the loss covers every token.")
    return CheckSummary(str(path), found, rows, warnings, dict(labels))
