"""Log lines as JSON, each with its time, level and the id of the request it was logged under.

Every logger, the service's and uvicorn's and Litestar's, is a standard-library logger; one
formatter, structlog's ``ProcessorFormatter``, renders all of their records the same way, a
traceback included as a field of its line rather than as lines of its own.
"""

from __future__ import annotations

import json
import logging
import time
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import msgspec
import structlog
from litestar.types import Scope
from structlog.typing import EventDict, WrappedLogger

access_log = logging.getLogger("pladvisor.access")
current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)
"""The id of the request being served, for every log record made while serving it."""


def _timestamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds")


class StructuredMessage:
    """A log message that is a set of fields (the logging cookbook's structured message): the JSON pipeline
    makes them fields of the line, and anything that reads the record as text gets them as one JSON object."""

    def __init__(self, fields: dict[str, Any]) -> None:
        self.fields = fields

    def __str__(self) -> str:
        return json.dumps(self.fields)


def access_line(scope: Scope, status: int | None, request_id: str, started: float) -> StructuredMessage:
    """A request the client abandoned before any answer is ``aborted``, with no status."""
    client: Any = scope.get("client")
    return StructuredMessage(
        {
            "time": _timestamp(time.time()),
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


def _add_time(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    event["time"] = _timestamp(event["_record"].created)
    return event


def _add_request_id(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    """The request being served when the record was made; null outside any request (start-up, shutdown)."""
    event["request_id"] = current_request_id.get()
    return event


def _spread_structured_message(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    message = event["_record"].msg
    if isinstance(message, StructuredMessage):
        event.update(message.fields)
    return event


_encode = msgspec.json.Encoder(enc_hook=repr).encode
"""A few microseconds less per line than the json module; a value it cannot write is written as its repr."""


def _json(event: EventDict, **_: Any) -> str:
    return _encode(event).decode()


def json_formatter() -> structlog.stdlib.ProcessorFormatter:
    """The formatter of every handler, named in the logging configuration (``pladvisor serve`` hands it to
    uvicorn, which applies it in each server process before anything logs)."""
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            _add_time,
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            _add_request_id,
            _spread_structured_message,
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(serializer=_json),
        ],
    )
