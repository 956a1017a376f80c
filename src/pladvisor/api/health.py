"""Liveness and readiness for load balancers and orchestrators, answered without a key.

Liveness (``/health``, ``/health/live``) says the process answers. Readiness
(``/health/ready``) says it should be sent traffic: it fails (503) until the application
has started, with its catalog loaded, and again once shutdown has begun, so a balancer
stops routing here while in-flight work drains. It fails too while the database does not
answer or is not at this version's schema: the storing routes would answer 503, and a
service that cannot store is not one to send schools to. Both answer ``HEAD`` for probes
that send it, and both report the application and catalog versions.

Shutdown begins with SIGTERM, not with the application's own shutdown hooks: uvicorn runs
those only once in-flight requests have drained, too late to tell a balancer anything.
"""

from __future__ import annotations

import logging
import signal
import threading
from functools import cache
from pathlib import Path
from types import FrameType
from typing import Literal

from litestar import Litestar, Response, get, head
from litestar.datastructures import State
from litestar.exceptions import ServiceUnavailableException
from pydantic import BaseModel, Field
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from pladvisor import __version__
from pladvisor.storage import database

from .contract import per_path
from .problems import problem, problem_response
from .state import advisor_of

LIVE_PATHS = ["/health", "/health/live"]
READY_PATH = "/health/ready"
PUBLIC_PATHS = ["^/health(/live|/ready)?$", "^/metrics$"]
"""Answered without a key and never rate limited: probes and scrapers call them often and hold no key."""
NOT_READY = {
    503: problem_response(
        503,
        "Not ready: starting up, shutting down, or the database does not answer or is not at this version's "
        "schema; the detail says which.",
    )
}
RETRY_AFTER = {"Retry-After": "1"}

log = logging.getLogger("pladvisor.health")


class Health(BaseModel):
    status: Literal["ok", "ready"]
    version: str = Field(description="The pladvisor release serving.")
    catalog_version: str
    rules: int = Field(description="Rules in the loaded catalog.")


def _health(state: State, status: Literal["ok", "ready"]) -> Health:
    catalog = advisor_of(state).catalog
    return Health(status=status, version=__version__, catalog_version=catalog.version, rules=len(catalog.rules))


@cache
def _head() -> str:
    """The schema this version works with: its migrations do not change while the process runs."""
    return database.head()


def _at_head(engine: Engine) -> None:
    """Nothing when the database answers at this version's schema; else ``check`` says why not."""
    if database.current(engine) != _head():
        database.check(engine)


def _database_problem(state: State) -> str | None:
    """Why the storing routes cannot work now, or None. An SQLite file that does not exist is not made by
    asking: a probe leaves no empty database behind. The store, once the schema is found in place, is
    opened as the storing routes would open it, and its engine is asked from then on."""
    store = state.get("store")
    try:
        if store is not None:
            _at_head(store.engine)
            return None
        url = make_url(state.settings.database_url)
        if url.get_backend_name() == "sqlite" and not Path(url.database or "").exists():
            return "the database is not set up: run `pladvisor db upgrade`"
        engine = database.make_engine(state.settings.database_url)
        try:
            _at_head(engine)
        finally:
            engine.dispose()
    except database.DatabaseError as exc:
        return str(exc)
    except SQLAlchemyError as exc:
        log.warning(
            "readiness: the database does not answer: %s", str(getattr(exc, "orig", None) or exc).splitlines()[0]
        )
        return "the database does not answer"
    from .stored import store_of  # stored.py imports this module (through security.py) as it loads

    store_of(state)
    return None


def _check_ready(state: State) -> None:
    if not state.get("ready"):
        raise ServiceUnavailableException("Not ready: starting up or shutting down.", headers=RETRY_AFTER)
    reason = _database_problem(state)
    if reason is not None:
        raise problem(503, "not-ready", "Not ready", f"Not ready: {reason}.", headers=RETRY_AFTER)


@get(
    LIVE_PATHS,
    tags=["service"],
    summary="Liveness, with the application and catalog versions",
    operation_id=per_path({"/health": "getHealth", "/health/live": "getLiveness"}),
)
async def live(state: State) -> Health:
    return _health(state, "ok")


@head(
    LIVE_PATHS,
    tags=["service"],
    summary="Liveness, headers only",
    operation_id=per_path({"/health": "checkHealth", "/health/live": "checkLiveness"}),
)
async def live_head() -> Response[None]:
    return Response(None, status_code=200)


@get(
    READY_PATH,
    tags=["service"],
    responses=NOT_READY,
    summary="Readiness to take traffic",
    operation_id="getReadiness",
    sync_to_thread=True,
)
def ready(state: State) -> Health:
    _check_ready(state)
    return _health(state, "ready")


@head(
    READY_PATH,
    tags=["service"],
    responses=NOT_READY,
    summary="Readiness, headers only",
    operation_id="checkReadiness",
    sync_to_thread=True,
)
def ready_head(state: State) -> Response[None]:
    _check_ready(state)
    return Response(None, status_code=200)


def mark_ready(app: Litestar) -> None:
    app.state.ready = True


def mark_draining(app: Litestar) -> None:
    app.state.ready = False


def drain_on_sigterm(app: Litestar) -> None:
    """From SIGTERM on, readiness fails, then the server's own handler (uvicorn's, installed before the
    application starts) drains and stops. Without a server's handler to hand on to (an application started
    by a test client, in another thread than the main one, which alone may set handlers) SIGTERM is left as
    it is."""
    server_handler = signal.getsignal(signal.SIGTERM)
    if threading.current_thread() is not threading.main_thread() or not callable(server_handler):
        return

    def draining(signum: int, frame: FrameType | None) -> None:
        mark_draining(app)
        server_handler(signum, frame)

    signal.signal(signal.SIGTERM, draining)


HEALTH_HANDLERS = [live, live_head, ready, ready_head]
