"""pladvisor.client: against the real service process, and against scripted answers for retries and errors.

The scripted tests count attempts through httpx.MockTransport and stand in for the client's clock and sleep,
so that a wait is recorded instead of slept; each runs for both the synchronous and the asynchronous client.
"""

import asyncio
import inspect
import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any, ClassVar

import httpx
import pytest

import pladvisor.errors
from pladvisor.client import (
    MAX_RETRY_AFTER,
    AsyncClient,
    Client,
    InvalidIdError,
    PladvisorError,
    ProblemError,
    RetryPolicy,
    ServiceUnreachableError,
    UnreadableAnswerError,
)
from pladvisor.client._retry import retry_after
from pladvisor.domain.assessment import AssessmentSummary
from pladvisor.domain.fields import profile_from_answers
from pladvisor.domain.problems import FieldError
from pladvisor.domain.profile import SchoolProfile
from pladvisor.domain.respondents import CombinedRequest
from pladvisor.domain.rules import RuleCheck
from pladvisor.domain.what_if import WhatIf

from .profiles import MATURE_SCHOOL, RUSHED_DISTRICT, as_body
from .servers import handler_server


def test_assess_returns_the_projects_model(base_url: str) -> None:
    with Client(base_url) as client:
        assessment = client.assess(profile_from_answers(RUSHED_DISTRICT, school_id="c-1"))
        assert assessment.school_id == "c-1"
        assert assessment.recommendations[0].horizon == "now"
        assert client.rule("buy-in-mandated").priority == "critical"
        assert client.rules().version == client.health()["catalog_version"]


COMBINED = {
    "school_id": "c-2",
    "responses": [
        {"role": "leader", "answers": {"professional_development": {"timely": True}}},
        *({"role": "teacher", "answers": {"professional_development": {"timely": False}}} for _ in range(6)),
    ],
}


def test_what_would_move_a_school_up_sync_and_async(base_url: str) -> None:
    profile = profile_from_answers(RUSHED_DISTRICT, school_id="c-3")
    with Client(base_url) as client:
        answer = client.what_if(profile)
    assert answer.stage == client_stage(base_url, profile) and answer.target is not None

    async def ask() -> WhatIf:
        async with AsyncClient(base_url) as client:
            return await client.what_if(profile)

    assert asyncio.run(ask()) == answer


def test_the_summary_view_sync_and_async(base_url: str) -> None:
    profile = profile_from_answers(RUSHED_DISTRICT, school_id="c-5")
    with Client(base_url) as client:
        full = client.assess(profile)
        summary = client.summarize(profile)
    assert summary.stage == full.readiness.stage and summary.verdict == full.readiness.verdict
    assert [step.rule_id for step in summary.plan] == [item.rule_id for item in full.recommendations]

    async def ask() -> AssessmentSummary:
        async with AsyncClient(base_url) as client:
            return await client.summarize(profile)

    assert asyncio.run(ask()) == summary


def test_why_a_rule_fires_sync_and_async(base_url: str) -> None:
    profile = profile_from_answers(RUSHED_DISTRICT)
    with Client(base_url) as client:
        checked = client.check_rule("buy-in-mandated", profile)
        quiet = client.check_rule("buy-in-mandated", profile_from_answers(MATURE_SCHOOL))
    assert checked.fires and checked.conditions.holds is True
    assert not quiet.fires

    async def ask() -> RuleCheck:
        async with AsyncClient(base_url) as client:
            return await client.check_rule("buy-in-mandated", profile)

    assert asyncio.run(ask()) == checked


def client_stage(base_url: str, profile: SchoolProfile) -> str:
    with Client(base_url) as client:
        return client.assess(profile).readiness.stage


