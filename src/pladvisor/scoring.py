"""Scoring a file of schools: records in, results out, one flushed line per school.

Every result is written and flushed as soon as it exists, so a run killed part-way
loses nothing it finished; ``resume`` skips every line already recorded in an output
or the errors file, so nothing is scored twice.
"""

from __future__ import annotations

import csv
import json
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import msgspec

from pladvisor.domain.batch import ItemError, ItemProblem
from pladvisor.engine.advisor import Advisor
from pladvisor.engine.batch import Outcome, assess_raw
from pladvisor.engine.rollup import RollupBuilder, Summary

from .client import Client
from .records import Record

_encode = msgspec.json.Encoder().encode
CSV_COLUMNS = (
    "line", "school_id", "name", "score", "stage", "provisional", "confidence", "next_1", "next_2", "next_3"
)


@dataclass(frozen=True, slots=True)
class Scored:
    """One row's result in the forms the outputs need. Worker processes send these, not answer objects:
    text and tuples cross a process boundary far faster than nested pydantic models."""

    line: int
    answer_json: str | None = None
    summary: Summary | None = None
    problem: ItemProblem | None = None

    @classmethod
    def of(cls, line: int, outcome: Outcome) -> Scored:
        if isinstance(outcome, ItemProblem):
            return cls(line=line, problem=outcome.model_copy(update={"index": line}))
        return cls(line, _encode(outcome).decode(), Summary.of(line, outcome))


Scorer = Callable[[Iterable[tuple[int, Any]]], Iterator[Scored]]
"""Turns (line, raw profile) pairs into results in the same order."""


def _open_for_append(path: Path, resume: bool) -> tuple[TextIO, list[str]]:
    """Open ``path`` for appending; with ``resume`` also return its complete lines, dropping a torn last line."""
    if not resume or not path.exists():
        return path.open("w", encoding="utf-8", newline=""), []
    data = path.read_bytes()
    complete = data[: data.rfind(b"\n") + 1]
    if len(complete) != len(data):
        with path.open("r+b") as handle:
            handle.truncate(len(complete))
    # Records end with "\n" only: str.splitlines would also split on U+2028, U+0085 and others inside a record.
    lines = [line for line in complete.decode("utf-8").split("\n") if line]
    return path.open("a", encoding="utf-8", newline=""), lines


class JsonlOutput:
    """Full answers, one JSON object per school: ``{"line": n, "assessment": {...}}``."""

    def __init__(self, path: Path, resume: bool) -> None:
        self._handle, lines = _open_for_append(path, resume)
        self.previous = [json.loads(text) for text in lines if text.strip()]
        self.done = {record["line"] for record in self.previous}

    def write(self, scored: Scored) -> None:
        self._handle.write(f'{{"line":{scored.line},"assessment":{scored.answer_json}}}\n')
        self._handle.flush()

    def close(self) -> None:
        self._handle.close()


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""Cells a spreadsheet would run as a formula when the file is opened."""


def spreadsheet_safe(text: str) -> str:
    """Caller-given text for a CSV that a district leader opens in a spreadsheet: a leading quote makes a
    would-be formula (``=HYPERLINK(...)``) plain text."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class CsvOutput:
    """One row per school: identity, score, stage (and whether it is provisional) and the first three gaps."""

    def __init__(self, path: Path, resume: bool) -> None:
        self._handle, lines = _open_for_append(path, resume)
        rows = list(csv.DictReader(lines))
        self.done = {int(row["line"]) for row in rows}
        self._writer = csv.writer(self._handle)
        if not lines:
            self._writer.writerow(CSV_COLUMNS)
            self._handle.flush()

    def write(self, scored: Scored) -> None:
        summary = scored.summary
        assert summary is not None
        top = [rule_id for rule_id, _, _ in summary.recommendations[:3]]
        self._writer.writerow(
            [scored.line, spreadsheet_safe(summary.school_id or ""), spreadsheet_safe(summary.name or ""),
             "" if summary.score is None else summary.score,
             summary.stage, "yes" if summary.provisional else "no", summary.confidence, *top, *[""] * (3 - len(top))]
        )
        self._handle.flush()

    def close(self) -> None:
        self._handle.close()


