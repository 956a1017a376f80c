"""The synchronous client: sends each call's attempts on an ``httpx.Client`` and sleeps between them."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
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


class Client(BaseClient):
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
        super().__init__(base_url, timeout=timeout, api_key=api_key, retry=retry)
        self._http = httpx.Client(base_url=self._base_url, headers=self._headers, transport=transport)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _call(self, call: Call[T]) -> T:
        attempts = self._attempts(call)
        while True:
            outcome: Outcome
            try:
                outcome = self._http.send(attempts.next())
            except httpx.RequestError as exc:
                outcome = exc
            if (wait := attempts.wait(outcome)) is None:
                return attempts.answer(outcome)
            self._sleep(wait)

    def health(self) -> dict[str, Any]:
        return self._call(calls.health())

    def assess(self, profile: Profile) -> Assessment:
        return self._call(calls.assess(profile))

    def assess_batch(self, profiles: Iterable[Profile]) -> BatchResult:
        return self._call(calls.assess_batch(profiles))

    def summarize_batch(self, profiles: Iterable[Profile]) -> BatchSummaryResult:
        """A batch with each assessment as its summary (``?view=summary``); the roll-up is the full answer's."""
        return self._call(calls.summarize_batch(profiles))

    def assess_combined(self, responses: Responses) -> CombinedAssessment:
        """One school from several respondents: ``{"school_id", "name", "responses": [{"role", "answers"}]}``."""
        return self._call(calls.assess_combined(responses))

    def summarize(self, profile: Profile) -> AssessmentSummary:
        """The assessment's summary: stage and range, scores, verdict and the plan by title (``?view=summary``)."""
        return self._call(calls.summarize(profile))

    def what_if(self, profile: Profile) -> WhatIf:
        """The cheapest few sets of answer changes that reach the next stage (see ``POST /v1/assessments/what-if``)."""
        return self._call(calls.what_if(profile))

    def check_rule(self, rule_id: str, profile: Profile) -> RuleCheck:
        """Whether the rule fires for ``profile``, and each of its conditions with the answer it read."""
        return self._call(calls.check_rule(rule_id, profile))

    def rules(self) -> CatalogView:
        return self._call(calls.rules())

    def rule(self, rule_id: str) -> Rule:
        return self._call(calls.rule(rule_id))

    def create_district(self, name: str) -> DistrictOut:
        return self._call(calls.create_district(name))

    def districts(self) -> list[DistrictOut]:
        return self._call(calls.districts())

    def district(self, district_id: str) -> DistrictOut:
        return self._call(calls.district(district_id))

    def add_school(
        self, district_id: str, name: str, *, external_id: str | None = None, need: float | None = None
    ) -> SchoolOut:
        return self._call(calls.add_school(district_id, name, external_id, need))

    def rollout(self, district_id: str, *, lens: Lens = "readiness", capacity: int | None = None) -> Rollout:
        return self._call(calls.rollout(district_id, lens, capacity))

    def school(self, school_id: str) -> SchoolOut:
        return self._call(calls.school(school_id))

    def delete_school(self, school_id: str) -> Deleted:
        return self._call(calls.delete_school(school_id))

    def store_assessment(self, school_id: str, assessed_on: date, profile: Profile) -> StoredAssessmentOut:
        return self._call(calls.store_assessment(school_id, assessed_on, profile))

    def store_combined(self, school_id: str, assessed_on: date, responses: Responses) -> StoredAssessmentOut:
        return self._call(calls.store_combined(school_id, assessed_on, responses))

    def history(self, school_id: str) -> SchoolHistory:
        return self._call(calls.history(school_id))

    def stored_assessment(self, school_id: str, assessment_id: str) -> StoredAssessmentOut:
        return self._call(calls.stored_assessment(school_id, assessment_id))

    def progress(self, school_id: str) -> SchoolProgress:
        return self._call(calls.progress(school_id))

    def adopt_action(self, school_id: str, assessment_id: str, rule_id: str, *, owner: str, due_on: date) -> ActionOut:
        return self._call(calls.adopt_action(school_id, assessment_id, rule_id, owner, due_on))

    def actions(self, school_id: str) -> list[ActionOut]:
        return self._call(calls.actions(school_id))

    def change_action(
        self,
        school_id: str,
        action_id: str,
        *,
        status: ActionStatus | None = None,
        owner: str | None = None,
        due_on: date | None = None,
    ) -> ActionOut:
        return self._call(calls.change_action(school_id, action_id, status, owner, due_on))

    def _batch_items(self, batch: Sequence[Any], send: Callable[[Sequence[Any]], Sequence[Item]]) -> list[Item]:
        """One batch's items; a batch over the server's limit is sent again in pieces the server takes."""
        try:
            return list(send(batch))
        except ProblemError as exc:
            cut = pieces(exc, batch)
            if cut is None:
                raise
            return [item for start, piece in cut for item in renumbered(self._batch_items(piece, send), start)]

    def _many(
        self,
        profiles: Iterable[Profile],
        send: Callable[[Sequence[Any]], Sequence[Item]],
        batch_size: int,
        concurrency: int,
    ) -> Iterator[Item]:
        pending: deque[tuple[int, Future[list[Item]]]] = deque()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            try:
                for offset, batch in numbered_batches(profiles, batch_size):
                    if len(pending) == concurrency:
                        start, future = pending.popleft()
                        yield from renumbered(future.result(), start)
                    pending.append((offset, pool.submit(self._batch_items, batch, send)))
                while pending:
                    start, future = pending.popleft()
                    yield from renumbered(future.result(), start)
            finally:
                for _, future in pending:
                    future.cancel()

    def assess_many(
        self, profiles: Iterable[Profile], *, batch_size: int = 500, concurrency: int = 4
    ) -> Iterator[BatchItem]:
        """Every profile's result, in input order, sent as batches with at most ``concurrency`` in flight."""
        return self._many(profiles, lambda batch: self.assess_batch(batch).results, batch_size, concurrency)

    def summarize_many(
        self, profiles: Iterable[Profile], *, batch_size: int = 500, concurrency: int = 4
    ) -> Iterator[BatchSummaryItem]:
        """As :meth:`assess_many`, each assessment as its summary (``?view=summary``)."""
        return self._many(profiles, lambda batch: self.summarize_batch(batch).results, batch_size, concurrency)
