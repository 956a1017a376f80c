"""Clients that hold connections without finishing a request, or send too much head, against the real server.
Each connection the server cuts is counted by reason, and each problem it answers with by type."""

import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from .scrapes import sample
from .servers import running_server

DEADLINE = 1.0
CAP = 8


@pytest.fixture(scope="module")
def strict_server() -> Iterator[str]:
    with running_server(
        PLADVISOR_HEAD_TIMEOUT_SECONDS=str(DEADLINE),
        PLADVISOR_BODY_TIMEOUT_SECONDS=str(DEADLINE),
        PLADVISOR_MAX_CONNECTIONS=str(CAP),
    ) as url:
        yield url


def connect(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    return sock


def closed_within(sock: socket.socket, seconds: float) -> bytes:
    """What the server sent before closing, asserting it closed within ``seconds``."""
    started, received = time.monotonic(), b""
    sock.settimeout(seconds)
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        received += chunk
    assert time.monotonic() - started < seconds
    return received


def cuts(url: str, reason: str, problem: str | None = None) -> tuple[float, float]:
    scrape = httpx.get(f"{url}/metrics").text
    problems = sample(scrape, "pladvisor_problems_total", type=f"urn:pladvisor:problem:{problem}") if problem else 0
    return sample(scrape, "pladvisor_http_connections_cut_total", reason=reason), problems


def counted(url: str, before: tuple[float, float], reason: str, problem: str | None = None) -> bool:
    after = cuts(url, reason, problem)
    return (after[0] - before[0], after[1] - before[1]) == (1, 1 if problem else 0)


def test_a_connection_that_sends_nothing_is_closed_and_not_counted_as_a_request(strict_server: str) -> None:
    before = {reason: cuts(strict_server, reason) for reason in ("head-timeout", "body-timeout")}
    with connect(strict_server) as sock:
        assert closed_within(sock, DEADLINE + 3) == b""
    assert {reason: cuts(strict_server, reason) for reason in before} == before


def test_a_head_that_stalls_is_answered_408_and_closed(strict_server: str) -> None:
    before = cuts(strict_server, "head-timeout", "request-timeout")
    with connect(strict_server) as sock:
        sock.sendall(b"POST /v1/assessments HTTP/1.1\r\nHost: x\r\nContent-Ty")
        answer = closed_within(sock, DEADLINE + 3)
    assert answer.startswith(b"HTTP/1.1 408 ") and b"application/problem+json" in answer
    assert counted(strict_server, before, "head-timeout", "request-timeout")


def test_a_body_that_stalls_is_closed(strict_server: str) -> None:
    before = cuts(strict_server, "body-timeout")
    with connect(strict_server) as sock:
        sock.sendall(
            b"POST /v1/assessments HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Content-Length: 1000\r\n\r\n{"definition":'
        )
        closed_within(sock, DEADLINE + 3)
    assert counted(strict_server, before, "body-timeout")
    assert httpx.get(f"{strict_server}/health").status_code == 200


def test_an_oversized_head_is_refused_with_431(strict_server: str) -> None:
    before = cuts(strict_server, "head-too-large", "request-header-fields-too-large")
    with connect(strict_server) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"a" * 200_000 + b"\r\n\r\n")
        answer = closed_within(sock, DEADLINE + 3)
    assert answer.startswith(b"HTTP/1.1 431 ") and b"application/problem+json" in answer
    assert counted(strict_server, before, "head-too-large", "request-header-fields-too-large")


def test_past_the_connection_cap_clients_get_503_with_retry_after(strict_server: str) -> None:
    before = cuts(strict_server, "over-capacity", "service-unavailable")
    held = [connect(strict_server) for _ in range(CAP)]
    try:
        time.sleep(0.2)
        with connect(strict_server) as extra:
            answer = closed_within(extra, 5)
        assert answer.startswith(b"HTTP/1.1 503 ") and b"retry-after: 1" in answer.lower()
    finally:
        for sock in held:
            sock.close()
    time.sleep(0.2)
    assert counted(strict_server, before, "over-capacity", "service-unavailable")


def test_a_client_that_keeps_up_is_not_cut_off(strict_server: str) -> None:
    with httpx.Client() as client:
        for _ in range(3):
            assert client.get(f"{strict_server}/health").status_code == 200
            time.sleep(DEADLINE * 1.5)
