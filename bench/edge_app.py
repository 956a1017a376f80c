"""The service with one piece of its HTTP edge taken out, or one left off by default put in, for section 13.

Each factory builds the real application with ``create_app`` and changes a single piece from
outside, so the product carries no switch that exists only to be measured: a module's function
is replaced before the application is built (``_replace``, which fails loudly once the name it
replaces is gone), the POST /v1/assessments handler is swapped for one that skips a step, or
the application is wrapped. uvicorn starts each as ``edge_app:<factory> --factory``, the way
section 3 starts the echo baseline; the protocol is chosen on uvicorn's command line.

The handlers that skip a step look up what the step would have made in tables filled at
start-up from the bodies the load will send (the file named by ``BODIES``): the body's
validated profile, its assessment and its encoded answer.
"""

from __future__ import annotations

import logging.config
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from litestar import Litestar, Request, Response, post
from litestar.datastructures import State
from litestar.enums import MediaType, ScopeType
from litestar.params import JSONBody
from litestar.types import Receive, Scope, Send

import pladvisor.api.app as app_module
import pladvisor.api.assessments as assessments_module
import pladvisor.api.service as service_module
from pladvisor.advice.advisor import Advisor
from pladvisor.api.app import create_app
from pladvisor.api.assessments import AssessmentController
from pladvisor.api.metrics import record_assessment
from pladvisor.api.state import advisor_of
from pladvisor.domain.assessment import Assessment
from pladvisor.domain.base import to_json
from pladvisor.domain.profile import SchoolProfile

BODIES = "EDGE_BENCH_BODIES"
"""The environment variable naming the file of request bodies, one JSON object a line, that the load sends."""
API_KEY = "edge-bench-key-0123456789abcdef"
"""The key the keys-on variant accepts and adds to every request (wrk's script sends no header of its own)."""


def _replace(module: ModuleType, name: str, value: object) -> None:
    if not hasattr(module, name):
        raise AttributeError(f"{module.__name__} has no {name} any more: the bench replaces what is not there")
    setattr(module, name, value)


@dataclass(frozen=True)
class _Made:
    """What the skipped steps would have made for one body."""

    profile: SchoolProfile
    assessment: Assessment
    answer: bytes


@cache
def _made() -> tuple[dict[bytes, _Made], dict[str, _Made]]:
    """By body and by school id; read once per process, at start-up (before the heap is frozen)."""
    advisor = Advisor.from_directory()
    by_body: dict[bytes, _Made] = {}
    for body in Path(os.environ[BODIES]).read_bytes().splitlines():
        profile = SchoolProfile.model_validate_json(body, strict=True)
        assessment = advisor.assess(profile)
        by_body[body] = _Made(profile, assessment, to_json(assessment))
    by_id = {made.profile.school_id: made for made in by_body.values() if made.profile.school_id is not None}
    if len(by_id) != len(by_body):
        raise ValueError("every body needs a school id of its own: the answers made beforehand are found by it")
    return by_body, by_id


def _json(answer: bytes) -> Response[bytes]:
    return Response(content=answer, media_type=MediaType.JSON)


def _with_controller(controller: type[AssessmentController]) -> Litestar:
    _made()
    _replace(app_module, "AssessmentController", controller)
    return create_app()


class _NotDecoded(AssessmentController):
    """The body's profile looked up, not decoded and validated; assessed, counted and encoded as usual."""

    @post("/", status_code=200, operation_id="assessSchool")
    async def assess(self, request: Request[Any, Any, Any], state: State) -> Assessment:
        assessment = advisor_of(state).assess(_made()[0][await request.body()].profile)
        record_assessment(assessment)
        return assessment


class _NotEncoded(AssessmentController):
    """Decoded, validated, assessed and counted as usual; the answer sent is the one encoded beforehand."""

    @post("/", status_code=200, operation_id="assessSchool")
    async def assess(self, data: JSONBody[SchoolProfile], state: State) -> Response[bytes]:
        record_assessment(advisor_of(state).assess(data))
        return _json(_made()[1][data.school_id or ""].answer)


class _EdgeOnly(AssessmentController):
    """Nothing of the assessment: the body read, its assessment (made beforehand) counted, its answer sent."""

    @post("/", status_code=200, operation_id="assessSchool")
    async def assess(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        made = _made()[0][await request.body()]
        record_assessment(made.assessment)
        return _json(made.answer)


class _Uncounted:
    """The in-progress gauge, counting nothing."""

    def inc(self) -> None:
        pass

    def dec(self) -> None:
        pass


def _uncounted(*_: object) -> None:
    pass


def full() -> Litestar:
    """The application ``pladvisor serve`` serves."""
    return create_app()


def without_metrics() -> Litestar:
    """No request counter, latency histogram, in-progress gauge or assessment counters."""
    _replace(service_module, "observe_request", _uncounted)
    _replace(service_module, "IN_PROGRESS", _Uncounted())
    _replace(assessments_module, "record_assessment", _uncounted)
    return create_app()


def without_page_headers() -> Litestar:
    """No look at each answer's content type for the HTML pages' security headers."""
    _replace(service_module, "with_page_headers", lambda send: send)
    return create_app()


def without_entry_point() -> Any:
    """Litestar's own entry point in place of the service's: no request id, disconnect watch, metrics of the
    request, access-log check or page headers (the assessment counters stay, in the handler)."""
    app = create_app()

    async def litestar_only(scope: Scope, receive: Receive, send: Send) -> None:
        await Litestar.__call__(app, scope, receive, send)

    return litestar_only


def without_json_check() -> Litestar:
    """No before-request check that a body says it is JSON and is not empty."""
    _replace(app_module, "require_json_body", None)
    return create_app()


def without_body_decoding() -> Litestar:
    return _with_controller(_NotDecoded)


def without_encoding() -> Litestar:
    return _with_controller(_NotEncoded)


def edge_only() -> Litestar:
    return _with_controller(_EdgeOnly)


def with_access_log() -> Litestar:
    """One JSON access line a request, as at the default level (info), written to /dev/null: the formatting and
    the write, not what the reader of a pipe would add."""
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {"json": {"()": "pladvisor.api.observability.json_formatter"}},
            "handlers": {"null": {"class": "logging.FileHandler", "formatter": "json", "filename": os.devnull}},
            "root": {"handlers": ["null"], "level": "INFO"},
        }
    )
    return create_app()


def with_api_keys() -> Any:
    """Keys required (``PLADVISOR_API_KEYS`` set to ``API_KEY`` by the bench), the key added to every request
    before the application sees it."""
    app = create_app()
    header = (b"x-api-key", API_KEY.encode())

    async def keyed(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP:
            scope["headers"] = [*scope["headers"], header]
        await app(scope, receive, send)

    return keyed
