"""pladvisor.client against the real service process."""

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from pladvisor.client import AsyncClient, Client, PladvisorError, _retry_after
from pladvisor.domain.fields import profile_from_answers

from .profiles import MATURE_SCHOOL, RUSHED_DISTRICT, as_body


def test_assess_returns_the_projects_model(base_url: str) -> None:
    with Client(base_url) as client:
        assessment = client.assess(profile_from_answers(RUSHED_DISTRICT, school_id="c-1"))
        assert assessment.school_id == "c-1"
        assert assessment.recommendations[0].horizon == "now"
        assert client.rule("buy-in-mandated").priority == "critical"
        assert client.rules().version == client.health()["catalog_version"]


def test_server_problems_surface_as_exceptions(base_url: str) -> None:
    with Client(base_url) as client:
        with pytest.raises(PladvisorError) as caught:
            client.assess({"definition": {}})
        assert caught.value.status_code == 422
        assert {e["field"] for e in caught.value.problem["errors"]} >= {"tools", "buy_in"}
        with pytest.raises(PladvisorError, match="404"):
            client.rule("no-such-rule")


def test_assess_many_chunks_and_keeps_input_order(base_url: str) -> None:
    profiles = [as_body(RUSHED_DISTRICT if i % 3 else MATURE_SCHOOL, school_id=f"s{i}") for i in range(23)]
    profiles[5] = {"school_id": "broken"}
    with Client(base_url) as client:
        items = list(client.assess_many(profiles, batch_size=4, concurrency=3))
    assert [item.index for item in items] == list(range(23))
    assert items[5].status == "invalid" and items[5].problem is not None
    assert (items[5].problem.index, items[5].problem.school_id) == (5, "broken")
    assert [item.assessment.school_id for item in items if item.assessment] == [
        f"s{i}" for i in range(23) if i != 5
    ]


def test_async_client_assess_many_keeps_input_order(base_url: str) -> None:
    profiles = [as_body(MATURE_SCHOOL, school_id=f"a{i}") for i in range(11)]

    async def collect() -> list[str | None]:
        async with AsyncClient(base_url) as client:
            assert (await client.assess(profiles[0])).school_id == "a0"
            return [item.assessment.school_id async for item in client.assess_many(profiles, batch_size=3)
                    if item.assessment]

    assert asyncio.run(collect()) == [f"a{i}" for i in range(11)]


class FlakyProxy(BaseHTTPRequestHandler):
    """Answers the first request of each path with 503 and Retry-After, then forwards to the service."""

    upstream = ""
    failed: set[str] = set()
    seen: list[int] = []

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
    server = ThreadingHTTPServer(("127.0.0.1", 0), FlakyProxy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_client_retries_after_a_503(flaky_url: str) -> None:
    with Client(flaky_url, backoff=0.01) as client:
        assert client.assess(as_body(MATURE_SCHOOL, school_id="retry")).school_id == "retry"
    assert FlakyProxy.seen == [503, 200]


def test_client_gives_up_after_its_retries(flaky_url: str) -> None:
    with Client(flaky_url, retries=0) as client, pytest.raises(PladvisorError) as caught:
        client.assess(as_body({}))
    assert caught.value.status_code == 503


def test_client_retries_connection_errors_then_raises() -> None:
    with Client("http://127.0.0.1:9", retries=2, backoff=0.01) as client, pytest.raises(httpx.ConnectError):
        client.health()


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
    assert _retry_after(httpx.Response(503, headers={"retry-after": header})) == expected
