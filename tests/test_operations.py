"""Operating the service: Prometheus metrics, JSON log lines from every logger, and a bounded drain on SIGTERM."""

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from litestar import Litestar
from litestar.testing import TestClient

from pladvisor.advice.advisor import Advisor
from pladvisor.advice.answers import fact_of
from pladvisor.api.app import create_app
from pladvisor.api.metrics import fired_rules, record_assessment, record_batch_item
from pladvisor.config import Settings
from pladvisor.domain.assessment import Assessment
from pladvisor.domain.batch import ItemProblem
from pladvisor.domain.profile import SchoolProfile
from pladvisor.engine.evaluator import RuleEvaluator

from .profiles import MATURE_SCHOOL, RUSHED_DISTRICT, as_body
from .scrapes import sample
from .servers import PLADVISOR, free_port, running_server, wait_until_healthy
from .strategies import profiles

KEY = "operations-key-0123456789"
CONTRADICTORY = json.loads((Path(__file__).parents[1] / "examples" / "profiles" / "contradictory.json").read_text())


def test_requests_are_counted_by_route_template_and_status_404s_under_one_label(client: TestClient[Litestar]) -> None:
    def counts() -> tuple[float, ...]:
        scrape = client.get("/metrics").text
        return (
            sample(scrape, "pladvisor_http_requests_total", method="POST", route="/v1/assessments", status="200"),
            sample(scrape, "pladvisor_http_requests_total", method="GET", route="/v1/rules/{rule_id}", status="404"),
            sample(scrape, "pladvisor_http_requests_total", method="GET", route="unmatched", status="404"),
            sample(scrape, "pladvisor_http_request_duration_seconds_count", method="POST", route="/v1/assessments"),
        )

    before = counts()
    client.post("/v1/assessments", json=as_body(RUSHED_DISTRICT))
    client.post("/v1/assessments", json=as_body(MATURE_SCHOOL))
    client.get("/v1/rules/no-such-rule")
    for _ in range(3):
        client.get(f"/made-up/{uuid.uuid4().hex}")
    after = counts()
    assert [a - b for a, b in zip(after, before, strict=True)] == [2, 1, 3, 2]
    assert "made-up" not in client.get("/metrics").text, "a path no route took never becomes a label"


def test_problem_answers_are_counted_by_their_type(advisor: Advisor) -> None:
    with TestClient(create_app(advisor, Settings(api_keys=[KEY]))) as client:

        def count(kind: str) -> float:
            scrape = client.get("/metrics").text
            return sample(scrape, "pladvisor_problems_total", type=f"urn:pladvisor:problem:{kind}")

        before = {kind: count(kind) for kind in ("invalid-body", "unauthorized", "not-found")}
        keyed = {"x-api-key": KEY}
        client.post("/v1/assessments", json={"definition": {"written": "yes"}}, headers=keyed)
        client.post("/v1/assessments", json=as_body(RUSHED_DISTRICT))
        client.get("/v1/rules/no-such-rule", headers=keyed)
        client.get("/nowhere", headers=keyed)
        assert {kind: count(kind) - before[kind] for kind in before} == {
            "invalid-body": 1,
            "unauthorized": 1,
            "not-found": 2,
        }


def test_metrics_need_no_key_escape_rate_limits_and_stay_out_of_the_api_description(advisor: Advisor) -> None:
    with TestClient(create_app(advisor, Settings(api_keys=[KEY], rate_limit_per_minute=1))) as client:
        scrapes = [client.get("/metrics") for _ in range(3)]
        assert [r.status_code for r in scrapes] == [200, 200, 200]
        assert scrapes[0].headers["content-type"].startswith("text/plain; version=")
        assert "/metrics" not in client.get("/schema/openapi.json").json()["paths"]


def application_counts(client: TestClient[Litestar]) -> tuple[float, ...]:
    """Assessments, rules fired, and batch items ok and invalid, as a scrape shows them now."""
    scrape = client.get("/metrics").text
    return (
        sample(scrape, "pladvisor_assessments_total"),
        sample(scrape, "pladvisor_rules_fired_total"),
        sample(scrape, "pladvisor_batch_items_total", outcome="ok"),
        sample(scrape, "pladvisor_batch_items_total", outcome="invalid"),
    )