def test_a_school_of_several_respondents_is_assessed_sync_and_async(base_url: str) -> None:
    with Client(base_url) as client:
        combined = client.assess_combined(COMBINED)
    assert combined.school_id == "c-2" and combined.assessment.school_id == "c-2"
    assert [gap.gap_id for gap in combined.perception_gaps] == ["pd-timeliness-seen-differently"]

    async def assess() -> str | None:
        async with AsyncClient(base_url) as client:
            typed = CombinedRequest.model_validate(COMBINED, strict=True)
            return (await client.assess_combined(typed)).perception_gaps[0].first_role

    assert asyncio.run(assess()) == "leader"
    with Client(base_url) as client, pytest.raises(ProblemError) as caught:
        client.assess_combined({"responses": [{"role": "pilot"}]})
    assert caught.value.status_code == 422


def test_server_problems_surface_as_exceptions(base_url: str) -> None:
    with Client(base_url) as client:
        with pytest.raises(ProblemError) as caught:
            client.assess({"definition": {}})
        assert caught.value.status_code == 422 == caught.value.problem.status
        assert caught.value.problem.errors is not None
        assert {e.field for e in caught.value.problem.errors} >= {"tools", "buy_in"}
        with pytest.raises(ProblemError, match="404"):
            client.rule("no-such-rule")
        with pytest.raises(ProblemError, match="404"):
            client.rule("..")
        with pytest.raises(InvalidIdError, match=r"^rule_id cannot hold '/': '\.\./rules'$"):
            client.rule("../rules")


def test_assess_many_chunks_and_keeps_input_order(base_url: str) -> None:
    profiles = [as_body(RUSHED_DISTRICT if i % 3 else MATURE_SCHOOL, school_id=f"s{i}") for i in range(23)]
    profiles[5] = {"school_id": "broken"}
    with Client(base_url) as client:
        items = list(client.assess_many(profiles, batch_size=4, concurrency=3))
    assert [item.index for item in items] == list(range(23))
    assert items[5].status == "invalid" and items[5].problem is not None
    assert (items[5].problem.index, items[5].problem.school_id) == (5, "broken")
    assert [item.assessment.school_id for item in items if item.assessment] == [f"s{i}" for i in range(23) if i != 5]


def test_async_client_assess_many_keeps_input_order(base_url: str) -> None:
    profiles = [as_body(MATURE_SCHOOL, school_id=f"a{i}") for i in range(11)]

    async def collect() -> list[str | None]:
        async with AsyncClient(base_url) as client:
            assert (await client.assess(profiles[0])).school_id == "a0"
            return [
                item.assessment.school_id
                async for item in client.assess_many(profiles, batch_size=3)
                if item.assessment
            ]

    assert asyncio.run(collect()) == [f"a{i}" for i in range(11)]


