"""What the commands share: the settings, the catalog, the respondents' declarations and the store, each
loaded or refused with one line naming what is at fault (a traceback would bury it), and the progress bar."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from pladvisor.config import Settings, SettingsError

if TYPE_CHECKING:
    from pladvisor.engine.respondents import Respondents


def settings_or_exit() -> Settings:
    """The ``PLADVISOR_*`` settings, or one line naming each variable at fault and what it accepts, and exit 2:
    a traceback would name a field, not the variable that was set."""
    try:
        return Settings.from_environment()
    except SettingsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


def cannot_open(engine: Any, exc: Exception) -> typer.Exit:
    """Exit status 2 after one line: the database that cannot be opened (without its password) and the driver's
    own reason, where the driver's traceback would bury both."""
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    typer.echo(f"error: cannot open the database {engine.url.render_as_string(hide_password=True)}: {reason}", err=True)
    return typer.Exit(2)


def check_catalog(settings: Settings) -> None:
    """Refuse to start on a broken catalog with the file and rule at fault, not a traceback from a worker."""
    from pladvisor.engine.catalog import CatalogError, default_rules_dir, load_catalog

    try:
        load_catalog(settings.rules_dir or default_rules_dir())
    except CatalogError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


def respondents_or_exit(settings: Settings) -> Respondents:
    """Who answers what, declared beside the catalog, or the file and entry at fault and exit 2."""
    from pladvisor.engine.catalog import CatalogError, default_rules_dir, load_catalog
    from pladvisor.engine.respondents import load_respondents

    try:
        directory = settings.rules_dir or default_rules_dir()
        return load_respondents(directory, load_catalog(directory))
    except CatalogError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


def open_store(url: str) -> Any:
    """The store at ``url``, or the reason it cannot be used (not set up, or newer than this version) and exit 2."""
    from sqlalchemy.exc import SQLAlchemyError

    from pladvisor.storage.database import DatabaseError, make_engine
    from pladvisor.storage.store import Store

    engine = make_engine(url)
    try:
        return Store(engine)
    except DatabaseError as exc:
        engine.dispose()
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    except SQLAlchemyError as exc:
        engine.dispose()
        raise cannot_open(engine, exc) from exc


@contextmanager
def opened_store() -> Iterator[Any]:
    """The store of ``PLADVISOR_DATABASE_URL`` (see ``open_store``), closed after use."""
    store = open_store(settings_or_exit().database_url)
    try:
        yield store
    finally:
        store.close()


@contextmanager
def progress_bar(what: str, total: int | None) -> Iterator[Callable[[], None]]:
    """A progress bar on standard error when it is a terminal; yields what advances it by one."""
    with Progress(
        TextColumn(what),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        disable=not sys.stderr.isatty(),
    ) as progress:
        task = progress.add_task(what, total=total)
        yield lambda: progress.advance(task)


def counted(count: int, noun: str) -> str:
    """``1 school``, ``2 schools``: the nouns counted here all take an s."""
    return f"{count} {noun if count == 1 else noun + 's'}"