def test_assessments_rules_fired_and_batch_items_are_counted(client: TestClient[Litestar], advisor: Advisor) -> None:
    def fired(answers: Mapping[str, object]) -> set[str]:
        return fired_rules(advisor.assess(SchoolProfile.model_validate(as_body(answers), strict=True)))

    rushed, mature = len(fired(RUSHED_DISTRICT)), len(fired(MATURE_SCHOOL))

    before = application_counts(client)
    client.post("/v1/assessments", json=as_body(RUSHED_DISTRICT))
    client.post("/v1/assessments/batch", json=[as_body(RUSHED_DISTRICT), as_body(MATURE_SCHOOL), {"tools": 3}])
    after = application_counts(client)
    assert [a - b for a, b in zip(after, before, strict=True)] == [3, 2 * rushed + mature, 2, 1]


def test_recorded_batch_items_and_assessments_show_in_the_scrape(
    client: TestClient[Litestar], advisor: Advisor
) -> None:
    assessment = advisor.assess(SchoolProfile.model_validate(as_body(RUSHED_DISTRICT), strict=True))
    fired = len(fired_rules(assessment))

    before = application_counts(client)
    record_batch_item(assessment)
    record_batch_item(ItemProblem(index=1, school_id=None, errors=(), error_count=1))
    after = application_counts(client)
    assert [a - b for a, b in zip(after, before, strict=True)] == [1, fired, 1, 1]


def test_recording_an_assessment_keeps_no_reference_to_it(advisor: Advisor) -> None:
    """Every school assessed is counted; none may be held afterwards, or a server's memory grows with each."""
    assessment = advisor.assess(SchoolProfile.model_validate(as_body(RUSHED_DISTRICT), strict=True))
    held = sys.getrefcount(assessment)
    record_assessment(assessment)
    record_batch_item(assessment)
    assert sys.getrefcount(assessment) == held


@pytest.fixture(scope="module")
def engine(advisor: Advisor) -> RuleEvaluator:
    """A second ruleset compiled from the advisor's catalog: what the engine itself says fired."""
    return RuleEvaluator(advisor.catalog)


def fired_by_engine(
    advisor: Advisor, engine: RuleEvaluator, profile: SchoolProfile, assessment: Assessment
) -> set[str]:
    """What the engine fires on the answers the advisor used (an implied answer filled in), less the strengths
    resting on an implied answer, which are never claimed."""
    fact = fact_of(profile)
    implied = {e.field for e in assessment.answers_inferred}
    for evidence in assessment.answers_inferred:
        area, _, name = evidence.field.partition(".")
        fact.setdefault(area, {})[name] = evidence.value
    catalog = advisor.catalog
    return {
        rule_id
        for rule_id in engine.fired(fact)
        if not (catalog.by_id[rule_id].rule.kind == "strength" and implied & set(catalog.by_id[rule_id].paths))
    }


@settings(max_examples=150, deadline=None)
@given(profile=profiles())
def test_the_rules_counted_as_fired_are_those_the_engine_fired(
    advisor: Advisor, engine: RuleEvaluator, profile: SchoolProfile
) -> None:
    assessment = advisor.assess(profile)
    assert fired_rules(assessment) == fired_by_engine(advisor, engine, profile, assessment)


def test_the_rules_counted_as_fired_include_those_contradictory_answers_withheld(
    advisor: Advisor, engine: RuleEvaluator
) -> None:
    profile = SchoolProfile.model_validate(CONTRADICTORY, strict=True)
    assessment = advisor.assess(profile)
    assert any(check.withheld for check in assessment.check_answers), "the example withholds advice"
    assert fired_rules(assessment) == fired_by_engine(advisor, engine, profile, assessment)


