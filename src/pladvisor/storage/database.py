"""The database connection and its schema version: migrations run on request, and the service refuses a
database it does not know."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from pladvisor.errors import PladvisorError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
DEFAULT_URL = "sqlite:///pladvisor.db"


class DatabaseError(PladvisorError):
    """The database cannot be used as it is; the message says what to do."""


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    """Foreign keys on (SQLite leaves them off, and deleting a school must delete its history), and
    write-ahead logging so that readers do not wait for a writer."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode, NORMAL syncs at checkpoints rather than at every commit: a killed process loses nothing
    # committed; only a power cut may lose the last transactions, never leave one half-written.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(url: str, reads: bool = False) -> Engine:
    """An engine for writes, or with ``reads`` one for reads alone.

    A write tests its pooled connection first (a round trip): a connection the server closed meanwhile would
    otherwise fail the write after part of it may have been sent. Reads skip that test and autocommit, which
    saves three round trips of the four or five a read takes; a read that finds its connection closed is made
    again (``shared.reads_again``)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=not reads)
    return engine.execution_options(isolation_level="AUTOCOMMIT") if reads else engine


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head() -> str:
    revision = ScriptDirectory.from_config(_config()).get_current_head()
    assert revision is not None
    return revision


def current(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> str:
    """Bring the schema to this version's head (or an earlier revision), in one transaction; returns the
    revision reached."""
    check(engine, migrated=False)
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return head() if revision == "head" else revision


def check(engine: Engine, migrated: bool = True) -> None:
    """Refuse a database newer than this version knows, and (with ``migrated``) one not set up yet."""
    revision = current(engine)
    known = {script.revision for script in ScriptDirectory.from_config(_config()).walk_revisions()}
    if revision is not None and revision not in known:
        raise DatabaseError(
            f"the database is at schema revision {revision}, which this version of pladvisor does not know "
            f"(it knows up to {head()}); upgrade pladvisor before using this database"
        )
    if migrated and revision != head():
        raise DatabaseError(
            "the database is not set up at this version's schema "
            f"({revision or 'empty'}, wanted {head()}): run `pladvisor db upgrade`"
        )


def sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
