"""Request ids in log records and the JSON access log line written for every response."""

from __future__ import annotations

import json
import logging
import time
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from litestar.types import Scope


access_log = logging.getLogger("pladvisor.access")
current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)
"""The id of the request being served, for every log record made while serving it."""


class RequestIdFilter(logging.Filter):
    """Gives every record a ``request_id`` (``-`` outside a request), so log lines, tracebacks included,
    can be matched to the request that caused them."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get() or "-"
        return True


def access_line(scope: Scope, status: int | None, request_id: str, started: float) -> str:
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
