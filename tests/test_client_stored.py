"""pladvisor.client on the storing routes, against the service in this process with its migrated test database."""

import asyncio
import pickle
from collections.abc import Callable, Iterator
from datetime import date

import httpx
import pytest
from litestar import Litestar
from litestar.testing import TestClient
from litestar.testing.transport import TestClientTransport as LitestarTransport

from pladvisor.client import (
    AsyncClient,
    Client,
    InvalidIdError,
    PladvisorError,
    ProblemError,
    RetryPolicy,
    ServiceUnreachableError,
)
from pladvisor.domain.fields import profile_from_answers
from pladvisor.domain.stored import Deleted, Lens

from .profiles import MATURE_SCHOOL, RUSHED_DISTRICT, as_body

BASE_URL = "http://testserver.local"
COMBINED = {
    "responses": [
        {"role": "leader", "answers": {"professional_development": {"timely": True}}},
        *({"role": "teacher", "answers": {"professional_development": {"timely": False}}} for _ in range(6)),
    ]
}


class InProcess(httpx.BaseTransport):
    """The app through Litestar's test transport, keeping the raw path (still quoted) of every request."""

    def __init__(self, test_client: TestClient[Litestar]) -> None:
        self.inner = LitestarTransport(test_client)
        self.paths: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.raw_path.decode())
        return self.inner.handle_request(request)


@pytest.fixture
def transport(client: TestClient[Litestar]) -> InProcess:
    return InProcess(client)


@pytest.fixture
def pladvisor(transport: InProcess) -> Iterator[Client]:
    with Client(BASE_URL, transport=transport) as pladvisor:
        yield pladvisor


def test_a_district_is_stored_assessed_over_time_planned_and_deleted(pladvisor: Client) -> None:
    district = pladvisor.create_district("North Valley")
    assert (district.name, district.schools) == ("North Valley", ())
    oak = pladvisor.add_school(district.id, "Oak", external_id="oak-7", need=12.5)
    assert (oak.district_id, oak.name, oak.external_id, oak.need, oak.assessments) == (
        district.id,
        "Oak",
        "oak-7",
        12.5,
        0,
    )
    rushed = profile_from_answers(RUSHED_DISTRICT)
    first = pladvisor.store_assessment(oak.id, date(2025, 9, 1), rushed)
    second = pladvisor.store_assessment(oak.id, date(2026, 9, 1), as_body(MATURE_SCHOOL))
    assert (first.school_id, first.assessed_on, first.kind) == (oak.id, date(2025, 9, 1), "single")
    assert first.assessment == pladvisor.assess(rushed), "stored, the answer is the stateless one"
    assert second.stage == second.assessment.readiness.stage != first.stage

    history = pladvisor.history(oak.id)
    assert history.school.assessments == 2
    assert [(a.id, a.assessed_on) for a in history.assessments] == [
        (first.id, date(2025, 9, 1)),
        (second.id, date(2026, 9, 1)),
    ]
    assert pladvisor.stored_assessment(oak.id, first.id) == first
    assert pladvisor.school(oak.id).assessments == 2

    now = next(r for r in first.assessment.recommendations if r.horizon == "now")
    progress = pladvisor.progress(oak.id)
    assert [point.assessment_id for point in progress.timeline] == [first.id, second.id]
    (step,) = progress.steps
    assert (step.assessment_from, step.assessment_to) == (first.id, second.id)
    assert now.rule_id in step.resolved

    action = pladvisor.adopt_action(oak.id, first.id, now.rule_id, owner="Ms Rivera", due_on=date(2025, 12, 1))
    assert (action.school_id, action.assessment_id, action.rule_id, action.title) == (
        oak.id,
        first.id,
        now.rule_id,
        now.title,
    )
    assert (action.owner, action.due_on, action.status) == ("Ms Rivera", date(2025, 12, 1), "open")
    changed = pladvisor.change_action(oak.id, action.id, status="done", owner="Mr Chen", due_on=date(2026, 1, 15))
    assert (changed.id, changed.status, changed.owner, changed.due_on) == (
        action.id,
        "done",
        "Mr Chen",
        date(2026, 1, 15),
    )
    assert pladvisor.change_action(oak.id, action.id).status == "done", "a change of nothing keeps every field"
    (listed,) = pladvisor.actions(oak.id)
    assert listed == changed
    assert (listed.rule_state, listed.checked_in, listed.overdue) == ("resolved", second.id, False)

    elm = pladvisor.add_school(district.id, "Elm", need=80.0)
    pladvisor.store_assessment(elm.id, date(2026, 9, 1), as_body(RUSHED_DISTRICT))
    fir = pladvisor.add_school(district.id, "Fir")
    assert (fir.external_id, fir.need) == (None, None)

    def waves(lens: Lens, capacity: int) -> list[list[str]]:
        rollout = pladvisor.rollout(district.id, lens=lens, capacity=capacity)
        assert (rollout.district_id, rollout.lens, rollout.capacity, rollout.not_assessed) == (
            district.id,
            lens,
            capacity,
            (fir.id,),
        )
        return [[placement.name for placement in wave.schools] for wave in rollout.waves]

    assert waves("readiness", 1) == [["Oak"], ["Elm"]], "the proof point first"
    assert waves("need", 1) == [["Elm"], ["Oak"]], "the greater need first"
    assert waves("need", 2) == [["Elm", "Oak"]]
    unset = pladvisor.rollout(district.id)
    assert (unset.lens, unset.capacity) == ("readiness", 1), "a third of the district's three schools"

    stored = pladvisor.district(district.id)
    assert {(school.name, school.assessments) for school in stored.schools} == {("Oak", 2), ("Elm", 1), ("Fir", 0)}
    assert stored in pladvisor.districts()

    assert pladvisor.delete_school(oak.id) == Deleted(school_id=oak.id, assessments_deleted=2)
    with pytest.raises(ProblemError) as caught:
        pladvisor.school(oak.id)
    assert caught.value.status_code == 404
    assert [school.name for school in pladvisor.district(district.id).schools] == ["Elm", "Fir"]


