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

from .._atomic import write_text
from ..errors import DataError, UserError
from .formats import FORMATS, RowProblem, detect, map_columns, to_messages
from .sources import iter_rows

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
        lines = [str(p) for p in problems]
        if total > len(problems):
            lines.append(f"... and {total - len(problems)} more problems.")
        super().__init__("\n".join(lines))


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
        raise UserError(f"{path}: no such file.")
    return path


def iter_examples(path: str | Path, fmt: str = "auto", template: str | None = None,
                  columns: dict[str, str] | None = None) -> Iterator[Example | DataError]:
    """Examples in file order; a bad row comes as a DataError in its place. The format is detected from the
    first readable row unless given."""
    path = _open(path)
    if fmt != "auto" and fmt not in FORMATS:
        raise UserError(f"Unknown format '{fmt}': use auto or one of {', '.join(FORMATS)}.")
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
                    raise RowProblem(None, f"cannot tell the format from the columns {sorted(row)[:8]}",
                                     "use messages, instruction/output, prompt/completion, text or text/label "
                                     "columns, or give --format and a column mapping (--columns text=clause)"
                                     ).at(str(path), number)
            messages = to_messages(row, detected, template)
        except RowProblem as problem:
            yield problem.at(str(path), number)
            continue
        meta = {"format": detected}
        if isinstance(row.get("meta"), dict):  # rows written by write_jsonl keep their metadata
            meta.update({k: v for k, v in row["meta"].items() if k != "format"})
        if detected == "classification":
            meta.update(label=messages[-1]["content"], text=row["text"])
        elif detected == "text":
            meta["kind"] = "text"
        yield Example(messages, number, meta)


def read_examples(path: str | Path, fmt: str = "auto", template: str | None = None,
                  columns: dict[str, str] | None = None) -> list[Example]:
    """All examples of a file; raises DataProblems listing every bad row (up to 20) and nothing else."""
    return list(_valid_examples(path, fmt, template, columns))


def _valid_examples(path: str | Path, fmt: str, template: str | None,
                    columns: dict[str, str] | None) -> Iterator[Example]:
    """The good examples in order; once the file is read, raise DataProblems if any row was bad (the first 20
    and a count), or DataError if no row was good."""
    problems, total, good = [], 0, 0
    for item in iter_examples(path, fmt, template, columns):
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
        raise DataError(str(path), None, "the file has no examples", "add at least one row")


def write_jsonl(examples: list[Example], path: str | Path) -> Path:
    """Write canonical rows ({"messages", "meta"}) atomically; read_examples reads them back unchanged."""
    path = Path(path)
    write_text(path, "".join(json.dumps({"messages": e.messages, "meta": {**e.meta, "source_row": e.line}},
                                        ensure_ascii=False) + "\n" for e in examples))
    return path


def check_file(path: str | Path, fmt: str = "auto", template: str | None = None,
               columns: dict[str, str] | None = None) -> CheckSummary:
    """Validate a file without keeping its rows in memory; raises DataProblems when any row is bad."""
    rows, found, labels = 0, None, Counter()
    warnings: list[str] = []
    for item in _valid_examples(path, fmt, template, columns):
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
