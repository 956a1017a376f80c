"""What every aggregate's queries share: the engines and sessions they run on, the organization scope's one error,
reads made again after a dropped connection, and the order of a school's history."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy import Engine, Label, func
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from pladvisor.errors import PladvisorError

from .database import make_engine, sessions
from .models import StoredAssessment

P = ParamSpec("P")
R = TypeVar("R")
Q = TypeVar("Q", bound="Queries")


class NotFound(PladvisorError):
    """No such row in the caller's organization."""


@dataclass(frozen=True, slots=True)
class Engines:
    """One database as every aggregate reaches it: the writing engine with its sessions, and a second engine for
    reads alone (``database.make_engine``) with its own."""

    writer: Engine
    reader: Engine
    writes: sessionmaker[Session]
    reads: sessionmaker[Session]

    @classmethod
    def over(cls, engine: Engine) -> Engines:
        reader = make_engine(engine.url.render_as_string(hide_password=False), reads=True)
        return cls(engine, reader, sessions(engine), sessions(reader))

    def dispose(self) -> None:
        self.reader.dispose()
        self.writer.dispose()


class Queries:
    """The base of each aggregate's queries, so that all of them run on the same pooled connections: writes in a
    short transaction of ``_sessions``, reads outside transactions, on ``_reads`` for mapped objects or on
    ``_reader``'s connections for plain rows."""

    def __init__(self, engines: Engines) -> None:
        self.engine = engines.writer
        self._reader = engines.reader
        self._sessions = engines.writes
        self._reads = engines.reads


def reads_again(read: Callable[Concatenate[Q, P], R]) -> Callable[Concatenate[Q, P], R]:
    """Make a read once more when its pooled connection turns out closed (the database restarted, or dropped
    idle connections): the pool then discards the connections of that age, and the next one is new. A read
    changes nothing, so making it twice is safe."""

    @functools.wraps(read)
    def again(queries: Q, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return read(queries, *args, **kwargs)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            return read(queries, *args, **kwargs)

    return again


OLDEST_FIRST = (StoredAssessment.assessed_on, StoredAssessment.created_at)
"""A school's assessments as its history reads: by the day they describe, then by when they were stored."""
NEWEST_FIRST = (StoredAssessment.assessed_on.desc(), StoredAssessment.created_at.desc())
"""A school's assessments, latest first: by the day they describe, then by when they were stored."""


def rank_in_school() -> Label[int]:
    """Each assessment's place in its school's history, 1 for the latest."""
    return func.row_number().over(partition_by=StoredAssessment.school_id, order_by=NEWEST_FIRST).label("rank")
