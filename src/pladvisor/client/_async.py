"""The asynchronous client (asyncio): sends each call's attempts on an ``httpx.AsyncClient`` and awaits the
waits between them."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from datetime import date
from typing import Any, Self

import httpx

from pladvisor.client import _calls as calls
from pladvisor.client._base import DEFAULT_URL, BaseClient, Outcome
from pladvisor.client._batches import Item, numbered_batches, pieces, renumbered
from pladvisor.client._calls import Call, Profile, Responses, T
from pladvisor.client._errors import ProblemError
from pladvisor.client._retry import DEFAULT_RETRY, RetryPolicy
from pladvisor.domain.assessment import Assessment, AssessmentSummary
from pladvisor.domain.batch import BatchItem, BatchResult, BatchSummaryItem, BatchSummaryResult
from pladvisor.domain.respondents import CombinedAssessment
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


class AsyncClient(BaseClient):
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
        super().__init__(base_url, timeout=timeout, api_key=api_key, retry=retry)
        self._http = httpx.AsyncClient(base_url=self._base_url, headers=self._headers, transport=transport)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _call(self, call: Call[T]) -> T:
        attempts = self._attempts(call)
        while True:
            outcome: Outcome
            try:
                outcome = await self._http.send(attempts.next())
            except httpx.RequestError as exc:
                outcome = exc
            if (wait := attempts.wait(outcome)) is None:
                return attempts.answer(outcome)
            await self._sleep(wait)

    async def health(self) -> dict[str, Any]:
        return await self._call(calls.health())

    async def assess(self, profile: Profile) -> Assessment:
        return await self._call(calls.assess(profile))

    async def assess_batch(self, profiles: Iterable[Profile]) -> BatchResult:
        return await self._call(calls.assess_batch(profiles))

    async def summarize_batch(self, profiles: Iterable[Profile]) -> BatchSummaryResult:
        """A batch with each assessment as its summary (``?view=summary``); the roll-up is the full answer's."""
        return await self._call(calls.summarize_batch(profiles))

    async def assess_combined(self, responses: Responses) -> CombinedAssessment:
        """One school from several respondents: ``{"school_id", "name", "responses": [{"role", "answers"}]}``."""
        return await self._call(calls.assess_combined(responses))

    async def summarize(self, profile: Profile) -> AssessmentSummary:
        """The assessment's summary: stage and range, scores, verdict and the plan by title (``?view=summary``)."""
        return await self._call(calls.summarize(profile))

    async def what_if(self, profile: Profile) -> WhatIf:
        """The cheapest few sets of answer changes that reach the next stage (see ``POST /v1/assessments/what-if``)."""
        return await self._call(calls.what_if(profile))

    async def check_rule(self, rule_id: str, profile: Profile) -> RuleCheck:
        """Whether the rule fires for ``profile``, and each of its conditions with the answer it read."""
        return await self._call(calls.check_rule(rule_id, profile))

    async def rules(self) -> CatalogView:
        return await self._call(calls.rules())

    async def rule(self, rule_id: str) -> Rule:
        return await self._call(calls.rule(rule_id))

    async def create_district(self, name: str) -> DistrictOut:
        return await self._call(calls.create_district(name))

    async def districts(self) -> list[DistrictOut]:
        return await self._call(calls.districts())

    async def district(self, district_id: str) -> DistrictOut:
        return await self._call(calls.district(district_id))

    async def add_school(
        self, district_id: str, name: str, *, external_id: str | None = None, need: float | None = None
    ) -> SchoolOut:
        return await self._call(calls.add_school(district_id, name, external_id, need))

    async def rollout(self, district_id: str, *, lens: Lens = "readiness", capacity: int | None = None) -> Rollout:
        return await self._call(calls.rollout(district_id, lens, capacity))

    async def school(self, school_id: str) -> SchoolOut:
        return await self._call(calls.school(school_id))

    async def delete_school(self, school_id: str) -> Deleted:
        return await self._call(calls.delete_school(school_id))

    async def store_assessment(self, school_id: str, assessed_on: date, profile: Profile) -> StoredAssessmentOut:
        return await self._call(calls.store_assessment(school_id, assessed_on, profile))

    async def store_combined(self, school_id: str, assessed_on: date, responses: Responses) -> StoredAssessmentOut:
        return await self._call(calls.store_combined(school_id, assessed_on, responses))

    async def history(self, school_id: str) -> SchoolHistory:
        return await self._call(calls.history(school_id))

    async def stored_assessment(self, school_id: str, assessment_id: str) -> StoredAssessmentOut:
        return await self._call(calls.stored_assessment(school_id, assessment_id))

    async def progress(self, school_id: str) -> SchoolProgress:
        return await self._call(calls.progress(school_id))

    async def adopt_action(
        self, school_id: str, assessment_id: str, rule_id: str, *, owner: str, due_on: date
    ) -> ActionOut:
        return await self._call(calls.adopt_action(school_id, assessment_id, rule_id, owner, due_on))

    async def actions(self, school_id: str) -> list[ActionOut]:
        return await self._call(calls.actions(school_id))

    async def change_action(
        self,
        school_id: str,
        action_id: str,
        *,
        status: ActionStatus | None = None,
        owner: str | None = None,
        due_on: date | None = None,
    ) -> ActionOut:
        return await self._call(calls.change_action(school_id, action_id, status, owner, due_on))

    async def _batch_items(
        self, batch: Sequence[Any], send: Callable[[Sequence[Any]], Awaitable[Sequence[Item]]]
    ) -> list[Item]:
        """One batch's items; a batch over the server's limit is sent again in pieces the server takes."""
        try:
            return list(await send(batch))
        except ProblemError as exc:
            cut = pieces(exc, batch)
            if cut is None:
                raise
            return [item for start, piece in cut for item in renumbered(await self._batch_items(piece, send), start)]

    async def _many(
        self,
        profiles: Iterable[Profile],
        send: Callable[[Sequence[Any]], Awaitable[Sequence[Item]]],
        batch_size: int,
        concurrency: int,
    ) -> AsyncIterator[Item]:
        pending: deque[tuple[int, asyncio.Task[list[Item]]]] = deque()
        try:
            for offset, batch in numbered_batches(profiles, batch_size):
                if len(pending) == concurrency:
                    start, task = pending.popleft()
                    for item in renumbered(await task, start):
                        yield item
                pending.append((offset, asyncio.ensure_future(self._batch_items(batch, send))))
            while pending:
                start, task = pending.popleft()
                for item in renumbered(await task, start):
                    yield item
        finally:
            for _, task in pending:
                task.cancel()

    async def _assessed(self, batch: Sequence[Any]) -> Sequence[BatchItem]:
        return (await self.assess_batch(batch)).results

    async def _summarized(self, batch: Sequence[Any]) -> Sequence[BatchSummaryItem]:
        return (await self.summarize_batch(batch)).results

    def assess_many(
        self, profiles: Iterable[Profile], *, batch_size: int = 500, concurrency: int = 4
    ) -> AsyncIterator[BatchItem]:
        """Every profile's result, in input order, sent as batches with at most ``concurrency`` in flight."""
        return self._many(profiles, self._assessed, batch_size, concurrency)

    def summarize_many(
        self, profiles: Iterable[Profile], *, batch_size: int = 500, concurrency: int = 4
    ) -> AsyncIterator[BatchSummaryItem]:
        """As :meth:`assess_many`, each assessment as its summary (``?view=summary``)."""
        return self._many(profiles, self._summarized, batch_size, concurrency)