class FlakyProxy(BaseHTTPRequestHandler):
    """Answers the first request of each path with 503 and Retry-After, then forwards to the service."""

    upstream = ""
    failed: ClassVar[set[str]] = set()
    seen: ClassVar[list[int]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        if self.path not in self.failed:
            self.failed.add(self.path)
            self.seen.append(503)
            self.send_response(503)
            self.send_header("Retry-After", "0")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        upstream = httpx.post(self.upstream + self.path, content=body, headers={"content-type": "application/json"})
        self.seen.append(upstream.status_code)
        self.send_response(upstream.status_code)
        self.send_header("Content-Type", upstream.headers["content-type"])
        self.send_header("Content-Length", str(len(upstream.content)))
        self.end_headers()
        self.wfile.write(upstream.content)

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def flaky_url(base_url: str) -> Iterator[str]:
    FlakyProxy.upstream, FlakyProxy.failed, FlakyProxy.seen = base_url, set(), []
    with handler_server(FlakyProxy) as url:
        yield url


def test_client_retries_a_503_over_the_network(flaky_url: str) -> None:
    with Client(flaky_url) as client:
        assert client.assess(as_body(MATURE_SCHOOL, school_id="retry")).school_id == "retry"
    assert FlakyProxy.seen == [503, 200]


class Stalling(BaseHTTPRequestHandler):
    """Reads each request and never answers it (until the test ends): a service that hangs."""

    arrived: ClassVar[list[float]] = []
    released: ClassVar[threading.Event] = threading.Event()

    def do_GET(self) -> None:
        self.arrived.append(time.monotonic())
        self.released.wait(30)

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def stalling_url() -> Iterator[str]:
    Stalling.arrived, Stalling.released = [], threading.Event()
    with handler_server(Stalling) as url:
        try:
            yield url
        finally:
            Stalling.released.set()


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_the_deadline_bounds_the_whole_call_when_the_service_never_answers(flavour: str, stalling_url: str) -> None:
    retry = RetryPolicy(attempts=10, initial=0.0, deadline=2.5)

    async def ask() -> float:
        async with AsyncClient(stalling_url, timeout=1.0, retry=retry) as client:
            started = time.monotonic()
            with pytest.raises(ServiceUnreachableError, match="no answer after"):
                await client.health()
            return time.monotonic() - started

    if flavour == "sync":
        with Client(stalling_url, timeout=1.0, retry=retry) as client:
            started = time.monotonic()
            with pytest.raises(ServiceUnreachableError, match="no answer after"):
                client.health()
            took = time.monotonic() - started
    else:
        took = asyncio.run(ask())
    assert len(Stalling.arrived) >= 3, "attempts begin at 0 s, 1 s and 2 s; the third is cut to the 0.5 s left"
    assert 2.4 < took < 2.5 + 0.2, f"a 2.5 s deadline took {took:.2f} s"


def test_the_two_clients_offer_the_same_calls_with_the_same_arguments() -> None:
    def calls(client: type) -> dict[str, list[inspect.Parameter]]:
        return {
            name: list(inspect.signature(method).parameters.values())
            for name, method in vars(client).items()
            if inspect.isfunction(method) and not name.startswith("_") and name not in {"close", "aclose"}
        }

    assert "assess" in calls(Client)
    assert calls(Client) == calls(AsyncClient)


# Scripted answers: every test below runs for Client and for AsyncClient.

HEALTH = {"status": "ok", "version": "0", "catalog_version": "c", "rules": 1}
RETRY = RetryPolicy(attempts=4, initial=1.0, maximum=8.0, deadline=120.0)


class Clock:
    """The client's clock and sleep: a wait moves the clock on instead of taking time."""

    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)


class Script:
    """A MockTransport handler answering from a list (the last answer repeats), counting the attempts.

    An answer is an ``httpx.Response``, or an httpx exception class raised for that request; a handler
    may also move the clock on, as a slow answer would. ``timeouts`` keeps the read timeout each attempt
    was given."""

    def __init__(
        self, *answers: httpx.Response | type[httpx.RequestError], clock: Clock | None = None, takes: float = 0.0
    ) -> None:
        self.answers, self.clock, self.takes = list(answers), clock, takes
        self.attempts = 0
        self.timeouts: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        answer = self.answers[min(self.attempts, len(self.answers) - 1)]
        self.attempts += 1
        self.timeouts.append(request.extensions["timeout"]["read"])
        if self.clock is not None:
            self.clock.now += self.takes
        if isinstance(answer, httpx.Response):
            return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)
        raise answer("scripted failure", request=request)


def call(
    flavour: str,
    handler: Callable[[httpx.Request], httpx.Response],
    clock: Clock,
    operation: Callable[[Any], Any],
    retry: RetryPolicy = RETRY,
    timeout: float = 30.0,
) -> Any:
    """``operation`` (``health``, say) on a client of ``flavour`` whose requests ``handler`` answers."""
    transport = httpx.MockTransport(handler)
    if flavour == "sync":
        with Client("http://pladvisor.test", timeout=timeout, retry=retry, transport=transport) as client:
            client._clock, client._sleep = clock, clock.sleep  # type: ignore[assignment]
            return operation(client)

    async def run() -> Any:
        async with AsyncClient("http://pladvisor.test", timeout=timeout, retry=retry, transport=transport) as client:
            client._clock, client._sleep = clock, clock.async_sleep  # type: ignore[assignment]
            return await operation(client)

    return asyncio.run(run())


