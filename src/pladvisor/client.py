"""Python clients for the pladvisor API, on httpx.

Assessments are pure functions of their input, so every call is safe to repeat: the
clients retry connection errors, 429 and 503 with exponential backoff, honouring the
server's ``Retry-After``. Any other error response raises :class:`PladvisorError`
carrying the server's problem details.
"""

from __future__ import annotations

import asyncio
import email.utils
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import islice
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel

from pladvisor.domain.assessment import Assessment
from pladvisor.domain.batch import BatchItem, BatchResult
from pladvisor.domain.profile import SchoolProfile
from pladvisor.domain.rules import CatalogView, Rule

Profile = SchoolProfile | Mapping[str, Any]
M = TypeVar("M", bound=BaseModel)
RETRY_STATUSES = frozenset({429, 503})
MAX_RETRY_AFTER = 60.0


class PladvisorError(Exception):
    """An error response from the service; ``problem`` holds its RFC 9457 problem details."""

    def __init__(self, status_code: int, problem: dict[str, Any]) -> None:
        self.status_code = status_code
        self.problem = problem
        detail = problem.get("detail") or problem.get("title") or "request failed"
        super().__init__(f"{status_code}: {detail}")


def _payload(profile: Profile) -> Any:
    if isinstance(profile, BaseModel):
        return profile.model_dump(mode="json", exclude_none=True)
    return profile


def _chunks(profiles: Iterable[Profile], size: int) -> Iterator[list[Any]]:
    iterator = iter(profiles)
    while chunk := [_payload(p) for p in islice(iterator, size)]:
        yield chunk


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


def _error(response: httpx.Response) -> PladvisorError:
    try:
        problem = response.json()
    except ValueError:
        problem = {"title": response.reason_phrase, "detail": response.text[:500]}
    return PladvisorError(response.status_code, problem if isinstance(problem, dict) else {"detail": str(problem)})


def _renumbered(items: list[BatchItem], offset: int) -> list[BatchItem]:
    """Batch items carry their index in the whole input, not in their chunk."""
    renumbered = []
    for item in items:
        problem = item.problem.model_copy(update={"index": item.index + offset}) if item.problem else None
        renumbered.append(item.model_copy(update={"index": item.index + offset, "problem": problem}))
    return renumbered


def _smaller_batches(error: PladvisorError, size: int) -> int | None:
    """The server's batch limit, when it refused a batch of ``size`` as too large and said what it takes."""
    limit = error.problem.get("limit")
    if error.status_code == 413 and isinstance(limit, int) and 0 < limit < size:
        return limit
    return None


class _Settings:
    def __init__(self, base_url: str, timeout: float, api_key: str | None, retries: int, backoff: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.headers = {"X-API-Key": api_key} if api_key else {}
        self.retries = retries
        self.backoff = backoff

    def delay(self, attempt: int, response: httpx.Response | None) -> float:
        suggested = _retry_after(response) if response is not None else None
        return suggested if suggested is not None else self.backoff * 2**attempt


class Client:
    """Synchronous client. Use as a context manager, or call :meth:`close`."""

    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8000",
        *,
        timeout: float = 30.0,
        api_key: str | None = None,
        retries: int = 3,
        backoff: float = 0.25,
    ) -> None:
        self._settings = _Settings(base_url, timeout, api_key, retries, backoff)
        self._http = httpx.Client(base_url=self._settings.base_url, timeout=timeout, headers=self._settings.headers)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _send(self, method: str, path: str, body: Any = None) -> httpx.Response:
        for attempt in range(self._settings.retries + 1):
            last = attempt == self._settings.retries
            try:
                response = self._http.request(method, path, json=body)
            except httpx.TransportError:
                if last:
                    raise
                time.sleep(self._settings.delay(attempt, None))
                continue
            if response.status_code in RETRY_STATUSES and not last:
                time.sleep(self._settings.delay(attempt, response))
                continue
            if response.is_error:
                raise _error(response)
            return response
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _get(self, model: type[M], method: str, path: str, body: Any = None) -> M:
        return model.model_validate_json(self._send(method, path, body).content)

    def health(self) -> dict[str, Any]:
        result: dict[str, Any] = self._send("GET", "/health").json()
        return result

    def assess(self, profile: Profile) -> Assessment:
        return self._get(Assessment, "POST", "/v1/assessments", _payload(profile))

    def assess_batch(self, profiles: Iterable[Profile]) -> BatchResult:
        return self._get(BatchResult, "POST", "/v1/assessments/batch", [_payload(p) for p in profiles])

    def rules(self) -> CatalogView:
        return self._get(CatalogView, "GET", "/v1/rules")

    def rule(self, rule_id: str) -> Rule:
        return self._get(Rule, "GET", f"/v1/rules/{rule_id}")

    def _batch_items(self, chunk: list[Any]) -> list[BatchItem]:
        """One batch's items; a batch over the server's limit is sent again in pieces the server takes."""
        try:
            return self.assess_batch(chunk).results
        except PladvisorError as exc:
            limit = _smaller_batches(exc, len(chunk))
            if limit is None:
                raise
            return [item for start in range(0, len(chunk), limit)
                    for item in _renumbered(self._batch_items(chunk[start:start + limit]), start)]

    def assess_many(
        self, profiles: Iterable[Profile], *, batch_size: int = 500, concurrency: int = 4
    ) -> Iterator[BatchItem]:
        """Every profile's result, in input order, sent as batches with at most ``concurrency`` in flight."""
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            pending: deque[tuple[int, Future[list[BatchItem]]]] = deque()
            offset = 0
            for chunk in _chunks(profiles, batch_size):
                if len(pending) == concurrency:
                    start, future = pending.popleft()
                    yield from _renumbered(future.result(), start)
                pending.append((offset, pool.submit(self._batch_items, chunk)))
                offset += len(chunk)
            while pending:
                start, future = pending.popleft()
                yield from _renumbered(future.result(), start)