def test_sigterm_makes_readiness_fail_at_once_then_hands_over_to_the_servers_handler(
    advisor: Advisor, app: Litestar
) -> None:
    app = create_app(advisor, app.state.settings)  # a new application on the shared database, which is set up
    server_told: list[int] = []

    async def serve(app: Litestar) -> tuple[int, int]:
        # In the main thread, as under uvicorn, whose handler is installed before the application starts.
        # A Litestar app is an ASGI app, but its TypedDict scopes and events do not match httpx's MutableMapping
        # signature for one (encode/httpx#3111).
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with app.lifespan(), httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            before = (await client.get("/health/ready")).status_code
            signal.raise_signal(signal.SIGTERM)
            return before, (await client.get("/health/ready")).status_code

    previous = signal.signal(signal.SIGTERM, lambda signum, _: server_told.append(signum))  # as uvicorn's
    try:
        assert asyncio.run(serve(app)) == (200, 503)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert server_told == [signal.SIGTERM]


def not_ready(answer: httpx.Response) -> str:
    """The reason a 503 readiness answer gives, having checked that it is a problem a probe can act on."""
    assert answer.status_code == 503 and answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["retry-after"] == "1"
    problem = answer.json()
    assert problem["type"] == "urn:pladvisor:problem:not-ready"
    return str(problem["detail"])


def test_readiness_waits_for_the_database_to_be_set_up_and_fails_on_one_newer_than_it_knows(tmp_path: Path) -> None:
    database = tmp_path / "store.db"
    url = f"sqlite:///{database}"
    with running_server(PLADVISOR_DATABASE_URL=url, PLADVISOR_API_KEYS=KEY) as served_at:
        ready = f"{served_at}/health/ready"
        assert not_ready(httpx.get(ready)) == "Not ready: the database is not set up: run `pladvisor db upgrade`."
        assert not database.exists(), "asking leaves no empty database behind"
        empty = sa.create_engine(url)
        with empty.connect() as connection:
            connection.execute(sa.text("CREATE TABLE unrelated (id INTEGER)"))
            connection.commit()
        assert "not set up at this version's schema (empty, wanted" in not_ready(httpx.get(ready))
        assert httpx.head(ready).status_code == 503

        subprocess.run([str(PLADVISOR), "db", "upgrade"], env={**os.environ, "PLADVISOR_DATABASE_URL": url}, check=True)
        assert httpx.get(ready).json()["status"] == "ready", "ready once set up, without a restart"
        assert httpx.head(ready).status_code == 200
        headers = {"X-API-Key": KEY}
        assert httpx.post(f"{served_at}/v1/districts", json={"name": "North"}, headers=headers).status_code == 201

        with empty.connect() as connection:
            connection.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
            connection.commit()
        assert "revision 9999, which this version of pladvisor does not know" in not_ready(httpx.get(ready))
        empty.dispose()


def test_readiness_fails_while_the_database_does_not_answer(advisor: Advisor) -> None:
    nobody_listens = f"postgresql+psycopg://pladvisor@127.0.0.1:{free_port()}/pladvisor"
    with TestClient(create_app(advisor, Settings(database_url=nobody_listens))) as client:
        assert not_ready(client.get("/health/ready")) == "Not ready: the database does not answer."
        assert client.get("/health/live").status_code == 200, "alive, though it cannot store"