def health(client: Any) -> Any:
    return client.health()


def refusal(status: int, retry_after: str | None = None) -> httpx.Response:
    headers = {"retry-after": retry_after} if retry_after is not None else {}
    body = {"type": "urn:pladvisor:problem:busy", "title": "Busy", "status": status, "detail": "try later"}
    return httpx.Response(status, json=body, headers=headers)


flavours = pytest.mark.parametrize("flavour", ["sync", "async"])


@flavours
@pytest.mark.parametrize("failure", [httpx.ConnectError, httpx.ReadTimeout, httpx.RemoteProtocolError])
def test_failures_to_connect_are_retried_then_raised_as_the_clients_own_error(
    flavour: str, failure: type[httpx.RequestError]
) -> None:
    clock = Clock()
    script = Script(failure)
    with pytest.raises(ServiceUnreachableError, match="after 4 attempts") as caught:
        call(flavour, script, clock, health)
    assert script.attempts == 4 and len(clock.waits) == 3
    assert isinstance(caught.value, pladvisor.errors.PladvisorError)
    assert not isinstance(caught.value, httpx.HTTPError)
    assert isinstance(caught.value.__cause__, failure)


@flavours
def test_a_call_that_gets_through_on_a_later_attempt_returns_its_answer(flavour: str) -> None:
    clock = Clock()
    script = Script(httpx.ConnectError, httpx.ConnectError, httpx.Response(200, json=HEALTH))
    assert call(flavour, script, clock, health) == HEALTH
    assert script.attempts == 3


@flavours
def test_a_request_httpx_cannot_send_is_not_retried(flavour: str) -> None:
    script = Script(httpx.UnsupportedProtocol)
    with pytest.raises(ServiceUnreachableError, match="after 1 attempt "):
        call(flavour, script, Clock(), health)
    assert script.attempts == 1


@flavours
@pytest.mark.parametrize("status", [429, 503])
def test_busy_answers_are_retried_after_the_wait_the_server_asks(flavour: str, status: int) -> None:
    clock = Clock()
    script = Script(refusal(status, "7"), refusal(status, "3"), httpx.Response(200, json=HEALTH))
    assert call(flavour, script, clock, health) == HEALTH
    assert script.attempts == 3
    assert clock.waits == [7.0, 3.0]


@flavours
def test_a_retry_after_of_an_hour_is_bounded(flavour: str) -> None:
    clock = Clock()
    script = Script(refusal(503, "3600"), httpx.Response(200, json=HEALTH))
    call(flavour, script, clock, health)
    assert clock.waits == [MAX_RETRY_AFTER]


@flavours
@pytest.mark.parametrize("status", [429, 503])
def test_busy_answers_to_the_last_attempt_are_raised_as_problems(flavour: str, status: int) -> None:
    script = Script(refusal(status, "1"))
    with pytest.raises(ProblemError) as caught:
        call(flavour, script, Clock(), health)
    assert script.attempts == 4
    assert caught.value.status_code == status and caught.value.problem.detail == "try later"


@flavours
@pytest.mark.parametrize("status", [400, 401, 404, 413, 422, 500, 502, 504])
def test_other_error_answers_are_never_retried(flavour: str, status: int) -> None:
    script = Script(refusal(status, "0"), httpx.Response(200, json=HEALTH))
    with pytest.raises(ProblemError):
        call(flavour, script, Clock(), health)
    assert script.attempts == 1


