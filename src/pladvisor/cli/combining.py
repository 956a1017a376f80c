"""``pladvisor combine``: a survey export of respondents (one row each) into one combined assessment per school.

Rows come from CSV (columns: ``school_id``, ``name``, ``role``, ``respondent_id``, ``stage`` and
dotted profile paths, renamed from a survey tool's own headers by a header map) or JSONL
(``{"school_id", "role", "answers": {...}}``). A row that cannot be read or does not fit its role
goes to the errors file with its line; its school is still combined from its other rows. The
outputs are locked for the run, a torn last line is cut on ``--resume``, and a school already
written is not written again.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import msgspec
from pydantic import ValidationError

from pladvisor.advice.combine import Combiner
from pladvisor.advice.combined_request import CombineError, check_responses
from pladvisor.domain.base import Part, to_json
from pladvisor.domain.fields import NONE_ITEM, profile_fields
from pladvisor.domain.problems import FieldError, field_errors
from pladvisor.domain.profile import MAX_TEXT
from pladvisor.domain.respondents import CombinedAssessment, CombinedRequest, Response, Role
from pladvisor.engine.respondents import Respondents

from .records import BOM, FALSE, TRUE, InputError
from .runs import _open_for_append, _records

RESPONDENT_COLUMNS = ("school_id", "name", "role", "respondent_id", "stage")
TOP_GAPS = 10


@dataclass(frozen=True, slots=True)
class Row:
    """One respondent's row: the school it belongs to, and its response or why it cannot be used."""

    line: int
    school_id: str | None
    name: str | None = None
    response: Response | None = None
    errors: tuple[FieldError, ...] = ()


def read_header_map(path: Path | None) -> dict[str, str]:
    """A JSON object from the survey tool's column names to pladvisor's (``"Q7": "buy_in.approach"``)."""
    if path is None:
        return {}
    try:
        mapping = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable JSON object of column names ({exc})") from exc
    if not isinstance(mapping, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()):
        raise InputError(f"{path}: expected a JSON object mapping each survey column to a pladvisor column")
    return mapping


def _cell(respondents: Respondents, role: str, path: str, text: str) -> Any:
    """A CSV cell as the answer ``role`` gives to ``path`` (a yes/no for itself where the role answers so)."""
    kind = respondents.answer_kind(path, role) if role in respondents.roles else profile_fields()[path].kind
    if kind == "bool":
        lowered = text.lower()
        if lowered in TRUE | FALSE:
            return lowered in TRUE
        raise ValueError(f"{text!r} is not yes or no")
    if kind == "int":
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"{text!r} is not a whole number") from None
    if kind == "choices":
        return [] if text.lower() == NONE_ITEM else [item.strip() for item in text.split(";") if item.strip()]
    return text


def _row(line: int, data: Any, respondents: Respondents) -> Row:
    """A row's raw data (``school_id``, ``name`` and a response's members) checked as its role's response."""
    if not isinstance(data, dict):
        return Row(line, None, errors=(FieldError(field="row", message="expected an object"),))
    school_id = data.get("school_id")
    name = data.get("name")
    if not isinstance(school_id, str) or not school_id or len(school_id) > MAX_TEXT:
        return Row(line, None, errors=(FieldError(field="school_id", message="every row names its school"),))
    try:
        response = Response.model_validate(
            {k: v for k, v in data.items() if k not in ("school_id", "name")}, strict=True
        )
    except ValidationError as exc:
        return Row(line, school_id, errors=tuple(field_errors(exc)))
    problems = check_responses(CombinedRequest(responses=[response]), respondents)
    if problems:
        return Row(
            line,
            school_id,
            errors=tuple(FieldError(field=e.field.removeprefix("responses.0."), message=e.message) for e in problems),
        )
    return Row(line, school_id, name if isinstance(name, str) and len(name) <= MAX_TEXT else None, response)