def test_the_async_client_stores_and_reads_progress(app: Litestar) -> None:
    async def journey() -> None:
        # Litestar types the ASGI messages more narrowly than httpx does: the same protocol.
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with AsyncClient(BASE_URL, transport=transport) as pladvisor:
            district = await pladvisor.create_district("South")
            school = await pladvisor.add_school(district.id, "Ash", need=40.0)
            single = await pladvisor.store_assessment(school.id, date(2025, 3, 1), as_body(RUSHED_DISTRICT))
            combined = await pladvisor.store_combined(school.id, date(2026, 3, 1), COMBINED)
            assert (single.kind, combined.kind) == ("single", "combined")
            assert combined.combined is not None
            assert combined.combined.perception_gaps[0].gap_id == "pd-timeliness-seen-differently"
            progress = await pladvisor.progress(school.id)
            assert progress.school.assessments == 2
            assert [(p.assessment_id, p.assessed_on) for p in progress.timeline] == [
                (single.id, date(2025, 3, 1)),
                (combined.id, date(2026, 3, 1)),
            ]
            assert (await pladvisor.stored_assessment(school.id, combined.id)) == combined

    asyncio.run(journey())


MISSING: dict[str, Callable[[Client, str], object]] = {
    "district": lambda c, unknown: c.district(unknown),
    "add_school": lambda c, unknown: c.add_school(unknown, "Oak"),
    "rollout": lambda c, unknown: c.rollout(unknown, lens="need"),
    "school": lambda c, unknown: c.school(unknown),
    "delete_school": lambda c, unknown: c.delete_school(unknown),
    "store_assessment": lambda c, unknown: c.store_assessment(unknown, date(2026, 1, 1), as_body(MATURE_SCHOOL)),
    "store_combined": lambda c, unknown: c.store_combined(unknown, date(2026, 1, 1), COMBINED),
    "history": lambda c, unknown: c.history(unknown),
    "stored_assessment": lambda c, unknown: c.stored_assessment(unknown, unknown),
    "progress": lambda c, unknown: c.progress(unknown),
    "adopt_action": lambda c, unknown: c.adopt_action(
        unknown, unknown, "buy-in-mandated", owner="A", due_on=date(2026, 1, 1)
    ),
    "actions": lambda c, unknown: c.actions(unknown),
    "change_action": lambda c, unknown: c.change_action(unknown, unknown, status="done"),
}


@pytest.mark.parametrize("method", MISSING)
def test_an_id_that_is_not_stored_raises_a_404_problem(pladvisor: Client, method: str) -> None:
    with pytest.raises(ProblemError) as caught:
        MISSING[method](pladvisor, "no-such-id")
    assert caught.value.status_code == 404 == caught.value.problem.status


@pytest.mark.parametrize(
    ("school_id", "quoted"),
    [("no?such", "no%3Fsuch"), ("no#such", "no%23such"), ("..", "%2E%2E"), (".", "%2E")],
)
def test_an_id_is_sent_as_one_quoted_path_segment(
    pladvisor: Client, transport: InProcess, school_id: str, quoted: str
) -> None:
    school = pladvisor.add_school(pladvisor.create_district("Quoting").id, "Oak")
    with pytest.raises(ProblemError) as caught:
        pladvisor.history(school_id)
    assert caught.value.status_code == 404
    with pytest.raises(ProblemError) as caught:
        pladvisor.stored_assessment(school.id, school_id)
    assert caught.value.status_code == 404
    assert transport.paths[-2:] == [
        f"/v1/schools/{quoted}/assessments",
        f"/v1/schools/{school.id}/assessments/{quoted}",
    ]