@flavours
def test_a_422_is_raised_with_its_problem_details_typed(flavour: str) -> None:
    problem = {
        "type": "urn:pladvisor:problem:invalid-body",
        "title": "Invalid request body",
        "status": 422,
        "detail": "Invalid or unknown fields: tools",
        "instance": None,
        "future_member": [1, 2],
        "errors": [{"field": "tools", "message": "Field required"}],
        "error_count": 1,
    }
    script = Script(httpx.Response(422, json=problem, headers={"content-type": "application/problem+json"}))
    with pytest.raises(ProblemError) as caught:
        call(flavour, script, Clock(), lambda client: client.assess({"definition": {}}))
    error = caught.value
    assert script.attempts == 1
    assert isinstance(error, PladvisorError) and PladvisorError is pladvisor.errors.PladvisorError
    assert error.status_code == 422
    assert (error.problem.type, error.problem.title, error.problem.status) == (
        "urn:pladvisor:problem:invalid-body",
        "Invalid request body",
        422,
    )
    assert error.problem.errors == (FieldError(field="tools", message="Field required"),)
    assert (error.problem.error_count, error.problem.limit) == (1, None)
    assert str(error) == "422 Invalid request body: Invalid or unknown fields: tools"


@flavours
@pytest.mark.parametrize(
    "body",
    [b"<html>Bad gateway</html>", b'"just a string"', b'{"status": "five hundred"}'],
    ids=["html", "string", "odd-types"],
)
def test_an_error_body_that_is_not_problem_details_still_reads(flavour: str, body: bytes) -> None:
    with pytest.raises(ProblemError) as caught:
        call(flavour, Script(httpx.Response(502, content=body)), Clock(), health)
    problem = caught.value.problem
    assert (problem.status, problem.title, problem.detail) == (502, "Bad Gateway", body.decode())
    assert problem.errors is None and problem.limit is None


@flavours
@pytest.mark.parametrize(
    ("operation", "expected"),
    [
        pytest.param(lambda client: client.assess({}), "an Assessment", id="assess"),
        pytest.param(lambda client: client.rule("r"), "a Rule", id="rule"),
        pytest.param(lambda client: client.districts(), "a list of DistrictOut", id="districts"),
        pytest.param(health, "a JSON object", id="health"),
    ],
)
def test_a_2xx_body_that_is_not_the_answer_says_what_was_expected(
    flavour: str, operation: Callable[[Any], Any], expected: str
) -> None:
    portal = Script(httpx.Response(200, json="Sign in to continue"))
    with pytest.raises(UnreadableAnswerError, match=f"^the answer is not {expected}: ") as caught:
        call(flavour, portal, Clock(), operation)
    assert isinstance(caught.value, PladvisorError)
    assert portal.attempts == 1


@flavours
def test_the_deadline_stops_retrying_before_the_attempts_run_out(flavour: str) -> None:
    clock = Clock()
    script = Script(refusal(503, "3"))
    with pytest.raises(ProblemError):
        call(flavour, script, clock, health, RetryPolicy(attempts=100, deadline=10.0))
    assert clock.waits == [3.0, 3.0, 3.0], "a fourth wait would end 12 s into a 10 s deadline"
    assert script.attempts == 4


@flavours
def test_the_deadline_counts_the_time_attempts_take(flavour: str) -> None:
    clock = Clock()
    script = Script(httpx.ReadTimeout, clock=clock, takes=4.0)
    with pytest.raises(ServiceUnreachableError):
        call(flavour, script, clock, health, RetryPolicy(attempts=100, initial=0.0, deadline=10.0))
    assert script.attempts == 3, "attempts end at 4 s, 8 s and 12 s; none starts after 10 s"


@flavours
def test_each_attempt_is_given_no_more_than_the_time_left_before_the_deadline(flavour: str) -> None:
    clock = Clock()
    script = Script(httpx.ReadTimeout, clock=clock, takes=4.0)
    with pytest.raises(ServiceUnreachableError):
        call(flavour, script, clock, health, RetryPolicy(attempts=100, initial=0.0, deadline=10.0), timeout=5.0)
    assert script.timeouts == [5.0, 5.0, 2.0], "attempts begin at 0 s, 4 s and 8 s of a 10 s deadline"


