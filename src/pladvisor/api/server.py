"""uvicorn's HTTP protocol with the bounds a service on a network needs.

uvicorn (0.54) waits forever for a connection that sends nothing, half a request head or
half a body, accepts request heads of any size, and has no cap on open connections but
one that answers in plain text. Each of those lets a few clients exhaust the server.
This protocol, used by ``pladvisor serve``, adds:

* a deadline for each request head (``PLADVISOR_HEAD_TIMEOUT_SECONDS``) from its first
  byte, or from the connection's opening, and for each request body
  (``PLADVISOR_BODY_TIMEOUT_SECONDS``) from the end of its head: a connection that misses
  one is closed, after a 408 problem when part of a head had come (a body cut short is
  already the application's: it sees the client leave);
* a bound on the size of a request head (``MAX_HEAD_BYTES``): past it, a 431 problem,
  then the connection is closed;
* a cap on open connections per process (``PLADVISOR_MAX_CONNECTIONS``): past it, a 503
  problem with ``Retry-After``, then the connection is closed.

Idle keep-alive connections between requests are closed by uvicorn's own keep-alive timeout.
Each cut is counted in ``/metrics`` (``pladvisor_http_connections_cut_total``, by reason),
and each problem it answers with among the problems sent: the application never sees them.
"""

from __future__ import annotations

import asyncio
import json
from functools import cache
from typing import Any, cast

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from pladvisor.config import Settings

from .metrics import Cut, record_cut

MAX_HEAD_BYTES = 64 * 1024
"""Far above any real client's head (browsers send a few kilobytes), far below what exhausts memory."""
RETRY_AFTER_SECONDS = 1
LINGER_SECONDS = 1.0
"""How long a refused connection is drained before it is closed."""


@cache
def _settings() -> Settings:
    """Read once per server process, not per connection."""
    return Settings()


def _problem_response(status: int, reason: str, detail: str, extra_headers: str = "") -> bytes:
    body = json.dumps(
        {
            "type": f"urn:pladvisor:problem:{reason.lower().replace(' ', '-')}",
            "title": reason,
            "status": status,
            "detail": detail,
        }
    ).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/problem+json\r\n"
        f"content-length: {len(body)}\r\n{extra_headers}connection: close\r\n\r\n"
    )
    return head.encode("latin-1") + body


HEAD_TOO_LARGE = _problem_response(
    431, "Request Header Fields Too Large", f"The request head is larger than {MAX_HEAD_BYTES} bytes."
)
HEAD_TOO_SLOW = _problem_response(
    408, "Request Timeout", "The request head did not arrive in time; send the whole request at once."
)
OVER_CAPACITY = _problem_response(
    503,
    "Service Unavailable",
    "The server has as many connections open as it takes; try again shortly.",
    f"retry-after: {RETRY_AFTER_SECONDS}\r\n",
)


class _OneWriteAnswer:
    """The connection as one request's cycle sees it: the answer's head is held until its first body write and
    sent with it, in one write. uvicorn writes them apart, and each write to a socket is a system call that,
    on a local connection, also runs the receiving side's work: for the service's answers, a measurable part
    of each request. Anything else (a ``100 Continue``, closing) goes straight through, the head first, and
    an answer with no body write at all (to a HEAD request) sends its head when it is complete."""

    __slots__ = ("_answered", "_cycle", "_head", "_held", "_transport")

    def __init__(self, cycle: RequestResponseCycle) -> None:
        self._transport = cycle.transport
        self._cycle = cycle
        self._answered = cycle.on_response
        self._head: bytes | None = None
        self._held = False
        """Whether the head was held (once per answer)."""
        cycle.transport = cast("asyncio.Transport", self)
        cycle.on_response = self._complete

    def write(self, data: bytes) -> None:
        if not self._held and self._cycle.response_started and not self._cycle.response_complete:
            self._head, self._held = data, True
            return
        self._flush(data)

    def _flush(self, data: bytes = b"") -> None:
        if self._head is not None:
            data, self._head = self._head + data, None
        if data:
            self._transport.write(data)

    def _complete(self) -> None:
        self._flush()
        self._answered()

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """``HttpToolsProtocol`` with deadlines for request heads and bodies, a head size bound and a
    connection cap; see the module's docstring."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None
        self._head_bytes: int | None = None
        """Bytes of the request head received so far; None between a head's end and the next request."""
        self._refused = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > _settings().max_connections:
            self._refuse(OVER_CAPACITY, "over-capacity")
            return
        self._expect_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_deadline()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # read and dropped, so that closing does not reset the connection before the answer is read
        if self._head_bytes is None and (self.cycle is None or self.cycle.response_complete):
            self._expect_head()
        super().data_received(data)
        # Still in the head after this chunk (a head that ends in it resets the count): count it all.
        if self._head_bytes is not None and not self._refused:
            self._head_bytes += len(data)
            if self._head_bytes > MAX_HEAD_BYTES:
                self._refuse(HEAD_TOO_LARGE, "head-too-large")

    def on_headers_complete(self) -> None:
        self._head_bytes = None
        self._set_deadline(_settings().body_timeout_seconds)
        super().on_headers_complete()
        if self.cycle is not None:
            _OneWriteAnswer(self.cycle)

    def on_message_complete(self) -> None:
        self._cancel_deadline()
        super().on_message_complete()

    def _expect_head(self) -> None:
        self._head_bytes = 0
        self._set_deadline(_settings().head_timeout_seconds)

    def _set_deadline(self, seconds: float) -> None:
        self._cancel_deadline()
        self._deadline = self.loop.call_later(seconds, self._too_slow)

    def _cancel_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if self._head_bytes:
            self._refuse(HEAD_TOO_SLOW, "head-timeout")
            return
        if self._head_bytes is None and self.cycle is not None and not self.cycle.response_complete:
            if self.cycle.response_started:
                return  # the answer is being written: uvicorn finishes it
            record_cut("body-timeout", None)
        self.transport.close()

    def _refuse(self, response: bytes, reason: Cut) -> None:
        """Answer, stop writing, and close shortly after: closing at once with the client's data unread would
        reset the connection, and the client might never read why."""
        self._refused = True
        record_cut(reason, response.partition(b"\r\n\r\n")[2])
        self.transport.write(response)
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self._cancel_deadline()
        self._deadline = self.loop.call_later(LINGER_SECONDS, self.transport.close)
