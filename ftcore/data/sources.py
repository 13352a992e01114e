"""Read data files row by row, streaming where the format allows: .jsonl, .json, .csv, .tsv, .parquet, .txt.

Yields (row number, dict) pairs, or (row number, DataError) for a row that cannot be read, so that one bad row
never hides the others. Encodings: UTF-8 with or without BOM, UTF-16 with BOM.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from ..errors import DataError

SUFFIXES = (".jsonl", ".json", ".csv", ".tsv", ".parquet", ".txt")
MAX_LINE_BYTES = 8 * 1024 * 1024
MAX_JSON_FILE_BYTES = 1024 * 1024 * 1024
MAX_DEPTH = 64

Row = tuple[int, "dict | DataError"]


def sniff_encoding(path: Path) -> str:
    """utf-8, utf-8-sig or utf-16; anything else is refused with the reason."""
    with open(path, "rb") as handle:
        head = handle.read(4096)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        raise DataError(str(path), None, "the file contains NUL bytes: it is binary, or UTF-16/32 without a BOM",
                        "save it as UTF-8 text")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError as exc:
        raise DataError(str(path), None, f"the file is not UTF-8 (bad byte at offset {exc.start}); it may be GBK "
                        "or Latin-1", "save it as UTF-8 (or UTF-16 with a BOM)") from None
    return "utf-8"


def iter_rows(path: Path) -> Iterator[Row]:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise DataError(str(path), None, f"unsupported file type '{suffix or path.name}'",
                        f"use one of {', '.join(SUFFIXES)}")
    if suffix == ".parquet":
        yield from _parquet(path)
        return
    encoding = sniff_encoding(path)
    if suffix == ".jsonl":
        yield from _jsonl(path, encoding)
    elif suffix == ".json":
        yield from _json(path, encoding)
    elif suffix in (".csv", ".tsv"):
        yield from _csv(path, encoding, "\t" if suffix == ".tsv" else ",")
    else:
        yield from _txt(path, encoding)


def _text_lines(path: Path, encoding: str) -> Iterator[tuple[int, str | DataError]]:
    """Lines of a text file, each at most MAX_LINE_BYTES, decoded strictly."""
    raw = open(path, "rb")
    with raw:
        if encoding == "utf-16":
            reader = io.TextIOWrapper(raw, encoding="utf-16", errors="strict", newline="")
            number = 0
            try:
                for number, line in enumerate(reader, start=1):
                    yield number, line
            except UnicodeDecodeError as exc:
                yield number + 1, DataError(str(path), number + 1, f"not valid UTF-16 ({exc.reason})",
                                            "save the file as UTF-8")
            return
        number = 0
        while True:
            line = raw.readline(MAX_LINE_BYTES + 1)
            if not line:
                return
            number += 1
            if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
                while line and not line.endswith(b"\n"):  # skip the rest of the oversized line
                    line = raw.readline(MAX_LINE_BYTES)
                yield number, DataError(str(path), number, f"line is longer than {MAX_LINE_BYTES // 2**20} MB",
                                        "split very long documents into several rows")
                continue
            if number == 1 and encoding == "utf-8-sig":
                line = line[3:]
            try:
                yield number, line.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield number, DataError(str(path), number, f"not valid UTF-8 (byte {exc.start} of the line)",
                                        "save the file as UTF-8")


def _loads(path: Path, number: int, text: str) -> dict | DataError:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return DataError(str(path), number, f"not valid JSON ({exc.msg} at column {exc.colno})",
                         "each line must be one complete JSON object")
    except RecursionError:
        return DataError(str(path), number, "JSON nested too deeply", f"keep nesting under {MAX_DEPTH} levels")
    return _check_row(path, number, value)


def _check_row(path: Path, number: int, value) -> dict | DataError:
    if not isinstance(value, dict):
        return DataError(str(path), number, f"expected a JSON object, got {_kind(value)}",
                         'write each row as an object, like {"messages": [...]}')
    if _depth(value) > MAX_DEPTH:
        return DataError(str(path), number, f"JSON nested more than {MAX_DEPTH} levels deep",
                         "flatten the row")
    return value


def _depth(value) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            return deepest
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values() if isinstance(v, dict | list))
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item if isinstance(v, dict | list))
    return deepest


def _kind(value) -> str:
    return {list: "an array", str: "a string", type(None): "null", bool: "a boolean"}.get(
        type(value), "a number" if isinstance(value, int | float) else type(value).__name__)


def _jsonl(path: Path, encoding: str) -> Iterator[Row]:
    for number, line in _text_lines(path, encoding):
        if isinstance(line, DataError):
            yield number, line
        elif line.strip():
            yield number, _loads(path, number, line)


def _json(path: Path, encoding: str) -> Iterator[Row]:
    if path.stat().st_size > MAX_JSON_FILE_BYTES:
        raise DataError(str(path), None, f"a .json file is read whole and this one is over "
                        f"{MAX_JSON_FILE_BYTES // 2**30} GB", "convert it to .jsonl (one object per line)")
    try:
        data = json.loads(path.read_bytes().decode(encoding))
    except UnicodeDecodeError as exc:
        raise DataError(str(path), None, f"not valid {encoding} text (byte {exc.start})",
                        "save the file as UTF-8") from None
    except json.JSONDecodeError as exc:
        raise DataError(str(path), exc.lineno, f"not valid JSON ({exc.msg} at column {exc.colno})",
                        "fix the JSON, or use .jsonl with one object per line") from None
    except RecursionError:
        raise DataError(str(path), None, "JSON nested too deeply", "flatten the data") from None
    if isinstance(data, dict):
        data = _rows_of_object(path, data)
    if not isinstance(data, list):
        raise DataError(str(path), None, f"expected an array of objects, got {_kind(data)}",
                        'write [{"messages": [...]}, ...]')
    for number, value in enumerate(data, start=1):
        yield number, _check_row(path, number, value)


def _rows_of_object(path: Path, data: dict) -> list:
    """{"train": [rows]} (one list of objects) or {"col": [...], ...} (columns of equal length)."""
    lists = {k: v for k, v in data.items() if isinstance(v, list)}
    if len(lists) == 1 and all(isinstance(v, dict) for v in next(iter(lists.values()))):
        return next(iter(lists.values()))
    lengths = {len(v) for v in lists.values()}
    if lists and len(lists) == len(data) and len(lengths) == 1:
        keys = list(lists)
        return [dict(zip(keys, values, strict=True)) for values in zip(*lists.values(), strict=True)]
    raise DataError(str(path), None, "a JSON object must hold one array of rows, or columns of equal length",
                    'write [{...}, ...] or {"text": [...], "label": [...]}')


def _csv(path: Path, encoding: str, delimiter: str) -> Iterator[Row]:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    with open(path, encoding=encoding, newline="", errors="strict") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            header = next(reader, None)
        except (UnicodeDecodeError, csv.Error) as exc:
            raise DataError(str(path), 1, f"cannot read the header ({exc})", "save the file as UTF-8 CSV") from None
        if not header or not any(h.strip() for h in header):
            raise DataError(str(path), 1, "no header row", "put the column names on the first line")
        header = [h.strip() for h in header]
        if len(set(header)) != len(header):
            raise DataError(str(path), 1, f"duplicate column names in {header}", "give every column a distinct name")
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError as exc:
                yield reader.line_num + 1, DataError(str(path), reader.line_num + 1,
                                                     f"not valid {encoding} ({exc.reason})", "save the file as UTF-8")
                return
            except csv.Error as exc:
                yield reader.line_num, DataError(str(path), reader.line_num, f"broken CSV ({exc})",
                                                 "check the quoting on that line")
                continue
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                yield reader.line_num, DataError(str(path), reader.line_num,
                                                 f"{len(cells)} cells for {len(header)} columns",
                                                 "quote cells that contain the delimiter or line breaks")
                continue
            yield reader.line_num, {h: (c if c != "" else None) for h, c in zip(header, cells, strict=True)}


def _parquet(path: Path) -> Iterator[Row]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise DataError(str(path), None, f"not a readable Parquet file ({exc})",
                        "export it again as Parquet, or use .jsonl") from None
    number = 0
    for batch in parquet.iter_batches(batch_size=4096):
        for row in batch.to_pylist():
            number += 1
            yield number, row


def _txt(path: Path, encoding: str) -> Iterator[Row]:
    """Plain text: documents separated by blank lines; each document is one row of the `text` format."""
    start, lines = 0, []
    for number, line in _text_lines(path, encoding):
        if isinstance(line, DataError):
            yield number, line
            continue
        if line.strip():
            start = start or number
            lines.append(line)
        elif lines:
            yield start, {"text": "".join(lines).strip()}
            start, lines = 0, []
    if lines:
        yield start, {"text": "".join(lines).strip()}