@flavours
def test_a_wait_longer_than_the_deadline_allows_is_not_begun(flavour: str) -> None:
    clock = Clock()
    script = Script(refusal(429, "30"))
    with pytest.raises(ProblemError):
        call(flavour, script, clock, health, RetryPolicy(deadline=10.0))
    assert script.attempts == 1 and clock.waits == []


@flavours
def test_waits_between_attempts_are_jittered_within_the_exponential_bound(flavour: str) -> None:
    retry = RetryPolicy(attempts=7, initial=1.0, maximum=8.0)
    runs = []
    for _ in range(40):
        clock = Clock()
        with pytest.raises(ServiceUnreachableError):
            call(flavour, Script(httpx.ConnectError), clock, health, retry)
        runs.append(clock.waits)
    bounds = [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    assert all(len(waits) == 6 for waits in runs)
    assert all(0.0 <= wait <= bound for waits in runs for wait, bound in zip(waits, bounds, strict=True))
    third = [waits[2] for waits in runs]
    assert min(third) < 1.0 and max(third) > 3.0, "full jitter spreads waits over the whole bound"
    assert len({tuple(waits) for waits in runs}) == len(runs), "no two clients wait alike"


def test_backoff_is_full_jitter_capped_at_the_maximum() -> None:
    retry = RetryPolicy(initial=0.5, maximum=4.0)
    for attempt, bound in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (5, 4.0), (2000, 4.0)]:
        waits = [retry.backoff(attempt) for _ in range(400)]
        assert all(0.0 <= wait <= bound for wait in waits)
        assert min(waits) < bound / 4 and max(waits) > bound * 3 / 4


@pytest.mark.parametrize("policy", [{"attempts": 0}, {"deadline": 0.0}, {"initial": -1.0}], ids=str)
def test_a_retry_policy_needs_an_attempt_and_time_for_it(policy: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="a retry policy needs"):
        RetryPolicy(**policy)


@flavours
def test_a_batch_over_the_servers_limit_is_sent_again_in_pieces_it_takes(flavour: str, base_url: str) -> None:
    sizes: list[int] = []

    def limited(request: httpx.Request) -> httpx.Response:
        """The service's own answers, behind a limit of three items a batch."""
        items = json.loads(request.content)
        sizes.append(len(items))
        if len(items) > 3:
            return httpx.Response(413, json={"title": "Batch too large", "status": 413, "limit": 3})
        return httpx.Response(200, content=httpx.post(f"{base_url}/v1/assessments/batch", json=items).content)

    profiles = [as_body(MATURE_SCHOOL, school_id=f"p{i}") for i in range(10)]
    profiles[4] = {"school_id": "broken"}

    def assess_many(client: Any) -> Any:
        if isinstance(client, Client):
            return list(client.assess_many(profiles, batch_size=8, concurrency=1))

        async def collect() -> list[Any]:
            return [item async for item in client.assess_many(profiles, batch_size=8, concurrency=1)]

        return collect()

    items = call(flavour, limited, Clock(), assess_many)
    assert sizes == [8, 3, 3, 2, 2]
    assert [item.index for item in items] == list(range(10))
    assert items[4].problem is not None and items[4].problem.index == 4
    assert [item.assessment.school_id for item in items if item.assessment] == [f"p{i}" for i in range(10) if i != 4]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param("3", 3.0, id="seconds"),
        pytest.param("-5", 0.0, id="negative"),
        pytest.param("soon", None, id="words"),
        pytest.param("nan", None, id="nan"),
        pytest.param("inf", None, id="infinite"),
        pytest.param("Wed, 99 Foo 2024 25:61:00 GMT", None, id="broken-date"),
        pytest.param("Wed, 21 Oct 2015 07:28:00 GMT", 0.0, id="date-in-the-past"),
    ],
)
def test_an_unreadable_retry_after_is_ignored_never_raised(header: str, expected: float | None) -> None:
    assert retry_after(httpx.Response(503, headers={"retry-after": header})) == expected
