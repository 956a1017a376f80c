"""Turning (line, raw profile) pairs into results: in this process, in several, or by a running service.

Each scorer yields its results in input order, in the form the outputs and the roll-up take (``Scored``).
"""

from __future__ import annotations

import gc
import itertools
import multiprocessing
import os
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import msgspec

from pladvisor.advice.advisor import Advisor
from pladvisor.advice.batch import Outcome, SummaryOutcome, judge_raw
from pladvisor.advice.rollup import Summary
from pladvisor.client import Client
from pladvisor.domain.assessment import AssessmentSummary
from pladvisor.domain.base import to_json
from pladvisor.domain.batch import ItemProblem, View
from pladvisor.domain.problems import FieldError
from pladvisor.engine.catalog import Catalog

from .records import CsvColumns, CsvRow, JsonRow, RowError


@dataclass(frozen=True, slots=True)
class Scored:
    """One row's result in the forms the outputs need. Worker processes send these, not answer objects:
    text and tuples cross a process boundary far faster than a whole answer."""

    line: int
    answer_json: bytes | None = None
    summary: Summary | None = None
    problem: ItemProblem | None = None

    @classmethod
    def of(cls, line: int, outcome: Outcome | SummaryOutcome, summarize: bool = True) -> Scored:
        """``summarize``: whether the roll-up or a CSV output will read the summary; a run writing only
        answers spares making it and, with worker processes, sending it."""
        if isinstance(outcome, ItemProblem):
            return cls(line=line, problem=msgspec.structs.replace(outcome, index=line))
        answer = to_json(outcome)
        if not summarize:
            return cls(line, answer)
        if isinstance(outcome, AssessmentSummary):
            return cls(line, answer, Summary.of_summary(line, outcome))
        return cls(line, answer, Summary.of(line, outcome))


Scorer = Callable[[Iterable[tuple[int, Any]]], Iterator[Scored]]
"""Turns (line, raw profile) pairs into results in the same order. A raw profile may be a ``Row`` not yet read."""


def row_problem(line: int, school_id: str | None, reason: str) -> ItemProblem:
    """The problem of a row that cannot be read as a profile at all."""
    return ItemProblem(
        index=line, school_id=school_id, errors=(FieldError(field="row", message=reason),), error_count=1
    )


def _judged(advisor: Advisor, line: int, raw: Any, view: View, summarize: bool) -> Scored:
    if isinstance(raw, CsvRow | JsonRow):
        try:
            raw = raw.data()
        except RowError as exc:
            return Scored(line=line, problem=row_problem(line, exc.school_id, str(exc)))
    return Scored.of(line, judge_raw(advisor, line, raw, view), summarize)


def in_process(advisor: Advisor, view: View = "full", summarize: bool = True) -> Scorer:
    def score(pairs: Iterable[tuple[int, Any]]) -> Iterator[Scored]:
        for line, raw in pairs:
            yield _judged(advisor, line, raw, view, summarize)

    return score


_worker: dict[str, Advisor] = {}
"""A scoring process's advisor, made once when the process starts."""
CHUNK = 64
"""Rows sent to a worker at a time: large enough to amortize the trip, small enough to keep results flowing."""


class WorkerDied(Exception):
    """A scoring process ended without finishing its rows (killed, or out of memory)."""


def _start_worker(catalog: Catalog | None, rules_dir: Path | None) -> None:
    # What the process inherits from the parent lives as long as it does: kept out of the collector's walks, which
    # then cover only the scoring's own objects (3% fewer instructions a row, counted with cachegrind).
    gc.freeze()
    # A forked worker has the parent's catalog already, so it does not read the YAML again; its ruleset is its own,
    # made here, since an engine is never shared between processes.
    _worker["advisor"] = Advisor(catalog) if catalog is not None else Advisor.from_directory(rules_dir)


_pack = msgspec.msgpack.Encoder().encode
_unpack = msgspec.msgpack.Decoder().decode
_columns: dict[tuple[str, ...], CsvColumns] = {}
"""A scoring process's CSV headers, each worked out once (a run has one)."""


def _packed(chunk: list[tuple[int, Any]]) -> bytes | list[tuple[int, Any]]:
    """A chunk of rows as MessagePack, which costs each side about a third of pickling them: rows not yet read as
    their text (a CSV row's cells with its header; a JSONL line), others as data. A chunk MessagePack cannot carry
    unchanged (an integer beyond 64 bits, text with a lone surrogate, both possible in JSON) goes pickled."""
    first = chunk[0][1]
    try:
        if isinstance(first, CsvRow) and all(
            isinstance(raw, CsvRow) and raw.columns is first.columns for _, raw in chunk
        ):
            return _pack(("csv", first.columns.header, [(line, raw.cells) for line, raw in chunk]))
        if all(isinstance(raw, JsonRow) for _, raw in chunk):
            return _pack(("jsonl", (), [(line, raw.text) for line, raw in chunk]))
        return _pack(("data", (), chunk))
    except (OverflowError, ValueError, TypeError):
        return chunk


def _unpacked(chunk: bytes | list[tuple[int, Any]]) -> list[tuple[int, Any]]:
    if not isinstance(chunk, bytes):
        return chunk
    form, header, pairs = _unpack(chunk)
    if form == "csv":
        key = tuple(header)
        columns = _columns.get(key) or _columns.setdefault(key, CsvColumns(key))
        return [(line, CsvRow(columns, cells)) for line, cells in pairs]
    if form == "jsonl":
        return [(line, JsonRow(text)) for line, text in pairs]
    return [(line, raw) for line, raw in pairs]


