"""The application class: a request id on every response, one access log line and the HTTP metrics per request.

Litestar's middleware runs only for requests that reach a route handler, so a 404 or
405 would carry no id, leave no log line and go uncounted. Wrapping the application's
ASGI entry point covers every response the service sends.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import uuid
from typing import cast

from litestar import Litestar
from litestar.enums import ScopeType
from litestar.types import (
    HTTPScope,
    LifeSpanReceive,
    LifeSpanScope,
    LifeSpanSend,
    Message,
    Receive,
    ReceiveMessage,
    Scope,
    Send,
)

from .metrics import IN_PROGRESS, observe_request, record_problem
from .observability import access_line, access_log, current_request_id
from .page_headers import with_page_headers
from .problems import PROBLEM_MEDIA_TYPE

PROBLEM_CONTENT_TYPE = PROBLEM_MEDIA_TYPE.encode()

ACCEPTABLE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            text = value.decode("latin-1")
            return text if ACCEPTABLE_ID.match(text) else None
    return None


class Service(Litestar):
    """The Litestar application with a request id on every response, one JSON log line per request, and the
    request counted in the metrics (and its problem type, when it is answered with a problem)."""

    async def __call__(
        self, scope: Scope | LifeSpanScope, receive: Receive | LifeSpanReceive, send: Send | LifeSpanSend
    ) -> None:
        if scope["type"] != ScopeType.HTTP:
            await super().__call__(scope, receive, send)
            return
        # Lifespan and WebSocket scopes went to Litestar above: only HTTP comes this far.
        http, send, receive = cast("HTTPScope", scope), cast("Send", send), cast("Receive", receive)
        request_id = _incoming_id(http) or uuid.uuid4().hex
        token = current_request_id.set(request_id)
        started = time.perf_counter()
        status: int | None = None
        refused_preflight = False
        problem: list[bytes] | None = None
        """The body of a problem answer so far; None for any other answer."""
        gone = False
        """Whether the client left before the request was read (its body cut short, or the server cut it): the
        answer the application makes then reaches no one, and is not counted as sent."""

        async def receive_watched() -> ReceiveMessage:
            nonlocal gone
            message = await receive()
            gone = gone or message["type"] == "http.disconnect"
            return message

        async def send_with_id(message: Message) -> None:
            nonlocal status, refused_preflight, problem
            if gone and status is None:
                return
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
                refused_preflight = message["status"] == 400 and _is_preflight(http)
                if refused_preflight:
                    headers = [(k, v) for k, v in headers if k not in (b"content-type", b"content-length")]
                    headers += [
                        (b"content-type", PROBLEM_CONTENT_TYPE),
                        (b"content-length", str(len(PREFLIGHT_REFUSED)).encode()),
                    ]
                if http["method"] == "OPTIONS" and message["status"] == 204 and not refused_preflight:
                    headers = self._allow_every_method(http, headers)
                message["headers"] = headers
                if message["status"] >= 400 and (b"content-type", PROBLEM_CONTENT_TYPE) in headers:
                    problem = []
            elif message["type"] == "http.response.body" and refused_preflight:
                # Litestar's CORS middleware answers a refused preflight in plain text; say it as a problem.
                message = {**message, "body": PREFLIGHT_REFUSED, "more_body": False}
                refused_preflight = False
            await send(message)
            if message["type"] == "http.response.start":
                status = message["status"]  # only once it was handed over: a client gone before is "aborted"
            elif problem is not None and message["type"] == "http.response.body":
                problem.append(message["body"])
                if not message.get("more_body", False):
                    body, problem = b"".join(problem), None
                    if body:  # a HEAD answer has none, so no type to tell
                        record_problem(body)

        IN_PROGRESS.inc()
        try:
            if "//" in http["path"]:
                await _no_empty_segment(with_page_headers(send_with_id))
            else:
                await super().__call__(scope, receive_watched, with_page_headers(send_with_id))
        except asyncio.CancelledError:
            # The server cancels what is still running when the drain bound is over. Unanswered, uvicorn would
            # say "Internal Server Error" in plain text; the client is owed a problem it can retry elsewhere.
            task = asyncio.current_task()
            if status is not None or task is None or not task.cancelling():
                raise
            task.uncancel()
            await _cut_by_the_drain(with_page_headers(send_with_id))
        finally:
            IN_PROGRESS.dec()
            # The router has put the matched route's template in the scope by now; a 404 or 405 has none.
            observe_request(http["method"], http.get("path_template"), status, time.perf_counter() - started)
            if access_log.isEnabledFor(logging.INFO):
                access_log.info(access_line(http, status, request_id, started))
            current_request_id.reset(token)

    def _allow_every_method(self, scope: HTTPScope, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
        """Litestar 2's OPTIONS answer names only the first handler's method when several share a path (fixed in
        Litestar 3); ``Allow`` must name them all."""
        template = scope.get("path_template") or ""
        methods = next(
            (found for path, found in self.route_handler_method_map.items() if _untyped(path) == template), None
        )
        if not methods:
            return headers
        allow = ", ".join(sorted(methods)).encode()
        return [(k, v) for k, v in headers if k.lower() != b"allow"] + [(b"allow", allow)]


def _untyped(path: str) -> str:
    """A route's path as the scope's template writes it: ``{school_id:str}`` becomes ``{school_id}``."""
    return re.sub(r"\{(\w+):\w+\}", r"{\1}", path)


PREFLIGHT_REFUSED = json.dumps(
    {
        "type": "urn:pladvisor:problem:cors-refused",
        "title": "Cross-origin request refused",
        "status": 400,
        "detail": "This origin, method or header is not allowed to call the API; PLADVISOR_CORS_ORIGINS lists the "
        "origins that are.",
    }
).encode()


EMPTY_SEGMENT = json.dumps(
    {
        "type": "urn:pladvisor:problem:not-found",
        "title": "Not found",
        "status": 404,
        "detail": "The path has an empty segment: an id is missing from it.",
    }
).encode()


CUT_BY_THE_DRAIN = json.dumps(
    {
        "type": "urn:pladvisor:problem:shutting-down",
        "title": "Shutting down",
        "status": 503,
        "detail": "The server stopped before this request was complete; send it again.",
    }
).encode()


async def _cut_by_the_drain(send: Send) -> None:
    headers = [
        (b"content-type", PROBLEM_CONTENT_TYPE),
        (b"content-length", str(len(CUT_BY_THE_DRAIN)).encode()),
        (b"retry-after", b"1"),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": CUT_BY_THE_DRAIN, "more_body": False})


async def _no_empty_segment(send: Send) -> None:
    """The router reads ``//`` as ``/``: ``/v1/schools//assessments``, sent with an empty id, would reach
    ``/v1/schools/{school_id}`` as the id ``assessments``. A path with an empty segment names nothing."""
    headers = [(b"content-type", PROBLEM_CONTENT_TYPE), (b"content-length", str(len(EMPTY_SEGMENT)).encode())]
    await send({"type": "http.response.start", "status": 404, "headers": headers})
    await send({"type": "http.response.body", "body": EMPTY_SEGMENT, "more_body": False})


def _is_preflight(scope: Scope) -> bool:
    return scope.get("method") == "OPTIONS" and any(
        name == b"access-control-request-method" for name, _ in scope.get("headers", [])
    )