@contextmanager
def served(log: Path, *arguments: str, **env: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`pladvisor serve` on a free port, its log lines written to ``log``; killed if a test leaves it running."""
    port = free_port()
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(PLADVISOR), "serve", "--port", str(port), *arguments],
            stderr=sink,
            env={**os.environ, "PLADVISOR_LOG_LEVEL": "info", **env},
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process)
        yield url, process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0


def test_served_log_lines_are_json_uvicorns_own_and_the_access_line_included(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    with served(log) as (url, process):
        httpx.get(f"{url}/v1/rules", headers={"x-request-id": "log-check"})
        stop(process)
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert all({"time", "level", "request_id", "logger", "event"} <= line.keys() for line in lines)
    uvicorns = [line["event"] for line in lines if line["logger"] == "uvicorn.error"]
    assert "Application startup complete." in uvicorns and any(e.startswith("Uvicorn running on") for e in uvicorns)
    assert any(e.startswith("Finished server process") for e in uvicorns)
    (access,) = [line for line in lines if line["request_id"] == "log-check"]
    assert access | {"time": None, "duration_ms": None} == {
        "logger": "pladvisor.access",
        "level": "info",
        "event": "request",
        "request_id": "log-check",
        "method": "GET",
        "path": "/v1/rules",
        "status": 200,
        "client": "127.0.0.1",
        "time": None,
        "duration_ms": None,
    }
    assert access["duration_ms"] >= 0


def _half_sent_assessment(url: str) -> tuple[socket.socket, bytes]:
    """A request whose head and half its body have been sent; returns the socket and the rest of the body."""
    body = json.dumps(as_body(RUSHED_DISTRICT, school_id="late")).encode()
    head = (
        f"POST /v1/assessments HTTP/1.1\r\nhost: test\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\n\r\n".encode()
    )
    connection = socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), timeout=30)
    connection.sendall(head + body[: len(body) // 2])
    return connection, body[len(body) // 2 :]


def _answer(connection: socket.socket) -> bytes:
    """Everything the server sent until it closed the connection."""
    received = b""
    try:
        while chunk := connection.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass
    return received


def _listening(url: str) -> bool:
    try:
        socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), timeout=1).close()
    except OSError:
        return False
    return True


def test_sigterm_answers_requests_in_flight_and_exits_once_the_drain_bound_is_over(tmp_path: Path) -> None:
    drain = 3
    with served(tmp_path / "server.log", PLADVISOR_DRAIN_SECONDS=str(drain)) as (url, process):
        finishing, rest = _half_sent_assessment(url)
        stalled, _ = _half_sent_assessment(url)
        with finishing, stalled:
            # The server has both once the application is serving them (a scrape counts itself).
            deadline = time.monotonic() + 15
            while sample(httpx.get(f"{url}/metrics").text, "pladvisor_http_requests_in_progress") < 3:
                assert time.monotonic() < deadline, "the server never took both requests"
                time.sleep(0.05)
            signalled = time.monotonic()
            process.send_signal(signal.SIGTERM)
            while _listening(url):  # shutdown has begun once new connections are refused
                assert time.monotonic() < signalled + 10, "the server kept taking connections after SIGTERM"
                time.sleep(0.05)
            finishing.sendall(rest)
            answer = _answer(finishing)
            assert process.wait(timeout=drain + 15) == 0
            took = time.monotonic() - signalled
            cut_off = _answer(stalled)
    status, _, body = answer.partition(b"\r\n\r\n")
    assert status.startswith(b"HTTP/1.1 200 ") and json.loads(body)["school_id"] == "late"
    head, _, body = cut_off.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 503 "), "a request still incomplete at the bound is not served"
    assert b"content-type: application/problem+json" in head and b"retry-after: 1" in head
    assert json.loads(body)["type"] == "urn:pladvisor:problem:shutting-down"
    assert drain - 0.5 < took < drain + 8, f"exited {took:.1f} s after SIGTERM with a {drain} s drain bound"


def test_a_request_cut_by_the_drain_is_answered_as_a_problem_and_counted(client: TestClient[Litestar]) -> None:
    """What uvicorn does when the drain bound is over: it cancels the request's task. Here the request waits for
    a body that never comes, as a slow client's would."""
    route = {"method": "POST", "route": "/v1/assessments"}

    def counts() -> tuple[float, float, float]:
        scrape = client.get("/metrics").text
        return (
            sample(scrape, "pladvisor_http_requests_total", **route, status="503"),
            sample(scrape, "pladvisor_problems_total", type="urn:pladvisor:problem:shutting-down"),
            sample(scrape, "pladvisor_http_requests_in_progress"),
        )

    before = counts()
    sent: list[Mapping[str, object]] = []

    async def cut() -> None:
        waiting, never = asyncio.Event(), asyncio.Event()

        async def receive() -> dict[str, object]:
            waiting.set()
            await never.wait()
            raise AssertionError("unreachable")

        async def send(message: Mapping[str, object]) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/v1/assessments",
            "raw_path": b"/v1/assessments",
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"test"), (b"content-type", b"application/json"), (b"content-length", b"900")],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
            "state": {},
        }
        task = asyncio.create_task(client.app(scope, receive, send))
        await waiting.wait()
        task.cancel("Task cancelled, timeout graceful shutdown exceeded")
        await task

    asyncio.run(cut())
    start, body = sent
    assert start["status"] == 503
    headers = dict(start["headers"])  # type: ignore[call-overload]
    assert headers[b"content-type"] == b"application/problem+json" and headers[b"retry-after"] == b"1"
    assert json.loads(body["body"])["detail"] == (  # type: ignore[arg-type]
        "The server stopped before this request was complete; send it again."
    )
    after = counts()
    assert (after[0] - before[0], after[1] - before[1]) == (1, 1)
    assert after[2] == before[2], "the request is no longer counted as in progress"