def _csv_rows(handle: TextIO, source: str, header_map: dict[str, str], respondents: Respondents) -> Iterator[Row]:
    reader = csv.reader(handle)
    header = next(reader, None)
    if header is None:
        return
    if header and header[0].startswith(BOM):
        header[0] = header[0][len(BOM) :]
    columns = [header_map.get(column, column) for column in header]
    fields = profile_fields()
    unknown = [c for c in columns if c not in fields and c not in RESPONDENT_COLUMNS]
    if unknown:
        raise InputError(
            f"{source}: unknown columns {', '.join(unknown)}; `pladvisor template --role ROLE --csv` lists them, "
            "and --header-map renames a survey tool's columns"
        )
    for needed in ("school_id", "role"):
        if needed not in columns:
            raise InputError(f"{source}: no {needed} column")
    line = reader.line_num
    for cells in reader:
        first, line = line + 1, reader.line_num
        if not cells or not any(cell.strip() for cell in cells) or cells[0].startswith("#"):
            continue
        if len(cells) != len(columns):
            yield Row(
                first,
                None,
                errors=(FieldError(field="row", message=f"expected {len(columns)} cells, found {len(cells)}"),),
            )
            continue
        values = {column: cell.strip() for column, cell in zip(columns, cells, strict=True) if cell.strip()}
        data: dict[str, Any] = {key: values[key] for key in RESPONDENT_COLUMNS if key in values}
        answers: dict[str, dict[str, Any]] = {}
        errors: list[FieldError] = []
        for path, text in values.items():
            if path in RESPONDENT_COLUMNS:
                continue
            try:
                section, _, name = path.partition(".")
                answers.setdefault(section, {})[name] = _cell(respondents, data.get("role", ""), path, text)
            except ValueError as exc:
                errors.append(FieldError(field=f"answers.{path}", message=str(exc)))
        if errors:
            yield Row(first, data.get("school_id"), errors=tuple(errors))
            continue
        yield _row(first, {**data, "answers": answers}, respondents)


def _jsonl_rows(handle: TextIO, respondents: Respondents) -> Iterator[Row]:
    for number, text in enumerate(handle, start=1):
        if not text.strip():
            continue
        try:
            data = json.loads(text)
        except ValueError as exc:
            yield Row(number, None, errors=(FieldError(field="row", message=f"not valid JSON: {exc}"),))
            continue
        yield _row(number, data, respondents)


def read_rows(path: Path, respondents: Respondents, header_map: dict[str, str]) -> Iterator[Row]:
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".jsonl"):
        raise InputError(f"{path}: use .csv or .jsonl, one respondent per row")
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        if suffix == ".csv":
            yield from _csv_rows(handle, str(path), header_map, respondents)
        else:
            yield from _jsonl_rows(handle, respondents)


@dataclass
class School:
    school_id: str
    name: str | None = None
    responses: list[Response] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)


def group(rows: Iterator[Row], errors: RowErrors) -> list[School]:
    """Valid rows by school, in the order schools first appear; every other row to the errors file. A repeated
    respondent id within a school is an error on the later row (the id itself is not written)."""
    schools: dict[str, School] = {}
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        if row.response is None or row.school_id is None:
            errors.write(row.line, row.school_id, row.errors)
            continue
        respondent = row.response.respondent_id
        if respondent is not None:
            earlier = seen.setdefault((row.school_id, respondent), row.line)
            if earlier != row.line:
                errors.write(
                    row.line,
                    row.school_id,
                    (FieldError(field="respondent_id", message=f"the same respondent as line {earlier}"),),
                )
                continue
        school = schools.setdefault(row.school_id, School(row.school_id))
        school.name = school.name or row.name
        school.responses.append(row.response)
        school.lines.append(row.line)
    return list(schools.values())


class RowErrors:
    """Rows that could not be used: ``{"line": n, "school_id": ..., "errors": [{field, message}]}``."""

    def __init__(self, path: Path, resume: bool) -> None:
        self.path = path
        self._handle = _open_for_append(path, resume)
        self.done = {json.loads(text)["line"] for text in _records(path, resume)}
        self.count = 0

    def write(self, line: int, school_id: str | None, errors: tuple[FieldError, ...] | list[FieldError]) -> None:
        self.count += 1
        if line in self.done:
            return
        self._handle.write(to_json({"line": line, "school_id": school_id, "errors": errors}).decode() + "\n")
        self._handle.flush()

    def close(self) -> None:
        self._handle.close()


class WrittenSchool(Part, frozen=True):
    school_id: str
    combined: CombinedAssessment


class CombinedOutput:
    """One combined assessment per school: ``{"school_id": ..., "combined": {...}}``."""

    def __init__(self, path: Path, resume: bool) -> None:
        self._handle = _open_for_append(path, resume)
        decode = msgspec.json.Decoder(WrittenSchool).decode
        self.written: dict[str, CombinedAssessment] = {}
        for text in _records(path, resume):
            school = decode(text)
            self.written[school.school_id] = school.combined

    def write(self, school_id: str, answer: CombinedAssessment) -> None:
        self._handle.write(to_json(WrittenSchool(school_id=school_id, combined=answer)).decode() + "\n")
        self._handle.flush()

    def close(self) -> None:
        self._handle.close()


