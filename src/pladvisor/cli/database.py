"""The database from the command line: its schema (``pladvisor db``), organizations' API keys (``pladvisor
keys``), and an organization's data out and in (``pladvisor export``, ``pladvisor import``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from .shared import cannot_open, opened_store, settings_or_exit

db = typer.Typer(no_args_is_help=True, help="The database of stored assessments.")
keys = typer.Typer(no_args_is_help=True, help="API keys of organizations, stored hashed.")


def _store_engine() -> Any:
    from pladvisor.storage.database import make_engine

    return make_engine(settings_or_exit().database_url)


@db.command()
def upgrade() -> None:
    """Bring the database to this version's schema (PLADVISOR_DATABASE_URL; an SQLite file by default)."""
    from sqlalchemy.exc import SQLAlchemyError

    from pladvisor.storage.database import DatabaseError
    from pladvisor.storage.database import upgrade as migrate

    engine = _store_engine()
    try:
        revision = migrate(engine)
    except DatabaseError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    except SQLAlchemyError as exc:
        raise cannot_open(engine, exc) from exc
    finally:
        engine.dispose()
    typer.echo(f"database at schema revision {revision}")


@keys.command("create")
def create_key(org: str = typer.Option(..., "--org", help="The organization the key acts for (made if new).")) -> None:
    """Make a key for an organization; it is printed once, as the last word, and stored only as a hash."""
    with opened_store() as store:
        key, prefix = store.create_key(org)
    typer.echo(f"key {prefix}... for {org}, shown this once: {key}")


@keys.command("list")
def list_keys(org: str = typer.Option(..., "--org")) -> None:
    """An organization's keys by their first characters, with when each was made and revoked."""
    from pladvisor.storage.store import NotFound

    try:
        with opened_store() as store:
            rows = store.list_keys(org)
    except NotFound as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    for prefix, created, revoked in rows:
        state = f"revoked {revoked:%Y-%m-%d %H:%M}" if revoked else "active"
        typer.echo(f"{prefix}...  made {created:%Y-%m-%d %H:%M}  {state}")


@keys.command("revoke")
def revoke_key(
    prefix: str = typer.Argument(..., help="The key's first eight characters, as `keys list` shows them."),
    org: str = typer.Option(..., "--org"),
) -> None:
    """Revoke a key: requests with it are refused from now on."""
    from pladvisor.storage.store import NotFound

    try:
        with opened_store() as store:
            revoked = store.revoke_key(org, prefix)
    except NotFound as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    if not revoked:
        typer.echo(f"error: {org} has no active key starting {prefix[:8]}", err=True)
        raise typer.Exit(1)
    typer.echo(f"revoked {revoked} key of {org}")


def export_data(
    org: str = typer.Option(..., "--org", help="The organization whose data to write."),
    output: Path = typer.Option(..., "-o", "--output", help="JSONL file: districts, schools, then assessments."),
) -> None:
    """Write an organization's districts, schools and stored assessments as JSONL, to keep or to import elsewhere."""
    from pladvisor.storage.store import NotFound

    temporary = output.with_name(output.name + ".part")
    try:
        with opened_store() as store, temporary.open("w", encoding="utf-8") as handle:
            count = 0
            for record in store.export_rows(org):
                handle.write(json.dumps(record) + "\n")
                count += 1
    except NotFound as exc:
        temporary.unlink(missing_ok=True)
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    temporary.replace(output)  # whole or not at all: a full disk or a kill leaves no half-written export
    typer.echo(f"exported {count} records of {org} to {output}")


def import_data(
    input_file: Path = typer.Argument(..., exists=True, dir_okay=False, help="A JSONL file made by export."),
    org: str = typer.Option(..., "--org", help="The organization to import into (made if new)."),
) -> None:
    """Import an export, in one transaction: all of it or none; records already there are skipped."""
    from pladvisor.storage.store import ImportProblem

    try:
        with input_file.open(encoding="utf-8") as handle:
            records = [json.loads(line) for line in handle if line.strip()]
    except ValueError as exc:
        typer.echo(f"error: {input_file}: not JSONL made by export ({exc})", err=True)
        raise typer.Exit(2) from exc
    try:
        with opened_store() as store:
            added = store.import_rows(org, records)
    except (ImportProblem, KeyError, TypeError, ValueError) as exc:
        typer.echo(f"error: {input_file}: nothing imported: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(
        f"imported {added['district']} districts, {added['school']} schools and {added['assessment']} assessments "
        f"into {org}"
    )
