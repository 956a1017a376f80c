"""What a call does besides I/O, shared by :class:`~pladvisor.client.Client` and
:class:`~pladvisor.client.AsyncClient`: the client's settings, each attempt's request and the time it is
given, whether and when to try again, and what an answer means. The two clients only send and wait."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Generic, get_args, get_origin

import httpx
import msgspec
from pydantic import BaseModel, ValidationError

from pladvisor.client._calls import Call, T
from pladvisor.client._errors import ProblemError, ServiceUnreachableError, UnreadableAnswerError
from pladvisor.client._retry import RETRY_ERRORS, RETRY_STATUSES, UNSENT_ERRORS, RetryPolicy, retry_after
from pladvisor.domain.problems import Problem

DEFAULT_URL = "http://127.0.0.1:8000"
SHORTEST_ATTEMPT = 0.001
"""The least time an attempt is given, in seconds: a wait may overrun by a little, leaving no time before the
deadline, and a timeout of zero or less is not one httpx takes."""

Outcome = httpx.Response | httpx.RequestError
"""What one attempt ends with: an answer, or the reason none came."""


class BaseClient:
    """A client's settings, and the attempts of each call it makes."""

    _http: httpx.Client | httpx.AsyncClient
    _clock = staticmethod(time.monotonic)

    def __init__(self, base_url: str, *, timeout: float, api_key: str | None, retry: RetryPolicy) -> None:
        self._base_url = base_url.rstrip("/")
        self._headers = {"X-API-Key": api_key} if api_key else {}
        self._timeout = timeout
        self._retry = retry

    def _attempts(self, call: Call[T]) -> Attempts[T]:
        request = self._http.build_request(call.method, call.path, json=call.body, params=call.params)
        return Attempts(call, request, timeout=self._timeout, retry=self._retry, clock=self._clock)


class Attempts(Generic[T]):
    """The attempts of one call, from its first request to its answer or the error that stands for it.

    The clock starts when the call does, so that the deadline counts the time attempts take as well as
    the waits between them."""

    def __init__(
        self, call: Call[T], request: httpx.Request, *, timeout: float, retry: RetryPolicy, clock: Callable[[], float]
    ) -> None:
        self._call, self._request, self._timeout, self._retry, self._clock = call, request, timeout, retry, clock
        self._started = clock()
        self._made = 0

    def next(self) -> httpx.Request:
        """The request of the next attempt, given the client's timeout or the time left before the deadline,
        whichever is shorter."""
        self._made += 1
        left = self._retry.deadline - self._elapsed()
        self._request.extensions["timeout"] = httpx.Timeout(max(min(self._timeout, left), SHORTEST_ATTEMPT)).as_dict()
        return self._request

    def wait(self, outcome: Outcome) -> float | None:
        """Seconds to wait before the next attempt, or None when ``outcome`` is the call's result.

        A call that stores is tried again only when the service cannot have acted: no connection was made,
        or a 429 or a 503 refused it."""
        if isinstance(outcome, httpx.Response):
            if outcome.status_code not in RETRY_STATUSES:
                return None
            return self._retry.wait(self._made, self._elapsed(), retry_after(outcome))
        if not isinstance(outcome, UNSENT_ERRORS if self._call.stores else RETRY_ERRORS):
            return None
        return self._retry.wait(self._made, self._elapsed(), None)

    def answer(self, outcome: Outcome) -> T:
        """The call's typed answer, or the exception that stands for its failure."""
        if isinstance(outcome, httpx.RequestError):
            tries = "1 attempt" if self._made == 1 else f"{self._made} attempts"
            raise ServiceUnreachableError(
                f"{self._request.method} {self._request.url}: no answer after {tries}"
                f" ({type(outcome).__name__}: {outcome})"
            ) from outcome
        if not outcome.is_success:
            raise ProblemError(outcome.status_code, problem(outcome))
        return decode(self._call.answer, outcome.content)

    def _elapsed(self) -> float:
        return self._clock() - self._started


def decode(type_: type[T], content: bytes) -> T:
    """The one place an answer's body becomes a typed value, so that how (msgspec, or pydantic for the models
    not yet moved to it) changes here alone."""
    try:
        if isinstance(type_, type) and issubclass(type_, BaseModel):
            return type_.model_validate_json(content)
        return msgspec.json.decode(content, type=type_)
    except (ValidationError, msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise UnreadableAnswerError(f"the answer is not {described(type_)}: {exc}") from exc


def described(type_: Any) -> str:
    """An answer's type as an error names it: "an Assessment", "a list of DistrictOut", "a JSON object"."""
    if get_origin(type_) is dict:
        return "a JSON object"
    if get_origin(type_) is list:
        return f"a list of {get_args(type_)[0].__name__}"
    name: str = type_.__name__
    return f"{'an' if name[0] in 'AEIOU' else 'a'} {name}"


def problem(response: httpx.Response) -> Problem:
    """The problem an error answer describes, read leniently: a body that is not problem details (a proxy's
    page, say) becomes one whose detail is the start of that body."""
    try:
        members = msgspec.json.decode(response.content)
        if isinstance(members, dict):
            given = {name: value for name, value in members.items() if value is not None}
            return msgspec.convert(
                {"type": "about:blank", "status": response.status_code, "title": response.reason_phrase, **given},
                Problem,
            )
    except (msgspec.DecodeError, msgspec.ValidationError):
        pass
    return Problem(
        type="about:blank", status=response.status_code, title=response.reason_phrase, detail=response.text[:500]
    )