def workers_of(supervisor: subprocess.Popen[bytes], count: int) -> list[int]:
    """The worker processes ``serve --workers`` started, once there are ``count`` of them (its other child,
    multiprocessing's resource tracker, is no worker)."""
    deadline = time.monotonic() + 30
    while True:
        children = Path(f"/proc/{supervisor.pid}/task/{supervisor.pid}/children").read_text().split()
        workers = [int(pid) for pid in children if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()]
        if len(workers) == count:
            return workers
        assert time.monotonic() < deadline, f"{len(workers)} workers, not {count}"
        time.sleep(0.1)


def gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state == "Z"  # exited, not yet reaped by whoever adopted it


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="finds the worker processes through /proc")
def test_workers_drain_and_exit_when_their_supervisor_is_killed_leaving_the_port_free(tmp_path: Path) -> None:
    with served(tmp_path / "server.log", "--workers", "2", PLADVISOR_DRAIN_SECONDS="2") as (url, process):
        workers = workers_of(process, 2)
        process.kill()
        process.wait()
        deadline = time.monotonic() + 15
        try:
            while not all(gone(pid) for pid in workers):
                assert time.monotonic() < deadline, "orphaned workers kept serving"
                time.sleep(0.1)
        finally:
            for pid in workers:
                if not gone(pid):
                    os.kill(pid, signal.SIGKILL)
        port = int(url.rsplit(":", 1)[1])
        with socket.socket() as rebound:
            rebound.bind(("127.0.0.1", port))  # a new supervisor can take the port
    lines = (tmp_path / "server.log").read_text()
    assert lines.count("is gone: this worker drains and exits") == 2


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="finds the worker processes through /proc")
def test_the_in_progress_gauge_forgets_requests_of_a_worker_that_was_killed(tmp_path: Path) -> None:
    with served(tmp_path / "server.log", "--workers", "2", PLADVISOR_LOG_LEVEL="warning") as (url, process):
        stalled, _ = _half_sent_assessment(url)
        with stalled:
            deadline = time.monotonic() + 15
            while sample(httpx.get(f"{url}/metrics").text, "pladvisor_http_requests_in_progress") < 2:
                assert time.monotonic() < deadline, "the server never took the request"
                time.sleep(0.05)
            for pid in workers_of(process, 2):
                os.kill(pid, signal.SIGKILL)
            wait_until_healthy(url, process)  # the supervisor has started new workers
            assert sample(httpx.get(f"{url}/metrics").text, "pladvisor_http_requests_in_progress") == 1
        stop(process)


def test_several_workers_add_up_their_metrics_in_a_directory_removed_after(tmp_path: Path) -> None:
    with served(tmp_path / "server.log", "--workers", "2", PLADVISOR_LOG_LEVEL="warning", TMPDIR=str(tmp_path)) as (
        url,
        process,
    ):
        (directory,) = tmp_path.glob("pladvisor-metrics-*")
        for _ in range(12):  # a new connection each, so that both processes take some
            assert httpx.get(f"{url}/v1/rules").status_code == 200
        scrapes = [httpx.get(f"{url}/metrics").text for _ in range(6)]
        writers = {path.stem.rsplit("_", 1)[1] for path in directory.glob("*.db")}
        stop(process)
    assert len(writers) == 2, "each worker process keeps its values in the shared directory"
    assert {
        sample(s, "pladvisor_http_requests_total", method="GET", route="/v1/rules", status="200") for s in scrapes
    } == {12}, "whichever process answers a scrape, it adds up both"
    assert not list(tmp_path.glob("pladvisor-metrics-*"))