@pytest.mark.parametrize("method", MISSING)
def test_an_empty_id_or_one_holding_a_slash_is_refused_before_anything_is_sent(
    pladvisor: Client, transport: InProcess, method: str
) -> None:
    """The service routes on the decoded path: "{id}/assessments" would reach a school's history."""
    for unusable in ("", "abc/assessments"):
        with pytest.raises(InvalidIdError):
            MISSING[method](pladvisor, unusable)
    assert transport.paths == []


ONE_ID: dict[str, Callable[[Client, str], object]] = {
    "district_id": lambda c, unusable: c.rollout(unusable),
    "school_id": lambda c, unusable: c.history(unusable),
    "assessment_id": lambda c, unusable: c.stored_assessment("s", unusable),
    "action_id": lambda c, unusable: c.change_action("s", unusable, status="done"),
    "rule_id": lambda c, unusable: c.check_rule(unusable, as_body(MATURE_SCHOOL)),
}


@pytest.mark.parametrize("argument", ONE_ID)
def test_the_refusal_of_an_unusable_id_names_the_argument_and_is_a_pladvisor_error(
    pladvisor: Client, transport: InProcess, argument: str
) -> None:
    with pytest.raises(InvalidIdError) as empty:
        ONE_ID[argument](pladvisor, "")
    assert str(empty.value) == f"{argument} cannot be empty"
    with pytest.raises(InvalidIdError) as slashed:
        ONE_ID[argument](pladvisor, "abc/assessments")
    assert str(slashed.value) == f"{argument} cannot hold '/': 'abc/assessments'"
    assert isinstance(slashed.value, PladvisorError) and isinstance(slashed.value, ValueError)
    assert str(pickle.loads(pickle.dumps(slashed.value))) == str(slashed.value), "it crosses process pools"
    assert transport.paths == []


STORING: dict[str, Callable[[Client], object]] = {
    "create_district": lambda c: c.create_district("North"),
    "add_school": lambda c: c.add_school("d", "Oak"),
    "store_assessment": lambda c: c.store_assessment("s", date(2026, 1, 1), as_body(MATURE_SCHOOL)),
    "store_combined": lambda c: c.store_combined("s", date(2026, 1, 1), COMBINED),
    "adopt_action": lambda c: c.adopt_action("s", "a", "buy-in-mandated", owner="A", due_on=date(2026, 1, 1)),
}
RETRY = RetryPolicy(attempts=3, initial=0.0)


def failing(failure: type[httpx.RequestError], sent: list[str]) -> httpx.MockTransport:
    """Every request fails with ``failure``; ``sent`` counts the attempts."""

    def fail(request: httpx.Request) -> httpx.Response:
        sent.append(request.method)
        raise failure("scripted failure", request=request)

    return httpx.MockTransport(fail)


@pytest.mark.parametrize("call", STORING)
@pytest.mark.parametrize(
    ("failure", "attempts"),
    [(httpx.ReadTimeout, 1), (httpx.RemoteProtocolError, 1), (httpx.ConnectError, 3), (httpx.ConnectTimeout, 3)],
)
def test_a_call_that_stores_is_tried_again_only_when_the_request_never_left(
    call: str, failure: type[httpx.RequestError], attempts: int
) -> None:
    sent: list[str] = []
    with pytest.raises(ServiceUnreachableError), Client(BASE_URL, retry=RETRY, transport=failing(failure, sent)) as c:
        STORING[call](c)
    assert sent == ["POST"] * attempts


def test_the_async_client_does_not_store_twice_either() -> None:
    sent: list[str] = []

    async def store() -> None:
        async with AsyncClient(BASE_URL, retry=RETRY, transport=failing(httpx.ReadTimeout, sent)) as pladvisor:
            await pladvisor.store_assessment("s", date(2026, 1, 1), as_body(MATURE_SCHOOL))

    with pytest.raises(ServiceUnreachableError):
        asyncio.run(store())
    assert sent == ["POST"]


@pytest.mark.parametrize("read", ["history", "progress", "actions", "delete_school"])
def test_a_read_of_what_is_stored_is_tried_again_after_a_timeout(read: str) -> None:
    sent: list[str] = []
    with (
        pytest.raises(ServiceUnreachableError),
        Client(BASE_URL, retry=RETRY, transport=failing(httpx.ReadTimeout, sent)) as c,
    ):
        MISSING[read](c, "s")
    assert len(sent) == 3


def test_a_busy_answer_to_a_call_that_stores_is_tried_again(transport: InProcess) -> None:
    busy = {"type": "about:blank", "title": "Busy", "status": 503}
    answers = iter([httpx.Response(503, json=busy, headers={"retry-after": "0"})])

    def first_busy(request: httpx.Request) -> httpx.Response:
        return next(answers, None) or transport.handle_request(request)

    with Client(BASE_URL, transport=httpx.MockTransport(first_busy)) as pladvisor:
        assert pladvisor.create_district("Busy").name == "Busy"
    assert transport.paths == ["/v1/districts"]