class DistrictGap(Part, frozen=True):
    gap_id: str
    field: str
    first_role: Role
    second_role: Role
    title: str
    schools: int
    mean_disagreement: float


class CombinedRollup(Part, frozen=True):
    schools: int
    respondents: dict[str, int]
    schools_by_stage: dict[str, int]
    largest_gaps: tuple[DistrictGap, ...]


def rollup(answers: list[CombinedAssessment]) -> CombinedRollup:
    """The district across its schools: respondents by role, stages, and the gaps most schools show."""
    respondents: Counter[str] = Counter()
    for answer in answers:
        for count in answer.respondents:
            respondents[count.role] += count.respondents
    found: dict[tuple[str, str, str, str], list[float]] = {}
    titles: dict[tuple[str, str, str, str], str] = {}
    for answer in answers:
        for gap in answer.perception_gaps:
            key = (gap.gap_id, gap.field, gap.first_role, gap.second_role)
            found.setdefault(key, []).append(gap.disagreement)
            titles.setdefault(key, gap.title if gap.gap_id != "perception-gap" else f"{gap.title} (generic)")
    ranked = sorted(found.items(), key=lambda item: (-len(item[1]), -sum(item[1]) / len(item[1]), item[0]))
    return CombinedRollup(
        schools=len(answers),
        respondents=dict(respondents),
        schools_by_stage=dict(Counter(answer.assessment.readiness.stage for answer in answers)),
        largest_gaps=tuple(
            DistrictGap(
                gap_id=key[0],
                field=key[1],
                first_role=key[2],  # type: ignore[arg-type]
                second_role=key[3],  # type: ignore[arg-type]
                title=titles[key].removesuffix(" (generic)"),
                schools=len(shares),
                mean_disagreement=round(sum(shares) / len(shares), 3),
            )
            for key, shares in ranked[:TOP_GAPS]
        ),
    )


@dataclass
class CombineSummary:
    combined: int = 0
    failed_rows: int = 0
    skipped: int = 0
    answers: list[CombinedAssessment] = field(default_factory=list)


def combine_schools(
    schools: list[School], combiner: Combiner, output: CombinedOutput, errors: RowErrors, advance: Any
) -> CombineSummary:
    summary = CombineSummary()
    for school in schools:
        if school.school_id in output.written:
            summary.skipped += 1
            summary.answers.append(output.written[school.school_id])
            advance()
            continue
        request = CombinedRequest(school_id=school.school_id, name=school.name, responses=school.responses)
        try:
            answer = combiner.combine(request)
        except CombineError as exc:  # every row was checked on reading: kept for a catalog changed meanwhile
            errors.write(school.lines[0], school.school_id, exc.errors)
            advance()
            continue
        output.write(school.school_id, answer)
        summary.combined += 1
        summary.answers.append(answer)
        advance()
    return summary


def write_role_template(handle: TextIO, respondents: Respondents, role: Role) -> None:
    """An empty respondents CSV for one role: its columns and, as a comment row, the values each accepts."""
    paths = respondents.asked_of(role)
    identity = ["school_id", "name", "role", "respondent_id", *(["stage"] if role == "teacher" else [])]
    allowed = ["# allowed values", "text", role, "text (never echoed)"]
    if role == "teacher":
        allowed.append("|".join(stage.id for stage in respondents.stages))
    for path in paths:
        info = profile_fields()[path]
        kind = respondents.answer_kind(path, role)
        if kind == "bool":
            allowed.append("yes|no")
        elif kind == "int":
            allowed.append(f"{info.minimum}-{info.maximum}")
        elif kind == "choice":
            allowed.append("|".join(info.options))
        else:
            allowed.append(";".join(info.options) + f" (or {NONE_ITEM})")
    writer = csv.writer(handle)
    writer.writerow([*identity, *paths])
    writer.writerow(allowed)


def file_name(school_id: str) -> str:
    """A school id as a file name: letters, digits, dots, dashes and underscores kept, anything else a dash."""
    return "".join(ch if ch.isalnum() or ch in "._-" else "-" for ch in school_id).lstrip(".") or "school"
