"""``pladvisor catalog diff``: what a change of the rule catalog changes for real schools, before it ships."""

from __future__ import annotations

import csv
import inspect
import json
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import msgspec
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from pladvisor.domain.batch import ItemProblem

from .records import InputError, count_records, read_records
from .runs import spreadsheet_safe
from .shared import counted

if TYPE_CHECKING:
    from pladvisor.advice.advisor import Advisor
    from pladvisor.advice.catalog_diff import CatalogDiff, SchoolChange

CSV_COLUMNS = ("line", "school_id", "name", "old_stage", "new_stage", "appeared", "disappeared", "moved")
WIDE = 160
"""Columns of the tables when they are not written to a terminal (a file, a pipe)."""


class Format(StrEnum):
    table = "table"
    csv = "csv"
    jsonl = "jsonl"


Row = tuple[int, Any, str | None, str | None] | ItemProblem
"""A school to compare (line, raw answers, school id and name to show, if not the answers' own), or a row that
could not be read."""


def _advisor(directory: Path) -> Advisor:
    """The advisor of the catalog in ``directory``, or the catalog's own error (file and rule) and exit 2."""
    from pladvisor.advice.advisor import Advisor
    from pladvisor.engine.catalog import CatalogError, load_catalog

    try:
        return Advisor(load_catalog(directory))
    except (CatalogError, OSError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


def _file_rows(path: Path, compare: CatalogDiff) -> Iterator[Row]:
    for record in read_records(path):
        if record.data is None:
            yield compare.unreadable(record.line, record.school_id, record.error or "")
        else:
            yield record.line, record.data, None, None


def _store_rows(organization: str, compare: CatalogDiff, stack: ExitStack) -> Iterator[Row]:
    """Each school's latest stored answers, in the order the schools were added; its line is its position."""
    from sqlalchemy.exc import SQLAlchemyError

    from pladvisor.cli.shared import cannot_open, settings_or_exit
    from pladvisor.storage.database import DatabaseError, make_engine
    from pladvisor.storage.store import Store

    engine = make_engine(settings_or_exit().database_url)
    try:
        store = Store(engine)
    except DatabaseError as exc:
        engine.dispose()
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    except SQLAlchemyError as exc:
        engine.dispose()
        raise cannot_open(engine, exc) from exc
    stack.callback(store.close)
    for line, (school, name, external_id, profile) in enumerate(store.latest_profiles(organization), start=1):
        try:
            raw = json.loads(profile)
        except ValueError as exc:
            yield compare.unreadable(line, external_id or school, f"stored answers are not JSON: {exc}")
            continue
        shown = raw.get("school_id") if isinstance(raw, dict) else None
        yield line, raw, shown if isinstance(shown, str) else external_id or school, name


def _problem_line(problem: ItemProblem) -> str:
    reasons = "; ".join(f"{error.field}: {error.message}" for error in problem.errors)
    more = problem.error_count - len(problem.errors)
    return f"line {problem.index}{f' ({problem.school_id})' if problem.school_id else ''}: {reasons}" + (
        f" (and {more} more)" if more > 0 else ""
    )


class _Writer:
    """The changed schools as the output: CSV rows or JSONL lines, each flushed as it is written."""

    def __init__(self, handle: TextIO, output_format: Format) -> None:
        self._handle = handle
        self._csv = csv.writer(handle) if output_format is Format.csv else None
        self._encode = msgspec.json.Encoder().encode
        if self._csv is not None:
            self._csv.writerow(CSV_COLUMNS)

    def write(self, change: SchoolChange) -> None:
        if self._csv is None:
            self._handle.write(self._encode(change).decode() + "\n")
        else:
            self._csv.writerow(
                [
                    change.line,
                    spreadsheet_safe(change.school_id or ""),
                    spreadsheet_safe(change.name or ""),
                    change.old_stage,
                    change.new_stage,
                    ";".join(item.label for item in change.appeared),
                    ";".join(item.label for item in change.disappeared),
                    ";".join(move.label for move in change.moved),
                ]
            )
        self._handle.flush()


def _console(handle: TextIO) -> Console:
    return Console(file=handle, width=None if handle.isatty() else WIDE, highlight=False, soft_wrap=False)


def _summary(console: Console, compare: CatalogDiff, old: str, new: str) -> None:
    failed = f"; {counted(compare.failed, 'row')} failed" if compare.failed else ""
    console.print(
        Text(
            f"compared {counted(compare.compared, 'school')} under {old} (catalog {compare.old.catalog.version}) and "
            f"{new} (catalog {compare.new.catalog.version}){failed}"
        )
    )
    console.print(
        f"{counted(compare.changed, 'school')} {'changes' if compare.changed == 1 else 'change'}, "
        f"{compare.stage_changes} of them in stage"
    )
    if not compare.compared:
        return
    olds, news, counts = compare.transitions()
    console.print("stages, old (rows) -> new (columns):")
    stages = Table()
    stages.add_column("old \\ new")
    for stage in news:
        stages.add_column(stage, justify="right")
    for before in olds:
        cells = [
            Text(str(counts.get((before, after), 0)), style="bold" if before != after else "")
            if counts.get((before, after))
            else Text("")
            for after in news
        ]
        stages.add_row(before, *cells)
    console.print(stages)
    effects = compare.effects()
    if not effects:
        console.print("no plan item is gained, lost or moved")
        return
    console.print("plan items by rule, most schools affected first:")
    rules = Table()
    for name in ("rule", "kind"):
        rules.add_column(name, overflow="fold")
    for name in ("gained", "lost", "moved", "schools"):
        rules.add_column(name, justify="right")
    for effect in effects:
        rules.add_row(
            effect.rule_id, effect.kind, str(effect.gained), str(effect.lost), str(effect.moved), str(effect.schools)
        )
    console.print(rules)


def _schools(console: Console, changes: list[SchoolChange]) -> None:
    """The schools that change, one row each; their items in one column, so that rule ids stay whole."""
    if not changes:
        return
    console.print("schools that change (+ appeared, - disappeared, ~ moved: old rank -> new rank):")
    table = Table()
    for name in ("line", "school", "name", "stage", "plan items"):
        table.add_column(name, justify="right" if name == "line" else "left", overflow="fold")
    for change in changes:
        items = [
            *(f"+ {item.label}" for item in change.appeared),
            *(f"- {item.label}" for item in change.disappeared),
            *(f"~ {move.label}" for move in change.moved),
        ]
        stage = change.new_stage if not change.changes_stage else f"{change.old_stage} -> {change.new_stage}"
        table.add_row(
            str(change.line), Text(change.school_id or ""), Text(change.name or ""), stage, Text("\n".join(items))
        )
    console.print(table)


def diff(
    old_dir: Path = typer.Argument(..., exists=True, file_okay=False, help="The catalog as it is (a rules directory)."),
    new_dir: Path = typer.Argument(..., exists=True, file_okay=False, help="The catalog as changed."),
    profiles: Path | None = typer.Option(
        None, "--profiles", exists=True, dir_okay=False, help="Schools: .csv, .jsonl or .json, read as score reads."
    ),
    from_store: bool = typer.Option(
        False, "--store", help="Schools: each one's latest stored answers (PLADVISOR_DATABASE_URL)."
    ),
    org: str | None = typer.Option(None, "--org", help="With --store: the organization (default: the local one)."),
    output_format: Format = typer.Option(
        Format.table, "--format", help="table: the summary, then the schools that change; csv or jsonl: those schools."
    ),
    output: Path = typer.Option(Path("-"), "-o", "--output", help="File to write; '-' for standard output."),
) -> None:
    """Compare two versions of the rule catalog on real schools: what would change for them.

    Both catalogs are loaded and validated as at start-up; an invalid one is refused with the catalog's own
    message (its file and rule) and exit status 2. Every school is assessed once under each: the schools of
    a file (--profiles, read exactly as `score` reads it: a bad row is reported on standard error, counted,
    and the run goes on), or with --store each school's latest stored assessment in the organization.

    The report: how many schools were compared and how many change; the stage transition table (old stage
    by row, new by column); by rule, how many schools gain the plan item, lose it or see it move in rank
    (the rank in recommendations), most schools affected first; then each school that changes: its stages
    and the items that appeared, disappeared or moved ("rule 3->2"). A school changes when its stage or
    any plan item does. With --format csv or jsonl the output is that list of schools, one row each, and
    the summary goes to standard error. Schools per second are reported on standard error at the end.

    Exit status: 0, or 1 when a row failed, or 2 when a catalog, the input or the store cannot be used.
    """
    from pladvisor.advice.catalog_diff import CatalogDiff
    from pladvisor.storage.store import LOCAL_ORGANIZATION, NotFound

    if (profiles is None) == (not from_store):
        raise typer.BadParameter("give either --profiles FILE or --store", param_hint="--profiles")
    if org is not None and not from_store:
        raise typer.BadParameter("--org chooses an organization of the store; use it with --store", param_hint="--org")
    compare = CatalogDiff(_advisor(old_dir), _advisor(new_dir))
    errors = Console(stderr=True, highlight=False, width=None if sys.stderr.isatty() else WIDE)
    changes: list[SchoolChange] = []
    with ExitStack() as stack:
        rows = (
            _file_rows(profiles, compare)
            if profiles is not None
            else _store_rows(org or LOCAL_ORGANIZATION, compare, stack)
        )
        handle: TextIO = (
            sys.stdout if str(output) == "-" else stack.enter_context(output.open("w", encoding="utf-8", newline=""))
        )
        writer = _Writer(handle, output_format) if output_format is not Format.table else None
        progress = stack.enter_context(
            Progress(
                TextColumn("comparing"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                disable=not sys.stderr.isatty(),
            )
        )
        task = progress.add_task("comparing", total=count_records(profiles) if profiles is not None else None)
        started = time.perf_counter()
        try:
            for row in rows:
                outcome = row if isinstance(row, ItemProblem) else compare.add(*row)
                progress.advance(task)
                if isinstance(outcome, ItemProblem):
                    typer.echo(_problem_line(outcome), err=True)
                elif outcome.changed:
                    if writer is None:
                        changes.append(outcome)
                    else:
                        writer.write(outcome)
        except (InputError, NotFound) as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from exc
        elapsed = time.perf_counter() - started
        progress.stop()
        source = str(profiles) if profiles is not None else f"the store ({org or LOCAL_ORGANIZATION})"
        if writer is None:
            report = _console(handle)
            _summary(report, compare, str(old_dir), str(new_dir))
            _schools(report, changes)
        else:
            _summary(errors, compare, str(old_dir), str(new_dir))
    rate = f"{compare.compared / elapsed:,.0f} schools/s" if elapsed > 0 else "instant"
    typer.echo(
        f"compared {compare.compared} schools of {source} in {elapsed:.2f} s ({rate}), each assessed under both "
        "catalogs",
        err=True,
    )
    if compare.failed:
        raise typer.Exit(1)


# The help shows a paragraph's line breaks as they are written: each paragraph is made one line for it to wrap.
diff.__doc__ = "\n\n".join(" ".join(p.split("\n")) for p in inspect.cleandoc(diff.__doc__ or "").split("\n\n"))
