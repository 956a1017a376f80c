"""Scoring a file of schools: records in, results out, one flushed line per school.

Every result is written and flushed as soon as it exists, so a run killed part-way
loses nothing it finished; ``resume`` skips every line already recorded in an output
or the errors file, so nothing is scored twice.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TextIO

import msgspec

from pladvisor.advice.rollup import RollupBuilder, Summary
from pladvisor.domain.assessment import Assessment, AssessmentSummary
from pladvisor.domain.base import Part, to_json
from pladvisor.domain.batch import View
from pladvisor.domain.problems import FieldError

from .records import Record
from .scorers import Scored, Scorer, row_problem
from .shared import counted

CSV_COLUMNS = ("line", "school_id", "name", "score", "stage", "provisional", "confidence", "next_1", "next_2", "next_3")


class OutputBusy(Exception):
    """Another run is writing the same output."""


class RunMismatch(Exception):
    """``--resume`` on outputs made from another input, another catalog or another view."""


def run_fingerprint(input_file: Path, catalog_version: str, view: View = "full") -> dict[str, str]:
    """What an output's rows were made from: the input's content (not its name), the catalog and the view."""
    digest = hashlib.sha256()
    with input_file.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return {"input_sha256": digest.hexdigest(), "catalog_version": catalog_version, "view": view}


def record_run(sidecar: Path, fingerprint: dict[str, str], resume: bool) -> None:
    """Keep the fingerprint beside the outputs; a resume from a different input or catalog is refused, since its
    line numbers would name other schools, and so is one with the other view, whose rows would differ from the
    earlier ones."""
    if resume and sidecar.exists():
        # Outputs started before there was a choice of view hold full answers.
        earlier = {"view": "full", **json.loads(sidecar.read_text(encoding="utf-8"))}
        changed = [key for key, value in fingerprint.items() if earlier.get(key) != value]
        if changed == ["view"]:
            raise RunMismatch(
                f"these outputs were started with --view {earlier['view']} ({sidecar}); resume them with "
                f"--view {earlier['view']}, or run without --resume to start over"
            )
        if changed:
            what = "the input file" if "input_sha256" in changed else "the rule catalog"
            raise RunMismatch(
                f"{what} changed since these outputs were started ({sidecar}); run without --resume to start over"
            )
    sidecar.write_text(json.dumps(fingerprint, indent=2) + "\n", encoding="utf-8")


def _lock(handle: TextIO, path: Path) -> None:
    """An exclusive lock for the life of the run: a second run on the same outputs refuses to start instead of
    interleaving its rows with this one's."""
    if sys.platform == "win32":  # no flock there: outputs are not locked
        return
    import fcntl

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise OutputBusy(f"{path} is being written by another run; wait for it to finish") from None


def _complete_length(path: Path) -> int:
    """Bytes of ``path`` up to and including its last newline, found from the end without reading it all."""
    with path.open("rb") as handle:
        end = handle.seek(0, os.SEEK_END)
        position = end
        while position > 0:
            step = min(1 << 16, position)
            position -= step
            handle.seek(position)
            chunk = handle.read(step)
            newline = chunk.rfind(b"\n")
            if newline != -1:
                return position + newline + 1
    return 0


def _open_for_append(path: Path, resume: bool) -> TextIO:
    """Open and lock ``path`` for appending; with ``resume`` a torn last record is cut off first (every output
    writes one record per line, so the last newline is a record boundary)."""
    # Opened for appending and locked before anything is cut: "w" would empty a file another run is writing.
    handle = path.open("a", encoding="utf-8", newline="")
    _lock(handle, path)
    complete = _complete_length(path) if resume else 0
    if complete != path.stat().st_size:
        handle.truncate(complete)
    return handle


def _records(path: Path, resume: bool) -> Iterator[str]:
    """The complete records of an output being resumed, one at a time (never the whole file in memory). Records
    end with "\n" only: str.splitlines would also split on U+2028, U+0085 and others inside a record."""
    if not resume or not path.exists():
        return
    with path.open("rb") as handle:
        for raw in handle:
            text = raw.decode("utf-8").rstrip("\r\n")
            if text:
                yield text


