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

from ftcore.errors import DataError
from ftcore.messages import Text

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
        raise DataError(str(path), None, "source.nul_bytes", "source.fix_utf8_text")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError as exc:
        raise DataError(str(path), None, "source.not_utf8_file", "source.fix_utf8_or_16", offset=exc.start) from None
    return "utf-8"


def iter_rows(path: Path) -> Iterator[Row]:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise DataError(str(path), None, "source.unsupported", "source.fix_suffixes", suffix=suffix or path.name,
                        suffixes=", ".join(SUFFIXES))
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
                yield number + 1, DataError(str(path), number + 1, "source.not_utf16", "source.fix_utf8_file",
                                            reason=exc.reason)
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
                yield number, DataError(str(path), number, "source.long_line", "source.fix_split_documents",
                                        mb=MAX_LINE_BYTES // 2**20)
                continue
            if number == 1 and encoding == "utf-8-sig":
                line = line[3:]
            try:
                yield number, line.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield number, DataError(str(path), number, "source.not_utf8_line", "source.fix_utf8_file",
                                        byte=exc.start)


def _loads(path: Path, number: int, text: str) -> dict | DataError:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return DataError(str(path), number, "source.bad_json", "source.fix_json_line", error=exc.msg,
                         column=exc.colno)
    except RecursionError:
        return DataError(str(path), number, "source.too_deep", "source.fix_depth", depth=MAX_DEPTH)
    return _check_row(path, number, value)


def _check_row(path: Path, number: int, value) -> dict | DataError:
    if not isinstance(value, dict):
        return DataError(str(path), number, "source.not_object", "source.fix_object_rows", kind=_kind(value))
    if _depth(value) > MAX_DEPTH:
        return DataError(str(path), number, "source.deeper_than", "source.fix_flatten_row", depth=MAX_DEPTH)
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
    kinds = {list: Text("source.kind_array"), str: Text("source.kind_string"), type(None): Text("source.kind_null"),
             bool: Text("source.kind_boolean")}
    return kinds.get(type(value), Text("source.kind_number") if isinstance(value, int | float) else type(value).__name__)


def _jsonl(path: Path, encoding: str) -> Iterator[Row]:
    for number, line in _text_lines(path, encoding):
        if isinstance(line, DataError):
            yield number, line
        elif line.strip():
            yield number, _loads(path, number, line)


def _json(path: Path, encoding: str) -> Iterator[Row]:
    if path.stat().st_size > MAX_JSON_FILE_BYTES:
        raise DataError(str(path), None, "source.json_too_big", "source.fix_to_jsonl", gb=MAX_JSON_FILE_BYTES // 2**30)
    try:
        data = json.loads(path.read_bytes().decode(encoding))
    except UnicodeDecodeError as exc:
        raise DataError(str(path), None, "source.bad_encoding", "source.fix_utf8_file", encoding=encoding,
                        byte=exc.start) from None
    except json.JSONDecodeError as exc:
        raise DataError(str(path), exc.lineno, "source.bad_json", "source.fix_json", error=exc.msg,
                        column=exc.colno) from None
    except RecursionError:
        raise DataError(str(path), None, "source.too_deep", "source.fix_flatten_data") from None
    if isinstance(data, dict):
        data = _rows_of_object(path, data)
    if not isinstance(data, list):
        raise DataError(str(path), None, "source.not_array", "source.fix_array", kind=_kind(data))
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
    raise DataError(str(path), None, "source.bad_object", "source.fix_object")


def _csv(path: Path, encoding: str, delimiter: str) -> Iterator[Row]:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    with open(path, encoding=encoding, newline="", errors="strict") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            header = next(reader, None)
        except (UnicodeDecodeError, csv.Error) as exc:
            raise DataError(str(path), 1, "source.bad_header", "source.fix_utf8_csv", error=exc) from None
        if not header or not any(h.strip() for h in header):
            raise DataError(str(path), 1, "source.no_header", "source.fix_header")
        header = [h.strip() for h in header]
        if len(set(header)) != len(header):
            raise DataError(str(path), 1, "source.duplicate_columns", "source.fix_distinct_columns", header=header)
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError as exc:
                yield reader.line_num + 1, DataError(str(path), reader.line_num + 1, "source.bad_csv_encoding",
                                                     "source.fix_utf8_file", encoding=encoding, reason=exc.reason)
                return
            except csv.Error as exc:
                yield reader.line_num, DataError(str(path), reader.line_num, "source.broken_csv",
                                                 "source.fix_quoting", error=exc)
                continue
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                yield reader.line_num, DataError(str(path), reader.line_num, "source.cell_count",
                                                 "source.fix_quote_cells", cells=len(cells), columns=len(header))
                continue
            yield reader.line_num, {h: (c if c != "" else None) for h, c in zip(header, cells, strict=True)}


def _parquet(path: Path) -> Iterator[Row]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise DataError(str(path), None, "source.bad_parquet", "source.fix_parquet", error=exc) from None
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
