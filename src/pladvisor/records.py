"""Reading school profiles from CSV, JSONL or JSON files, one record at a time with its line number.

CSV columns are dotted profile paths (``buy_in.approach``) plus ``school_id`` and ``name``.
An empty cell is an unanswered question; list answers are ``;``-separated, and ``none``
is an answered, empty list. Rows whose first cell starts with ``#`` are comments (the
template's row of allowed values is one). A cell that cannot be read as its field's
type makes that row invalid, never the file.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from pladvisor.domain.fields import NONE_ITEM, FieldInfo, profile_fields, required_areas

IDENTITY_COLUMNS = ("school_id", "name")
TRUE = frozenset({"true", "yes", "y", "1"})
FALSE = frozenset({"false", "no", "n", "0"})


class InputError(ValueError):
    """The file as a whole cannot be read (unknown format or columns); no record can be trusted."""


@dataclass(frozen=True, slots=True)
class Record:
    line: int
    data: dict[str, Any] | None
    error: str | None = None
    school_id: str | None = None


def _cell(info: FieldInfo, text: str) -> Any:
    if info.kind == "bool":
        lowered = text.lower()
        if lowered in TRUE | FALSE:
            return lowered in TRUE
        raise ValueError(f"{info.path}: {text!r} is not true or false")
    if info.kind == "int":
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"{info.path}: {text!r} is not a whole number") from None
    if info.kind == "choices":
        return [] if text.lower() == NONE_ITEM else [item.strip() for item in text.split(";") if item.strip()]
    return text


def _csv_records(handle: TextIO, source: str) -> Iterator[Record]:
    reader = csv.reader(handle)
    header = next(reader, None)
    if header is None:
        return
    fields = profile_fields()
    required = required_areas()
    unknown = [c for c in header if c not in fields and c not in IDENTITY_COLUMNS]
    if unknown:
        raise InputError(f"{source}: unknown columns {', '.join(unknown)}; `pladvisor template --csv` lists them")
    line = reader.line_num
    for row in reader:
        first, line = line + 1, reader.line_num
        if not row or not any(cell.strip() for cell in row) or row[0].startswith("#"):
            continue
        if len(row) != len(header):
            yield Record(first, None, f"expected {len(header)} cells, found {len(row)}")
            continue
        # A CSV row cannot omit a section, only leave its cells blank: required sections are always present.
        data: dict[str, Any] = {area: {} for area in required}
        try:
            for column, raw in zip(header, row, strict=True):
                text = raw.strip()
                if not text:
                    continue
                if column in IDENTITY_COLUMNS:
                    data[column] = text
                    continue
                area, _, name = column.partition(".")
                data.setdefault(area, {})[name] = _cell(fields[column], text)
        except ValueError as exc:
            yield Record(first, None, str(exc), data.get("school_id"))
            continue
        yield Record(first, data)


def _jsonl_records(handle: TextIO) -> Iterator[Record]:
    for line, text in enumerate(handle, start=1):
        if not text.strip():
            continue
        try:
            yield Record(line, json.loads(text))
        except json.JSONDecodeError as exc:
            yield Record(line, None, f"not valid JSON: {exc.msg} (column {exc.colno})")


def _json_array_records(handle: TextIO, source: str) -> Iterator[Record]:
    try:
        items = json.load(handle)
    except json.JSONDecodeError as exc:
        raise InputError(f"{source}: not valid JSON: {exc}") from exc
    if not isinstance(items, list):
        raise InputError(f"{source}: expected a JSON array of profiles")
    for number, item in enumerate(items, start=1):
        yield Record(number, item)


def read_records(path: Path) -> Iterator[Record]:
    """Records of ``path`` by its extension: ``.csv``, ``.jsonl``/``.ndjson`` or ``.json`` (an array; the
    "line" of an array item is its position, from 1)."""
    suffix = path.suffix.lower()
    with path.open(encoding="utf-8", newline="") as handle:
        if suffix == ".csv":
            yield from _csv_records(handle, str(path))
        elif suffix in (".jsonl", ".ndjson"):
            yield from _jsonl_records(handle)
        elif suffix == ".json":
            yield from _json_array_records(handle, str(path))
        else:
            raise InputError(f"{path}: unknown input format {suffix!r}; use .csv, .jsonl or .json")


def count_records(path: Path) -> int | None:
    """About how many records ``path`` holds, for a progress bar (None for a JSON array)."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        return None
    with path.open("rb") as handle:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    return max(lines - 1, 0) if suffix == ".csv" else lines


def _allowed(info: FieldInfo) -> str:
    if info.kind == "bool":
        return "true|false"
    if info.kind == "int":
        return f"{info.minimum}-{info.maximum}"
    if info.kind == "choice":
        return "|".join(info.options)
    return ";".join(info.options) + f" (or {NONE_ITEM})"


def write_template(handle: TextIO) -> None:
    """An empty CSV with every column and, as a comment row, the values each column accepts."""
    fields = profile_fields()
    writer = csv.writer(handle)
    writer.writerow([*IDENTITY_COLUMNS, *fields])
    writer.writerow(["# allowed values", "text", *(_allowed(info) for info in fields.values())])
