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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from pladvisor.domain.fields import NONE_ITEM, ProfileField, profile_fields, required_areas
from pladvisor.errors import PladvisorError

IDENTITY_COLUMNS = ("school_id", "name")
TRUE = frozenset({"true", "yes", "y", "1"})
FALSE = frozenset({"false", "no", "n", "0"})


class InputError(PladvisorError, ValueError):
    """The file as a whole cannot be read (unknown format or columns); no record can be trusted."""


@dataclass(frozen=True, slots=True)
class Record:
    line: int
    data: dict[str, Any] | None
    error: str | None = None
    school_id: str | None = None


def _cell(info: ProfileField, text: str) -> Any:
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


BOM = "\ufeff"
"""Spreadsheets save "CSV UTF-8" with a byte-order mark; it is not part of the first column's name."""
NOT_UTF8 = "not valid UTF-8 text"


class _Lines:
    """A binary file as text lines, one at a time, noting the lines that are not UTF-8.

    Decoding line by line keeps one bad byte from ending the run: that line's record becomes
    an error (with ``replace`` characters, the line is still split into cells and counted) and
    every other record is read as usual.
    """

    def __init__(self, raw: Iterable[bytes]) -> None:
        self._raw = raw
        self.bad: set[int] = set()
        self.number = 0

    def __iter__(self) -> Iterator[str]:
        for raw in self._raw:
            self.number += 1
            chunk = raw[len(BOM.encode()) :] if self.number == 1 and raw.startswith(BOM.encode()) else raw
            try:
                yield chunk.decode("utf-8")
            except UnicodeDecodeError:
                self.bad.add(self.number)
                yield chunk.decode("utf-8", errors="replace")


def _csv_records(lines: _Lines, source: str) -> Iterator[Record]:
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None:
        return
    if lines.bad:
        raise InputError(f"{source}: the header row is {NOT_UTF8}")
    fields = profile_fields()
    required = required_areas()
    unknown = [c for c in header if c not in fields and c not in IDENTITY_COLUMNS]
    if unknown:
        raise InputError(f"{source}: unknown columns {', '.join(unknown)}; `pladvisor template --csv` lists them")
    repeated = sorted({c for c in header if header.count(c) > 1})
    if repeated:
        raise InputError(f"{source}: columns appear more than once: {', '.join(repeated)}")
    line = reader.line_num
    for row in reader:
        first, line = line + 1, reader.line_num
        if not row or not any(cell.strip() for cell in row) or row[0].startswith("#"):
            continue
        if lines.bad.intersection(range(first, line + 1)):
            yield Record(first, None, f"line {first} is {NOT_UTF8}")
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


def _json(text: str) -> Any:
    """JSON text as data; every way it can fail is a ``ValueError`` with a reason fit for the errors file."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON: {exc.msg} (column {exc.colno})") from exc
    except RecursionError:
        raise ValueError("not valid JSON: nested too deeply") from None
    except ValueError as exc:  # for example an integer of thousands of digits
        raise ValueError(f"not valid JSON: {exc}") from exc


def _jsonl_records(lines: _Lines) -> Iterator[Record]:
    for text in lines:
        line = lines.number
        if not text.strip():
            continue
        if line in lines.bad:
            yield Record(line, None, f"line {line} is {NOT_UTF8}")
            continue
        try:
            yield Record(line, _json(text))
        except ValueError as exc:
            yield Record(line, None, str(exc))


def _json_array_records(lines: _Lines, source: str) -> Iterator[Record]:
    text = "".join(lines)
    if lines.bad:
        raise InputError(f"{source}: {NOT_UTF8} (line {min(lines.bad)})")
    try:
        items = _json(text)
    except ValueError as exc:
        raise InputError(f"{source}: {exc}") from exc
    if not isinstance(items, list):
        raise InputError(f"{source}: expected a JSON array of profiles")
    for number, item in enumerate(items, start=1):
        yield Record(number, item)


def read_records(path: Path) -> Iterator[Record]:
    """Records of ``path`` by its extension: ``.csv``, ``.jsonl``/``.ndjson`` or ``.json`` (an array; the
    "line" of an array item is its position, from 1)."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".jsonl", ".ndjson", ".json"):
        raise InputError(f"{path}: unknown input format {suffix!r}; use .csv, .jsonl or .json")
    with path.open("rb") as handle:
        lines = _Lines(handle)
        if suffix == ".csv":
            yield from _csv_records(lines, str(path))
        elif suffix == ".json":
            yield from _json_array_records(lines, str(path))
        else:
            yield from _jsonl_records(lines)


def count_records(path: Path) -> int | None:
    """About how many records ``path`` holds, for a progress bar (None for a JSON array)."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        return None
    with path.open("rb") as handle:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    return max(lines - 1, 0) if suffix == ".csv" else lines


def _allowed(info: ProfileField) -> str:
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