class ErrorsOutput:
    """Rows that could not be scored: ``{"line": n, "school_id": ..., "errors": [{field, message}]}``."""

    def __init__(self, path: Path, resume: bool) -> None:
        self.path = path
        self._handle, lines = _open_for_append(path, resume)
        self.done = {json.loads(text)["line"] for text in lines if text.strip()}

    def write(self, line: int, school_id: str | None, errors: list[ItemError]) -> None:
        record = {"line": line, "school_id": school_id, "errors": [e.model_dump() for e in errors]}
        self._handle.write(json.dumps(record) + "\n")
        self._handle.flush()

    def close(self) -> None:
        self._handle.close()


@dataclass
class RunSummary:
    scored: int = 0
    failed: int = 0
    skipped: int = 0

    def line(self, errors: Path) -> str:
        text = f"scored {self.scored} schools, {self.failed} rows failed"
        if self.skipped:
            text += f", {self.skipped} already done"
        return text + (f" (see {errors})" if self.failed else "")


def in_process(advisor: Advisor) -> Scorer:
    def score(pairs: Iterable[tuple[int, Any]]) -> Iterator[Scored]:
        for line, raw in pairs:
            yield Scored.of(line, assess_raw(advisor, line, raw))

    return score


_worker_advisor: Advisor | None = None


def _start_worker(rules_dir: Path | None) -> None:
    global _worker_advisor
    _worker_advisor = Advisor.from_directory(rules_dir)


def _score_in_worker(pair: tuple[int, Any]) -> Scored:
    assert _worker_advisor is not None
    line, raw = pair
    return Scored.of(line, assess_raw(_worker_advisor, line, raw))


def in_processes(workers: int, rules_dir: Path | None) -> Scorer:
    """Scoring spread over processes, each with its own engine (durable-rules is not thread-safe)."""

    def score(pairs: Iterable[tuple[int, Any]]) -> Iterator[Scored]:
        # fork: workers start in milliseconds. The parent holds no engine, and its only other thread (the
        # progress bar's) is never used by a worker.
        context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
        with context.Pool(workers, initializer=_start_worker, initargs=(rules_dir,)) as pool:
            yield from pool.imap(_score_in_worker, pairs, chunksize=64)

    return score


def through_api(client: Client) -> Scorer:
    """Scoring by the service, in batches; results are renumbered from input position to line."""

    def score(pairs: Iterable[tuple[int, Any]]) -> Iterator[Scored]:
        lines: deque[int] = deque()

        def profiles() -> Iterator[Any]:
            for line, raw in pairs:
                lines.append(line)
                yield raw

        for item in client.assess_many(profiles()):
            line = lines.popleft()
            yield Scored.of(line, item.assessment.model_dump(mode="json") if item.assessment else item.problem)

    return score


def run(
    records: Iterable[Record],
    outputs: list[JsonlOutput | CsvOutput],
    errors: ErrorsOutput,
    scorer: Scorer,
    rollup: RollupBuilder | None = None,
    advance: Callable[[], None] = lambda: None,
) -> RunSummary:
    """Score every record not already recorded; write each result as it comes."""
    tally = RunSummary()
    done = set().union(errors.done, *(o.done for o in outputs))
    if rollup is not None:
        jsonl = next((o for o in outputs if isinstance(o, JsonlOutput)), None)
        for previous in jsonl.previous if jsonl else []:
            rollup.add(Summary.of(previous["line"], previous["assessment"]))

    def record_result(scored: Scored) -> None:
        if scored.problem is None:
            for output in outputs:
                output.write(scored)
            tally.scored += 1
        else:
            errors.write(scored.line, scored.problem.school_id, scored.problem.errors)
            tally.failed += 1
        if rollup is not None:
            rollup.add(scored.summary)
        advance()

    def pending() -> Iterator[tuple[int, Any]]:
        for record in records:
            if record.line in done:
                tally.skipped += 1
                advance()
            elif record.data is None:
                problem = ItemProblem(
                    index=record.line,
                    school_id=record.school_id,
                    errors=[ItemError(field="row", message=record.error or "")],
                    error_count=1,
                )
                record_result(Scored(line=record.line, problem=problem))
            else:
                yield record.line, record.data

    for scored in scorer(pending()):
        record_result(scored)
    return tally