def _chunks(pairs: Iterable[tuple[int, Any]]) -> Iterator[bytes | list[tuple[int, Any]]]:
    rows = iter(pairs)
    while chunk := list(itertools.islice(rows, CHUNK)):
        yield _packed(chunk)


def _score_chunk(chunk: bytes | list[tuple[int, Any]], view: View, summarize: bool) -> list[Scored]:
    advisor = _worker["advisor"]
    return [_judged(advisor, line, raw, view, summarize) for line, raw in _unpacked(chunk)]


@dataclass(frozen=True, slots=True)
class _Worker:
    process: BaseProcess
    connection: Connection


def _serve(connection: Connection, inherited: list[Connection], start: tuple[Catalog | None, Path | None]) -> None:
    """A scoring process: chunks in, each chunk's results (or the exception scoring it raised) out, in order, until
    the parent closes its end. A thread takes chunks as they come, so the parent never waits to send one while
    this process waits to send it results."""
    for other in inherited:  # the parent's ends, copied by fork: held here, the parent's death would go unseen
        other.close()
    _start_worker(*start)
    inbox: queue.SimpleQueue[tuple[bytes | list[tuple[int, Any]], View, bool] | None] = queue.SimpleQueue()

    def receive() -> None:
        try:
            while True:
                inbox.put(connection.recv())
        except (EOFError, OSError):
            inbox.put(None)

    threading.Thread(target=receive, daemon=True).start()
    while (work := inbox.get()) is not None:
        try:
            results: list[Scored] | Exception = _score_chunk(*work)
        except Exception as exc:  # a fault in scoring, which the parent raises as its own
            results = exc
        connection.send(results)


def in_processes(
    workers: int, catalog: Catalog, rules_dir: Path | None, view: View = "full", summarize: bool = True
) -> Scorer:
    """Scoring spread over processes, each with its own engine (durable-rules is not thread-safe).

    Each worker has a connection of its own and nothing shared: the k-th chunk goes to worker k mod N, and the
    results are read back from the workers in the same turn, so they come in input order. A worker that dies
    (killed, or out of memory), even halfway through sending its results, closes its connection, and the run
    stops with ``WorkerDied``, every result before it written, so that ``--resume`` finishes the job. (A
    ``concurrent.futures`` process pool shares one queue and its locks among its workers: a worker killed while
    holding them left the pool, and the run, waiting for ever.) Chunks go a few at a time, so a large input is
    never all in memory. The parent reads every line and writes every result, a third process on the cores the
    workers use: what crosses between them is kept cheap to make and read (rows as their text, no summaries
    nothing reads, answers as bytes).
    """

    def score(pairs: Iterable[tuple[int, Any]]) -> Iterator[Scored]:
        # fork: workers start in milliseconds and share the parent's catalog. The parent holds no engine, and its
        # only other thread (the progress bar's) is never used by a worker.
        forking = os.name == "posix"
        context = multiprocessing.get_context("fork") if forking else multiprocessing.get_context("spawn")
        start = (catalog if forking else None, rules_dir)
        pool: list[_Worker] = []
        try:
            for _ in range(workers):
                ours, theirs = context.Pipe()
                inherited = [ours, *(w.connection for w in pool)] if forking else []
                process = context.Process(target=_serve, args=(theirs, inherited, start), daemon=True)
                process.start()
                theirs.close()  # held only by the worker: its death ends our reading
                pool.append(_Worker(process, ours))
            chunks = _chunks(pairs)
            turn = itertools.cycle(pool)
            waiting: deque[_Worker] = deque()

            def send(chunk: bytes | list[tuple[int, Any]]) -> None:
                worker = next(turn)
                worker.connection.send((chunk, view, summarize))
                waiting.append(worker)

            for chunk in itertools.islice(chunks, 2 * workers):
                send(chunk)
            while waiting:
                results = waiting.popleft().connection.recv()
                if isinstance(results, Exception):
                    raise results
                for chunk in itertools.islice(chunks, 1):
                    send(chunk)
                yield from results
        except (EOFError, OSError) as exc:
            raise WorkerDied(
                "a scoring process died before finishing its rows; every row scored before it is written, "
                "and --resume scores the rest"
            ) from exc
        finally:
            for worker in pool:
                worker.connection.close()  # a worker left waiting for chunks sees the end and exits
            for worker in pool:
                worker.process.join(timeout=5)
                if worker.process.is_alive():
                    worker.process.kill()
                    worker.process.join()

    return score


def through_api(client: Client, batch_size: int = 500, view: View = "full") -> Scorer:
    """Scoring by the service, in batches; results are renumbered from input position to line."""

    def score(pairs: Iterable[tuple[int, Any]]) -> Iterator[Scored]:
        lines: deque[int] = deque()

        def profiles() -> Iterator[Any]:
            for line, raw in pairs:
                lines.append(line)
                yield raw

        outcomes: Iterator[Outcome | SummaryOutcome | None] = (
            (item.summary or item.problem for item in client.summarize_many(profiles(), batch_size=batch_size))
            if view == "summary"
            else (item.assessment or item.problem for item in client.assess_many(profiles(), batch_size=batch_size))
        )
        for outcome in outcomes:
            line = lines.popleft()
            assert outcome is not None, "the service sends an assessment or a problem for every item"
            yield Scored.of(line, outcome)

    return score
