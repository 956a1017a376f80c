"""Liveness and readiness for load balancers and orchestrators, answered without a key.

Liveness (``/health``, ``/health/live``) says the process answers. Readiness
(``/health/ready``) says it should be sent traffic: it fails (503) until the application
has started, with its catalog loaded, and again once shutdown has begun, so a balancer
stops routing here while in-flight work drains. Both answer ``HEAD`` for probes that send
it, and both report the application and catalog versions.

Shutdown begins with SIGTERM, not with the application's own shutdown hooks: uvicorn runs
those only once in-flight requests have drained, too late to tell a balancer anything.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Literal

from litestar import Litestar, Response, get, head
from litestar.datastructures import State
from litestar.exceptions import ServiceUnavailableException
from pydantic import BaseModel, Field

from pladvisor import __version__

from .contract import per_path
from .problems import problem_response
from .state import advisor_of

LIVE_PATHS = ["/health", "/health/live"]
READY_PATH = "/health/ready"
PUBLIC_PATHS = ["^/health(/live|/ready)?$", "^/metrics$"]
"""Answered without a key and never rate limited: probes and scrapers call them often and hold no key."""
NOT_READY = {503: problem_response(503, "Not ready: starting up or shutting down; try again later.")}


class Health(BaseModel):
    status: Literal["ok", "ready"]
    version: str = Field(description="The pladvisor release serving.")
    catalog_version: str
    rules: int = Field(description="Rules in the loaded catalog.")


def _health(state: State, status: Literal["ok", "ready"]) -> Health:
    catalog = advisor_of(state).catalog
    return Health(status=status, version=__version__, catalog_version=catalog.version, rules=len(catalog.rules))


def _check_ready(state: State) -> None:
    if not state.get("ready"):
        raise ServiceUnavailableException("Not ready: starting up or shutting down.", headers={"Retry-After": "1"})


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
    READY_PATH, tags=["service"], responses=NOT_READY, summary="Readiness to take traffic", operation_id="getReadiness"
)
async def ready(state: State) -> Health:
    _check_ready(state)
    return _health(state, "ready")


@head(
    READY_PATH, tags=["service"], responses=NOT_READY, summary="Readiness, headers only", operation_id="checkReadiness"
)
async def ready_head(state: State) -> Response[None]:
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