class WrittenAnswer(Part, frozen=True):
    """One line of a JSONL output, read back on ``--resume``: a full answer or, with the summary view, its
    summary."""

    line: int
    assessment: Assessment | None = None
    summary: AssessmentSummary | None = None

    def rolled_up(self) -> Summary:
        if self.summary is not None:
            return Summary.of_summary(self.line, self.summary)
        assert self.assessment is not None, "every line of a JSONL output holds an answer"
        return Summary.of(self.line, self.assessment)


_read_answer = msgspec.json.Decoder(WrittenAnswer).decode


class JsonlOutput:
    """Full answers, one JSON object per school: ``{"line": n, "assessment": {...}}``; with the summary view,
    ``{"line": n, "summary": {...}}``."""

    def __init__(self, path: Path, resume: bool, summarize: bool = False, view: View = "full") -> None:
        self._member = "summary" if view == "summary" else "assessment"
        self._member_bytes = self._member.encode()
        self._handle = _open_for_append(path, resume)
        self._bytes = self._handle.buffer
        """The file's bytes: nothing is written through its text layer, so nothing waits there."""
        self.done: set[int] = set()
        self.summaries: dict[int, Summary] = {}
        """What a roll-up needs of each earlier answer, when asked for: not the answers themselves."""
        for text in _records(path, resume):
            if summarize:
                written = _read_answer(text)
                self.done.add(written.line)
                self.summaries[written.line] = written.rolled_up()
            else:
                self.done.add(json.loads(text)["line"])

    def write(self, scored: Scored) -> None:
        # The answer is UTF-8 JSON already: written as it is, not decoded to be encoded again (each is about 25 KB).
        assert scored.answer_json is not None
        self._bytes.write(b'{"line":%d,"%s":%s}\n' % (scored.line, self._member_bytes, scored.answer_json))
        self._bytes.flush()

    def close(self) -> None:
        self._handle.close()


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""Cells a spreadsheet would run as a formula when the file is opened."""


def spreadsheet_safe(text: str) -> str:
    """Caller-given text for a CSV that a district leader opens in a spreadsheet: a leading quote makes a
    would-be formula (``=HYPERLINK(...)``) plain text, and line breaks become spaces so that every record
    is one line (which is what resuming relies on)."""
    text = "'" + text if text.startswith(FORMULA_STARTS) else text
    return " ".join(text.splitlines()) if any(c in text for c in "\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029") else text


class CsvOutput:
    """One row per school: identity, score, stage (and whether it is provisional) and the first three gaps."""

    def __init__(self, path: Path, resume: bool) -> None:
        self._handle = _open_for_append(path, resume)
        rows = csv.DictReader(_records(path, resume))
        self.done = {int(row["line"]) for row in rows}
        self._writer = csv.writer(self._handle)
        if rows.fieldnames is None:
            self._writer.writerow(CSV_COLUMNS)
            self._handle.flush()

    def write(self, scored: Scored) -> None:
        summary = scored.summary
        assert summary is not None
        top = [rule_id for rule_id, _, _ in summary.recommendations[:3]]
        self._writer.writerow(
            [
                scored.line,
                spreadsheet_safe(summary.school_id or ""),
                spreadsheet_safe(summary.name or ""),
                "" if summary.score is None else summary.score,
                summary.stage,
                "yes" if summary.provisional else "no",
                summary.confidence,
                *top,
                *[""] * (3 - len(top)),
            ]
        )
        self._handle.flush()

    def close(self) -> None:
        self._handle.close()


class ErrorsOutput:
    """Rows that could not be scored: ``{"line": n, "school_id": ..., "errors": [{field, message}]}``."""

    def __init__(self, path: Path, resume: bool) -> None:
        self.path = path
        self._handle = _open_for_append(path, resume)
        self.done = {json.loads(text)["line"] for text in _records(path, resume)}

    def write(self, line: int, school_id: str | None, errors: Sequence[FieldError]) -> None:
        record = {"line": line, "school_id": school_id, "errors": errors}
        self._handle.write(to_json(record).decode() + "\n")
        self._handle.flush()

    def close(self) -> None:
        self._handle.close()


@dataclass
class RunSummary:
    scored: int = 0
    failed: int = 0
    skipped: int = 0

    def line(self, errors: Path) -> str:
        text = f"scored {counted(self.scored, 'school')}, {counted(self.failed, 'row')} failed"
        if self.skipped:
            text += f", {self.skipped} already done"
        return text + (f" (see {errors})" if self.failed else "")


STORE_BATCH = 1000
"""Scored rows stored in one transaction by ``score --store``; their results are written once it commits. Two
batches are held at most (one being stored, one being scored), about 50 MB of answers; batches of 200 cost
PostgreSQL a tenth more time in round trips and commits."""


class Storing(Protocol):
    """Where ``score --store`` keeps scored schools, given each row as read and its result, all in one go."""

    def store(self, rows: list[tuple[dict[str, Any], Scored]]) -> None: ...


def run(
    records: Iterable[Record],
    outputs: list[JsonlOutput | CsvOutput],
    errors: ErrorsOutput,
    scorer: Scorer,
    rollup: RollupBuilder | None = None,
    advance: Callable[[], None] = lambda: None,
    storing: Storing | None = None,
) -> RunSummary:
    """Score every record not already recorded; write each result as it comes.

    A row is done when it is in the errors file, or in every output: one found in some outputs only (a
    run stopped between two writes) is scored again and written to the outputs that lack it.
    """
    tally = RunSummary()
    done = set(errors.done) | (set.intersection(*(o.done for o in outputs)) if outputs else set())
    if rollup is not None:
        jsonl = next((o for o in outputs if isinstance(o, JsonlOutput)), None)
        for line in sorted(done):
            rollup.add(None if line in errors.done else jsonl.summaries[line] if jsonl else None)

    raws: dict[int, dict[str, Any]] = {}
    """Rows in flight, kept only while storing: rows are stored before their results are written, so that a run
    stopped between the two finds them stored (and stores nothing twice) when resumed."""
    held: list[tuple[dict[str, Any], Scored]] = []
    storer = ThreadPoolExecutor(1, thread_name_prefix="store") if storing is not None else None
    """One batch is stored while the next is scored: the database's work (and its round trips) overlaps the
    scoring. A batch's results are written only once it is stored."""
    stored: tuple[Future[None], list[Scored]] | None = None

    def finish_storing() -> None:
        nonlocal stored
        if stored is not None:
            stored[0].result()
            for scored in stored[1]:
                write(scored)
            stored = None

    def store_held() -> None:
        nonlocal stored
        if storing is not None and storer is not None and held:
            finish_storing()
            stored = (storer.submit(storing.store, list(held)), [scored for _, scored in held])
            held.clear()

    def write(scored: Scored) -> None:
        for output in outputs:
            if scored.line not in output.done:
                output.write(scored)

    def record_result(scored: Scored) -> None:
        if scored.problem is None:
            if storing is not None:
                held.append((raws.pop(scored.line), scored))
                if len(held) >= STORE_BATCH:
                    store_held()
            else:
                write(scored)
            tally.scored += 1
        else:
            raws.pop(scored.line, None)
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
            elif record.row is not None:
                # Read by whoever scores it; never while storing, which keeps each row's data until it is stored.
                yield record.line, record.row
            elif record.data is None:
                problem = row_problem(record.line, record.school_id, record.error or "")
                record_result(Scored(line=record.line, problem=problem))
            else:
                if storing is not None:
                    raws[record.line] = record.data
                yield record.line, record.data

    try:
        for scored in scorer(pending()):
            record_result(scored)
        store_held()
        finish_storing()
    finally:
        if storer is not None:
            storer.shutdown()
    return tally
