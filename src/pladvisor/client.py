"""Calling the pladvisor API from Python, as typed answers and pladvisor's own exceptions.

:class:`Client` and :class:`AsyncClient` differ only in how they wait: for the network and between
attempts. Everything else (what each call sends, when to try again, how an answer or a problem reads)
lives once, in :class:`_BaseClient`, so the two cannot drift apart.

Assessments are pure functions of their input, so a call that reads or assesses is safe to repeat: it is
tried again after a connection failure, a timeout, a 429 or a 503, as :class:`RetryPolicy` allows. A call
that stores would store twice if repeated after the service acted on it, so it is tried again only when the
service cannot have acted: no connection was made, or a 429 or a 503 refused it. Any other error answer
raises :class:`ProblemError`; no answer at all raises :class:`ServiceUnreachableError`.
"""

from __future__ import annotations

import asyncio
import email.utils
import math
import random
import time
from collections import deque
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from itertools import islice
from typing import Any, Generic, Self, TypeVar
from urllib.parse import quote

import httpx
import msgspec
from pydantic import BaseModel, ValidationError

from pladvisor.domain.assessment import Assessment
from pladvisor.domain.batch import BatchItem, BatchResult
from pladvisor.domain.problems import Problem
from pladvisor.domain.profile import SchoolProfile
from pladvisor.domain.respondents import CombinedAssessment, CombinedRequest
from pladvisor.domain.rules import CatalogView, Rule, RuleCheck
from pladvisor.domain.stored import (
    ActionOut,
    ActionStatus,
    Deleted,
    DistrictOut,
    Lens,
    Rollout,
    SchoolHistory,
    SchoolOut,
    SchoolProgress,
    StoredAssessmentOut,
)
from pladvisor.domain.what_if import WhatIf
from pladvisor.errors import PladvisorError

__all__ = [
    "AsyncClient",
    "Client",
    "PladvisorError",
    "Problem",
    "ProblemError",
    "RetryPolicy",
    "ServiceUnreachableError",
    "UnreadableAnswerError",
]

Profile = SchoolProfile | Mapping[str, Any]
T = TypeVar("T")
DEFAULT_URL = "http://127.0.0.1:8000"
RETRY_STATUSES = frozenset({429, 503})
RETRY_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
"""Failures a later attempt can get past: the service was busy, restarting or far away. A bad URL or a
request httpx cannot even send would fail the same way every time."""
UNSENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
"""Failures before the request left: the only ones after which a call that stores is tried again."""
MAX_RETRY_AFTER = 60.0


class ProblemError(PladvisorError):
    """The service answered, and refused: ``problem`` says why, in the service's words."""

    def __init__(self, status_code: int, problem: Problem) -> None:
        # Both in args, so that the error survives pickling (a process pool sends errors back that way).
        super().__init__(status_code, problem)
        self.status_code = status_code
        self.problem = problem

    def __str__(self) -> str:
        heading = f"{self.status_code} {self.problem.title}".rstrip()
        return f"{heading}: {self.problem.detail}" if self.problem.detail else heading


class UnreadableAnswerError(PladvisorError):
    """The service said yes (2xx), with a body that is not the answer this client knows: usually something
    other than the service (a proxy, a captive portal) answered, or a service much older than the client."""


class ServiceUnreachableError(PladvisorError):
    """No answer came back on any attempt: the service could not be reached, timed out, or dropped the
    connection. The httpx exception of the last attempt is the ``__cause__``."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How long one call keeps trying.

    Waits grow exponentially from ``initial`` up to ``maximum`` with full jitter (a uniformly random wait
    up to that bound), so that clients which failed together do not come back together. A server's
    ``Retry-After`` replaces the wait. No attempt starts, and no wait is begun that would end, later than
    ``deadline`` seconds after the call began; a single attempt is bounded by the client's ``timeout``.
    """

    attempts: int = 4
    initial: float = 0.25
    maximum: float = 10.0
    deadline: float = 120.0

    def __post_init__(self) -> None:
        if self.attempts < 1 or min(self.initial, self.maximum, self.deadline) < 0:
            raise ValueError("a retry policy needs at least one attempt and no negative durations")

    def backoff(self, retry: int) -> float:
        """A random wait before retry number ``retry`` (1 for the first)."""
        # Past 2**60 the bound is ``maximum`` anyway; the cap keeps the power from overflowing a float.
        return random.uniform(0.0, min(self.maximum, self.initial * 2.0 ** min(retry - 1, 60)))

    def wait(self, attempt: int, elapsed: float, retry_after: float | None) -> float | None:
        """Seconds to wait before trying again after attempt ``attempt`` failed ``elapsed`` seconds into the
        call, or None when the call must stop with that failure."""
        if attempt >= self.attempts:
            return None
        delay = self.backoff(attempt) if retry_after is None else retry_after
        return None if elapsed + delay > self.deadline else delay


