"""Request ids and structured access logs for every response, matched routes or not.

Litestar's middleware runs only for requests that reach a route handler, so a 404 or
405 would carry no id and leave no log line. Wrapping the application's ASGI entry point
covers every response the service sends.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from litestar import Litestar
from litestar.types import Message, Receive, Scope, Send

from .page_headers import with_page_headers
from .problems import PROBLEM_MEDIA_TYPE

ACCEPTABLE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
access_log = logging.getLogger("pladvisor.access")
current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)
"""The id of the request being served, for every log record made while serving it."""


class RequestIdFilter(logging.Filter):
    """Gives every record a ``request_id`` (``-`` outside a request), so log lines, tracebacks included,
    can be matched to the request that caused them."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get() or "-"
        return True


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            text = value.decode("latin-1")
            return text if ACCEPTABLE_ID.match(text) else None
    return None


class Service(Litestar):
    """The Litestar application with a request id on every response and one JSON log line per request."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request_id = _incoming_id(scope) or uuid.uuid4().hex
        token = current_request_id.set(request_id)
        started = time.perf_counter()
        status: int | None = None
        refused_preflight = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, refused_preflight
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
                refused_preflight = message["status"] == 400 and _is_preflight(scope)
                if refused_preflight:
                    headers = [(k, v) for k, v in headers if k not in (b"content-type", b"content-length")]
                    headers += [(b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                                (b"content-length", str(len(PREFLIGHT_REFUSED)).encode())]
                message["headers"] = headers
            elif message["type"] == "http.response.body" and refused_preflight:
                # Litestar's CORS middleware answers a refused preflight in plain text; say it as a problem.
                message = {**message, "body": PREFLIGHT_REFUSED, "more_body": False}
                refused_preflight = False
            await send(message)
            if message["type"] == "http.response.start":
                status = message["status"]  # only once it was handed over: a client gone before is "aborted"

        try:
            await super().__call__(scope, receive, with_page_headers(send_with_id))
        finally:
            if access_log.isEnabledFor(logging.INFO):
                access_log.info(_line(scope, status, request_id, started))
            current_request_id.reset(token)


PREFLIGHT_REFUSED = json.dumps({
    "type": "urn:pladvisor:problem:cors-refused",
    "title": "Cross-origin request refused",
    "status": 400,
    "detail": "This origin, method or header is not allowed to call the API; PLADVISOR_CORS_ORIGINS lists the "
    "origins that are.",
}).encode()


def _is_preflight(scope: Scope) -> bool:
    return scope.get("method") == "OPTIONS" and any(
        name == b"access-control-request-method" for name, _ in scope.get("headers", [])
    )


def _line(scope: Scope, status: int | None, request_id: str, started: float) -> str:
    """One JSON line; a request the client abandoned before any answer is ``aborted``, with no status."""
    client: Any = scope.get("client")
    return json.dumps(
        {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "level": "info",
            "event": "request" if status is not None else "aborted",
            "request_id": request_id,
            "method": scope.get("method"),
            "path": scope.get("path"),
            "status": status,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            "client": client[0] if client else None,
        }
    )
