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
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TextIO

from pladvisor.domain.fields import NONE_ITEM, ProfileField, profile_fields, required_areas
from pladvisor.errors import PladvisorError

IDENTITY_COLUMNS = ("school_id", "name")
TRUE = frozenset({"true", "yes", "y", "1"})
FALSE = frozenset({"false", "no", "n", "0"})


class InputError(PladvisorError, ValueError):
    """The file as a whole cannot be read (unknown format or columns); no record can be trusted."""


class RowError(ValueError):
    """A row that cannot be read as a profile: the reason, and the row's school id when it was read first."""

    def __init__(self, message: str, school_id: str | None = None) -> None:
        super().__init__(message)
        self.school_id = school_id


class Row(Protocol):
    """A row read from the file but not yet made into a profile's data, so that a scoring process can make it:
    the process reading the file then does only what must be done in order."""

    def data(self) -> Any:
        """The row's data; ``RowError`` when it cannot be read (a cell not of its field's type, or bad JSON)."""
        ...


@dataclass(frozen=True, slots=True)
class Record:
    """One row: its data, or the reason it has none. Read ``deferred``, a whole row comes as its ``Row``
    instead of its data (``data`` and ``error`` both None)."""

    line: int
    data: dict[str, Any] | None
    error: str | None = None
    school_id: str | None = None
    row: Row | None = None


def _yes_no(info: ProfileField, text: str) -> bool:
    lowered = text.lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise ValueError(f"{info.path}: {text!r} is not true or false")


def _whole_number(info: ProfileField, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{info.path}: {text!r} is not a whole number") from None


def _items(info: ProfileField, text: str) -> list[str]:
    return [] if text.lower() == NONE_ITEM else [item.strip() for item in text.split(";") if item.strip()]


Converter = Callable[[ProfileField, str], Any]
_CONVERTERS: dict[str, Converter] = {"bool": _yes_no, "int": _whole_number, "choices": _items}
"""How a cell of each kind of field is read; a choice or a text is kept as written."""


class CsvColumns:
    """A CSV header, checked, with what each column does to a row's data worked out once for the whole file."""

    __slots__ = ("_columns", "_required", "header")

    def __init__(self, header: Sequence[str]) -> None:
        fields = profile_fields()
        self.header = tuple(header)
        self._required = required_areas()
        self._columns: list[tuple[str, str, str, ProfileField | None, Converter | None]] = []
        for column in header:
            info = None if column in IDENTITY_COLUMNS else fields[column]
            area, _, name = column.partition(".")
            self._columns.append((column, area, name, info, _CONVERTERS.get(info.kind) if info else None))

    def __reduce__(self) -> tuple[type[CsvColumns], tuple[tuple[str, ...]]]:
        return CsvColumns, (self.header,)

    def data(self, cells: Sequence[str]) -> dict[str, Any]:
        """A row's cells (one per column) as a profile's data. A CSV row cannot omit a section, only leave its
        cells blank: required sections are always present."""
        data: dict[str, Any] = {area: {} for area in self._required}
        for (column, area, name, info, convert), raw in zip(self._columns, cells, strict=True):
            text = raw.strip()
            if not text:
                continue
            if info is None:
                data[column] = text
                continue
            value = text
            if convert is not None:
                try:
                    value = convert(info, text)
                except ValueError as exc:
                    raise RowError(str(exc), data.get("school_id")) from None
            section = data.get(area)
            if section is None:
                section = data[area] = {}
            section[name] = value
        return data


@dataclass(frozen=True, slots=True)
class CsvRow:
    """A CSV row with a cell for each column, not yet read as the columns' types."""

    columns: CsvColumns
    cells: list[str]

    def data(self) -> dict[str, Any]:
        return self.columns.data(self.cells)


@dataclass(frozen=True, slots=True)
class JsonRow:
    """A JSONL line not yet decoded."""

    text: str

    def data(self) -> Any:
        try:
            return _json(self.text)
        except ValueError as exc:
            raise RowError(str(exc)) from None


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


def _csv_records(lines: _Lines, source: str, deferred: bool) -> Iterator[Record]:
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None:
        return
    if lines.bad:
        raise InputError(f"{source}: the header row is {NOT_UTF8}")
    fields = profile_fields()
    unknown = [c for c in header if c not in fields and c not in IDENTITY_COLUMNS]
    if unknown:
        raise InputError(f"{source}: unknown columns {', '.join(unknown)}; `pladvisor template --csv` lists them")
    repeated = sorted({c for c in header if header.count(c) > 1})
    if repeated:
        raise InputError(f"{source}: columns appear more than once: {', '.join(repeated)}")
    columns = CsvColumns(header)
    line = reader.line_num
    for row in reader:
        first, line = line + 1, reader.line_num
        if not row or not any(cell.strip() for cell in row) or row[0].startswith("#"):
            continue
        if lines.bad and lines.bad.intersection(range(first, line + 1)):
            yield Record(first, None, f"line {first} is {NOT_UTF8}")
        elif len(row) != len(header):
            yield Record(first, None, f"expected {len(header)} cells, found {len(row)}")
        elif deferred:
            yield Record(first, None, row=CsvRow(columns, row))
        else:
            try:
                yield Record(first, columns.data(row))
            except RowError as exc:
                yield Record(first, None, str(exc), exc.school_id)


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


def _jsonl_records(lines: _Lines, deferred: bool) -> Iterator[Record]:
    for text in lines:
        line = lines.number
        if not text.strip():
            continue
        if line in lines.bad:
            yield Record(line, None, f"line {line} is {NOT_UTF8}")
        elif deferred:
            yield Record(line, None, row=JsonRow(text))
        else:
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


def read_records(path: Path, deferred: bool = False) -> Iterator[Record]:
    """Records of ``path`` by its extension: ``.csv``, ``.jsonl``/``.ndjson`` or ``.json`` (an array; the
    "line" of an array item is its position, from 1). ``deferred``: each whole CSV or JSONL row comes as its
    ``Row``, for whoever scores it to read; a JSON array is read whole all the same."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".jsonl", ".ndjson", ".json"):
        raise InputError(f"{path}: unknown input format {suffix!r}; use .csv, .jsonl or .json")
    with path.open("rb") as handle:
        lines = _Lines(handle)
        if suffix == ".csv":
            yield from _csv_records(lines, str(path), deferred)
        elif suffix == ".json":
            yield from _json_array_records(lines, str(path))
        else:
            yield from _jsonl_records(lines, deferred)


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