DEFAULT_RETRY = RetryPolicy()


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait as the server asks (a number or an HTTP date), bounded; None when the header is absent
    or unreadable, so that a server's odd header never ends a run."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = email.utils.parsedate_to_datetime(value).timestamp() - time.time()
        except (ValueError, TypeError, IndexError, OverflowError):
            return None
    if not math.isfinite(seconds):
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def _decode(type_: type[T], content: bytes) -> T:
    """The one place an answer's body becomes a typed value, so that how (msgspec, or pydantic for the models
    not yet moved to it) changes here alone."""
    try:
        if isinstance(type_, type) and issubclass(type_, BaseModel):
            return type_.model_validate_json(content)
        return msgspec.json.decode(content, type=type_)
    except (ValidationError, msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise UnreadableAnswerError(f"the answer is not a {getattr(type_, '__name__', type_)}: {exc}") from exc


def _problem(response: httpx.Response) -> Problem:
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


def _renumbered(items: Iterable[BatchItem], offset: int) -> list[BatchItem]:
    """Batch items carry their index in the whole input, not in the batch that carried them."""
    return [_moved(item, offset) for item in items] if offset else list(items)


def _moved(item: BatchItem, offset: int) -> BatchItem:
    """``item`` as if it stood ``offset`` places later: the one place the client changes an answer."""
    problem = msgspec.structs.replace(item.problem, index=item.problem.index + offset) if item.problem else None
    return msgspec.structs.replace(item, index=item.index + offset, problem=problem)


def _pieces(error: ProblemError, batch: Sequence[Any]) -> list[tuple[int, Sequence[Any]]] | None:
    """Where to cut a batch the server refused as larger than it takes, when it said what it takes; None when
    the refusal was for anything else."""
    limit = error.problem.limit
    if error.status_code != 413 or limit is None or not 0 < limit < len(batch):
        return None
    return [(start, batch[start : start + limit]) for start in range(0, len(batch), limit)]


def _payload(profile: Profile) -> Any:
    if isinstance(profile, BaseModel):
        return profile.model_dump(mode="json", exclude_none=True)
    return profile


def _numbered_batches(profiles: Iterable[Profile], size: int) -> Iterator[tuple[int, list[Any]]]:
    """Batches of at most ``size`` payloads, each with the input position of its first profile."""
    iterator, offset = iter(profiles), 0
    while batch := [_payload(p) for p in islice(iterator, size)]:
        yield offset, batch
        offset += len(batch)


@dataclass(frozen=True, slots=True)
class _Call(Generic[T]):
    """One API operation: what to send, and the type its answer decodes to."""

    method: str
    path: str
    answer: type[T]
    body: Any = None
    params: Mapping[str, str | int] | None = None
    stores: bool = False


def _segment(value: str) -> str:
    """A caller's id as one path segment, so that an id holding "?" or "#" names one item rather than another
    path; its dots are escaped too, as httpx would resolve an id of ".." as a step up the path. An empty id and
    an id holding "/" cannot be one: the service routes on the decoded path, where ``/v1/districts/`` is the
    list of districts and ``{id}/assessments`` a school's history. No id the service makes holds either."""
    if not value or "/" in value:
        raise ValueError(f"an id cannot be empty or hold '/': {value!r}")
    return quote(value, safe="").replace(".", "%2E")


def _present(**members: Any) -> dict[str, Any]:
    """The members given a value: an optional field left unset is not sent, so the service's default applies."""
    return {name: value for name, value in members.items() if value is not None}


def _responses(responses: CombinedRequest | Mapping[str, Any]) -> Mapping[str, Any]:
    return responses.model_dump(mode="json", exclude_none=True) if isinstance(responses, BaseModel) else responses


def _health() -> _Call[dict[str, Any]]:
    return _Call("GET", "/health", dict[str, Any])


def _assess(profile: Profile) -> _Call[Assessment]:
    return _Call("POST", "/v1/assessments", Assessment, _payload(profile))


def _what_if(profile: Profile) -> _Call[WhatIf]:
    return _Call("POST", "/v1/assessments/what-if", WhatIf, _payload(profile))


def _check_rule(rule_id: str, profile: Profile) -> _Call[RuleCheck]:
    return _Call("POST", f"/v1/rules/{_segment(rule_id)}/check", RuleCheck, _payload(profile))


def _assess_combined(responses: CombinedRequest | Mapping[str, Any]) -> _Call[CombinedAssessment]:
    return _Call("POST", "/v1/assessments/combined", CombinedAssessment, _responses(responses))


def _assess_batch(profiles: Iterable[Profile]) -> _Call[BatchResult]:
    return _Call("POST", "/v1/assessments/batch", BatchResult, [_payload(p) for p in profiles])


def _rules() -> _Call[CatalogView]:
    return _Call("GET", "/v1/rules", CatalogView)


def _rule(rule_id: str) -> _Call[Rule]:
    return _Call("GET", f"/v1/rules/{_segment(rule_id)}", Rule)


def _create_district(name: str) -> _Call[DistrictOut]:
    return _Call("POST", "/v1/districts", DistrictOut, {"name": name}, stores=True)


def _districts() -> _Call[list[DistrictOut]]:
    return _Call("GET", "/v1/districts", list[DistrictOut])


def _district(district_id: str) -> _Call[DistrictOut]:
    return _Call("GET", f"/v1/districts/{_segment(district_id)}", DistrictOut)


def _add_school(district_id: str, name: str, external_id: str | None, need: float | None) -> _Call[SchoolOut]:
    body = _present(name=name, external_id=external_id, need=need)
    return _Call("POST", f"/v1/districts/{_segment(district_id)}/schools", SchoolOut, body, stores=True)


def _rollout(district_id: str, lens: Lens, capacity: int | None) -> _Call[Rollout]:
    params = _present(lens=lens, capacity=capacity)
    return _Call("GET", f"/v1/districts/{_segment(district_id)}/rollout", Rollout, params=params)


def _school(school_id: str) -> _Call[SchoolOut]:
    return _Call("GET", f"/v1/schools/{_segment(school_id)}", SchoolOut)


def _delete_school(school_id: str) -> _Call[Deleted]:
    return _Call("DELETE", f"/v1/schools/{_segment(school_id)}", Deleted)


def _store_assessment(school_id: str, assessed_on: date, profile: Profile) -> _Call[StoredAssessmentOut]:
    body = {"assessed_on": assessed_on.isoformat(), "profile": _payload(profile)}
    return _Call("POST", f"/v1/schools/{_segment(school_id)}/assessments", StoredAssessmentOut, body, stores=True)


def _store_combined(
    school_id: str, assessed_on: date, responses: CombinedRequest | Mapping[str, Any]
) -> _Call[StoredAssessmentOut]:
    body = {**_responses(responses), "assessed_on": assessed_on.isoformat()}
    path = f"/v1/schools/{_segment(school_id)}/assessments/combined"
    return _Call("POST", path, StoredAssessmentOut, body, stores=True)


def _history(school_id: str) -> _Call[SchoolHistory]:
    return _Call("GET", f"/v1/schools/{_segment(school_id)}/assessments", SchoolHistory)


def _stored_assessment(school_id: str, assessment_id: str) -> _Call[StoredAssessmentOut]:
    path = f"/v1/schools/{_segment(school_id)}/assessments/{_segment(assessment_id)}"
    return _Call("GET", path, StoredAssessmentOut)


def _progress(school_id: str) -> _Call[SchoolProgress]:
    return _Call("GET", f"/v1/schools/{_segment(school_id)}/progress", SchoolProgress)


def _adopt_action(school_id: str, assessment_id: str, rule_id: str, owner: str, due_on: date) -> _Call[ActionOut]:
    body = {"assessment_id": assessment_id, "rule_id": rule_id, "owner": owner, "due_on": due_on.isoformat()}
    return _Call("POST", f"/v1/schools/{_segment(school_id)}/actions", ActionOut, body, stores=True)


def _actions(school_id: str) -> _Call[list[ActionOut]]:
    return _Call("GET", f"/v1/schools/{_segment(school_id)}/actions", list[ActionOut])


def _change_action(
    school_id: str, action_id: str, status: ActionStatus | None, owner: str | None, due_on: date | None
) -> _Call[ActionOut]:
    body = _present(status=status, owner=owner, due_on=due_on.isoformat() if due_on else None)
    return _Call("PATCH", f"/v1/schools/{_segment(school_id)}/actions/{_segment(action_id)}", ActionOut, body)


Outcome = httpx.Response | httpx.RequestError


class _BaseClient:
    """What a call does besides I/O: its settings, its request, whether and when to try again, and what
    its answer means."""

    _http: httpx.Client | httpx.AsyncClient
    _clock = staticmethod(time.monotonic)

    def __init__(self, base_url: str, *, api_key: str | None, retry: RetryPolicy) -> None:
        self._base_url = base_url.rstrip("/")
        self._headers = {"X-API-Key": api_key} if api_key else {}
        self._retry = retry

    def _request(self, call: _Call[Any]) -> httpx.Request:
        return self._http.build_request(call.method, call.path, json=call.body, params=call.params)

    def _wait(self, call: _Call[Any], attempt: int, started: float, outcome: Outcome) -> float | None:
        """Seconds to wait before the next attempt, or None when ``outcome`` is the call's result."""
        if isinstance(outcome, httpx.Response):
            if outcome.status_code not in RETRY_STATUSES:
                return None
            return self._retry.wait(attempt, self._clock() - started, _retry_after(outcome))
        if not isinstance(outcome, UNSENT_ERRORS if call.stores else RETRY_ERRORS):
            return None
        return self._retry.wait(attempt, self._clock() - started, None)

    @staticmethod
    def _answer(call: _Call[T], request: httpx.Request, outcome: Outcome, attempts: int) -> T:
        """The call's typed answer, or the exception that stands for its failure."""
        if isinstance(outcome, httpx.RequestError):
            tries = "1 attempt" if attempts == 1 else f"{attempts} attempts"
            raise ServiceUnreachableError(
                f"{request.method} {request.url}: no answer after {tries} ({type(outcome).__name__}: {outcome})"
            ) from outcome
        if not outcome.is_success:
            raise ProblemError(outcome.status_code, _problem(outcome))
        return _decode(call.answer, outcome.content)


class Client(_BaseClient):
    """Synchronous client. Use as a context manager, or call :meth:`close`."""

    _http: httpx.Client
    _sleep = staticmethod(time.sleep)

    def __init__(
        self,
        base_url: str = DEFAULT_URL,
        *,
        timeout: float = 30.0,
        api_key: str | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(base_url, api_key=api_key, retry=retry)
        self._http = httpx.Client(base_url=self._base_url, timeout=timeout, headers=self._headers, transport=transport)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _call(self, call: _Call[T]) -> T:
        request, started, attempt = self._request(call), self._clock(), 1
        while True:
            outcome: Outcome
            try:
                outcome = self._http.send(request)
            except httpx.RequestError as exc:
                outcome = exc
            wait = self._wait(call, attempt, started, outcome)
            if wait is None:
                return self._answer(call, request, outcome, attempt)
            self._sleep(wait)
            attempt += 1

    def health(self) -> dict[str, Any]:
        return self._call(_health())

    def assess(self, profile: Profile) -> Assessment:
        return self._call(_assess(profile))

    def assess_batch(self, profiles: Iterable[Profile]) -> BatchResult:
        return self._call(_assess_batch(profiles))

    def assess_combined(self, responses: CombinedRequest | Mapping[str, Any]) -> CombinedAssessment:
        """One school from several respondents: ``{"school_id", "name", "responses": [{"role", "answers"}]}``."""
        return self._call(_assess_combined(responses))

    def what_if(self, profile: Profile) -> WhatIf:
        """The cheapest few sets of answer changes that reach the next stage (see ``POST /v1/assessments/what-if``)."""
        return self._call(_what_if(profile))

    def check_rule(self, rule_id: str, profile: Profile) -> RuleCheck:
        """Whether the rule fires for ``profile``, and each of its conditions with the answer it read."""
        return self._call(_check_rule(rule_id, profile))

    def rules(self) -> CatalogView:
        return self._call(_rules())

    def rule(self, rule_id: str) -> Rule:
        return self._call(_rule(rule_id))

    def create_district(self, name: str) -> DistrictOut:
        return self._call(_create_district(name))

    def districts(self) -> list[DistrictOut]:
        return self._call(_districts())

    def district(self, district_id: str) -> DistrictOut:
        return self._call(_district(district_id))

    def add_school(
        self, district_id: str, name: str, *, external_id: str | None = None, need: float | None = None
    ) -> SchoolOut:
        return self._call(_add_school(district_id, name, external_id, need))

    def rollout(self, district_id: str, *, lens: Lens = "readiness", capacity: int | None = None) -> Rollout:
        return self._call(_rollout(district_id, lens, capacity))

    def school(self, school_id: str) -> SchoolOut:
        return self._call(_school(school_id))

    def delete_school(self, school_id: str) -> Deleted:
        return self._call(_delete_school(school_id))

    def store_assessment(self, school_id: str, assessed_on: date, profile: Profile) -> StoredAssessmentOut:
        return self._call(_store_assessment(school_id, assessed_on, profile))

    def store_combined(
        self, school_id: str, assessed_on: date, responses: CombinedRequest | Mapping[str, Any]
    ) -> StoredAssessmentOut:
        return self._call(_store_combined(school_id, assessed_on, responses))

    def history(self, school_id: str) -> SchoolHistory:
        return self._call(_history(school_id))

    def stored_assessment(self, school_id: str, assessment_id: str) -> StoredAssessmentOut:
        return self._call(_stored_assessment(school_id, assessment_id))

    def progress(self, school_id: str) -> SchoolProgress:
        return self._call(_progress(school_id))

    def adopt_action(self, school_id: str, assessment_id: str, rule_id: str, *, owner: str, due_on: date) -> ActionOut:
        return self._call(_adopt_action(school_id, assessment_id, rule_id, owner, due_on))

    def actions(self, school_id: str) -> list[ActionOut]:
        return self._call(_actions(school_id))

    def change_action(
        self,
        school_id: str,
        action_id: str,
        *,
        status: ActionStatus | None = None,
        owner: str | None = None,
        due_on: date | None = None,
    ) -> ActionOut:
        return self._call(_change_action(school_id, action_id, status, owner, due_on))

    def _batch_items(self, batch: Sequence[Any]) -> list[BatchItem]:
        """One batch's items; a batch over the server's limit is sent again in pieces the server takes."""
        try:
            return list(self.assess_batch(batch).results)
        except ProblemError as exc:
            pieces = _pieces(exc, batch)
            if pieces is None:
                raise
            return [item for start, piece in pieces for item in _renumbered(self._batch_items(piece), start)]

    def assess_many(
        self, profiles: Iterable[Profile], *, batch_size: int = 500, concurrency: int = 4
    ) -> Iterator[BatchItem]:
        """Every profile's result, in input order, sent as batches with at most ``concurrency`` in flight."""
        pending: deque[tuple[int, Future[list[BatchItem]]]] = deque()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            try:
                for offset, batch in _numbered_batches(profiles, batch_size):
                    if len(pending) == concurrency:
                        start, future = pending.popleft()
                        yield from _renumbered(future.result(), start)
                    pending.append((offset, pool.submit(self._batch_items, batch)))
                while pending:
                    start, future = pending.popleft()
                    yield from _renumbered(future.result(), start)
            finally:
                for _, future in pending:
                    future.cancel()


class AsyncClient(_BaseClient):
    """Asynchronous client (asyncio). Use as an async context manager, or await :meth:`aclose`."""

    _http: httpx.AsyncClient
    _sleep = staticmethod(asyncio.sleep)

    def __init__(
        self,
        base_url: str = DEFAULT_URL,
        *,
        timeout: float = 30.0,
        api_key: str | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(base_url, api_key=api_key, retry=retry)
        self._http = httpx.AsyncClient(
            base_url=self._base_url, timeout=timeout, headers=self._headers, transport=transport
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _call(self, call: _Call[T]) -> T:
        request, started, attempt = self._request(call), self._clock(), 1
        while True:
            outcome: Outcome
            try:
                outcome = await self._http.send(request)
            except httpx.RequestError as exc:
                outcome = exc
            wait = self._wait(call, attempt, started, outcome)
            if wait is None:
                return self._answer(call, request, outcome, attempt)
            await self._sleep(wait)
            attempt += 1

    async def health(self) -> dict[str, Any]:
        return await self._call(_health())

    async def assess(self, profile: Profile) -> Assessment:
        return await self._call(_assess(profile))

    async def assess_batch(self, profiles: Iterable[Profile]) -> BatchResult:
        return await self._call(_assess_batch(profiles))

    async def assess_combined(self, responses: CombinedRequest | Mapping[str, Any]) -> CombinedAssessment:
        """One school from several respondents: ``{"school_id", "name", "responses": [{"role", "answers"}]}``."""
        return await self._call(_assess_combined(responses))

    async def what_if(self, profile: Profile) -> WhatIf:
        """The cheapest few sets of answer changes that reach the next stage (see ``POST /v1/assessments/what-if``)."""
        return await self._call(_what_if(profile))

    async def check_rule(self, rule_id: str, profile: Profile) -> RuleCheck:
        """Whether the rule fires for ``profile``, and each of its conditions with the answer it read."""
        return await self._call(_check_rule(rule_id, profile))

    async def rules(self) -> CatalogView:
        return await self._call(_rules())

    async def rule(self, rule_id: str) -> Rule:
        return await self._call(_rule(rule_id))

    async def create_district(self, name: str) -> DistrictOut:
        return await self._call(_create_district(name))

    async def districts(self) -> list[DistrictOut]:
        return await self._call(_districts())

    async def district(self, district_id: str) -> DistrictOut:
        return await self._call(_district(district_id))

    async def add_school(
        self, district_id: str, name: str, *, external_id: str | None = None, need: float | None = None
    ) -> SchoolOut:
        return await self._call(_add_school(district_id, name, external_id, need))

    async def rollout(self, district_id: str, *, lens: Lens = "readiness", capacity: int | None = None) -> Rollout:
        return await self._call(_rollout(district_id, lens, capacity))

    async def school(self, school_id: str) -> SchoolOut:
        return await self._call(_school(school_id))

    async def delete_school(self, school_id: str) -> Deleted:
        return await self._call(_delete_school(school_id))

    async def store_assessment(self, school_id: str, assessed_on: date, profile: Profile) -> StoredAssessmentOut:
        return await self._call(_store_assessment(school_id, assessed_on, profile))

    async def store_combined(
        self, school_id: str, assessed_on: date, responses: CombinedRequest | Mapping[str, Any]
    ) -> StoredAssessmentOut:
        return await self._call(_store_combined(school_id, assessed_on, responses))

    async def history(self, school_id: str) -> SchoolHistory:
        return await self._call(_history(school_id))

    async def stored_assessment(self, school_id: str, assessment_id: str) -> StoredAssessmentOut:
        return await self._call(_stored_assessment(school_id, assessment_id))

    async def progress(self, school_id: str) -> SchoolProgress:
        return await self._call(_progress(school_id))

    async def adopt_action(
        self, school_id: str, assessment_id: str, rule_id: str, *, owner: str, due_on: date
    ) -> ActionOut:
        return await self._call(_adopt_action(school_id, assessment_id, rule_id, owner, due_on))

    async def actions(self, school_id: str) -> list[ActionOut]:
        return await self._call(_actions(school_id))

    async def change_action(
        self,
        school_id: str,
        action_id: str,
        *,
        status: ActionStatus | None = None,
        owner: str | None = None,
        due_on: date | None = None,
    ) -> ActionOut:
        return await self._call(_change_action(school_id, action_id, status, owner, due_on))

    async def _batch_items(self, batch: Sequence[Any]) -> list[BatchItem]:
        """One batch's items; a batch over the server's limit is sent again in pieces the server takes."""
        try:
            return list((await self.assess_batch(batch)).results)
        except ProblemError as exc:
            pieces = _pieces(exc, batch)
            if pieces is None:
                raise
            return [item for start, piece in pieces for item in _renumbered(await self._batch_items(piece), start)]

    async def assess_many(
        self, profiles: Iterable[Profile], *, batch_size: int = 500, concurrency: int = 4
    ) -> AsyncIterator[BatchItem]:
        """Every profile's result, in input order, sent as batches with at most ``concurrency`` in flight."""
        pending: deque[tuple[int, asyncio.Task[list[BatchItem]]]] = deque()
        try:
            for offset, batch in _numbered_batches(profiles, batch_size):
                if len(pending) == concurrency:
                    start, task = pending.popleft()
                    for item in _renumbered(await task, start):
                        yield item
                pending.append((offset, asyncio.ensure_future(self._batch_items(batch))))
            while pending:
                start, task = pending.popleft()
                for item in _renumbered(await task, start):
                    yield item
        finally:
            for _, task in pending:
                task.cancel()