class AsyncClient:
    """Asynchronous client. Use as an async context manager, or await :meth:`aclose`."""

    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8000",
        *,
        timeout: float = 30.0,
        api_key: str | None = None,
        retries: int = 3,
        backoff: float = 0.25,
    ) -> None:
        self._settings = _Settings(base_url, timeout, api_key, retries, backoff)
        self._http = httpx.AsyncClient(
            base_url=self._settings.base_url, timeout=timeout, headers=self._settings.headers
        )

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _send(self, method: str, path: str, body: Any = None) -> httpx.Response:
        for attempt in range(self._settings.retries + 1):
            last = attempt == self._settings.retries
            try:
                response = await self._http.request(method, path, json=body)
            except httpx.TransportError:
                if last:
                    raise
                await asyncio.sleep(self._settings.delay(attempt, None))
                continue
            if response.status_code in RETRY_STATUSES and not last:
                await asyncio.sleep(self._settings.delay(attempt, response))
                continue
            if response.is_error:
                raise _error(response)
            return response
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _get(self, model: type[M], method: str, path: str, body: Any = None) -> M:
        return model.model_validate_json((await self._send(method, path, body)).content)

    async def health(self) -> dict[str, Any]:
        result: dict[str, Any] = (await self._send("GET", "/health")).json()
        return result

    async def assess(self, profile: Profile) -> Assessment:
        return await self._get(Assessment, "POST", "/v1/assessments", _payload(profile))

    async def assess_batch(self, profiles: Iterable[Profile]) -> BatchResult:
        return await self._get(BatchResult, "POST", "/v1/assessments/batch", [_payload(p) for p in profiles])

    async def rules(self) -> CatalogView:
        return await self._get(CatalogView, "GET", "/v1/rules")

    async def rule(self, rule_id: str) -> Rule:
        return await self._get(Rule, "GET", f"/v1/rules/{rule_id}")

    async def _batch_items(self, chunk: list[Any]) -> list[BatchItem]:
        """One batch's items; a batch over the server's limit is sent again in pieces the server takes."""
        try:
            return (await self.assess_batch(chunk)).results
        except PladvisorError as exc:
            limit = _smaller_batches(exc, len(chunk))
            if limit is None:
                raise
            return [item for start in range(0, len(chunk), limit)
                    for item in _renumbered(await self._batch_items(chunk[start:start + limit]), start)]

    async def assess_many(
        self, profiles: Iterable[Profile], *, batch_size: int = 500, concurrency: int = 4
    ) -> AsyncIterator[BatchItem]:
        """Every profile's result, in input order, sent as batches with at most ``concurrency`` in flight."""
        pending: deque[tuple[int, asyncio.Task[list[BatchItem]]]] = deque()
        offset = 0
        try:
            for chunk in _chunks(profiles, batch_size):
                if len(pending) == concurrency:
                    start, task = pending.popleft()
                    for item in _renumbered(await task, start):
                        yield item
                pending.append((offset, asyncio.ensure_future(self._batch_items(chunk))))
                offset += len(chunk)
            while pending:
                start, task = pending.popleft()
                for item in _renumbered(await task, start):
                    yield item
        finally:
            for _, task in pending:
                task.cancel()
