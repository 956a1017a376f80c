"""Clients that hold connections without finishing a request, or send too much head, against the real server."""

import socket
import time
from collections.abc import Iterator

import httpx
import pytest

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


@pytest.mark.parametrize(
    "sent",
    [
        pytest.param(b"", id="nothing"),
        pytest.param(b"POST /v1/assessments HTTP/1.1\r\nHost: x\r\nContent-Ty", id="half-a-head"),
        pytest.param(
            b"POST /v1/assessments HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Content-Length: 1000\r\n\r\n{"definition":',
            id="half-a-body",
        ),
    ],
)
def test_a_connection_that_stalls_is_closed(strict_server: str, sent: bytes) -> None:
    with connect(strict_server) as sock:
        sock.sendall(sent)
        closed_within(sock, DEADLINE + 3)
    assert httpx.get(f"{strict_server}/health").status_code == 200


def test_an_oversized_head_is_refused_with_431(strict_server: str) -> None:
    with connect(strict_server) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"a" * 200_000 + b"\r\n\r\n")
        answer = closed_within(sock, DEADLINE + 3)
    assert answer.startswith(b"HTTP/1.1 431 ") and b"application/problem+json" in answer
    assert httpx.get(f"{strict_server}/health").status_code == 200


def test_past_the_connection_cap_clients_get_503_with_retry_after(strict_server: str) -> None:
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
    assert httpx.get(f"{strict_server}/health").status_code == 200


def test_a_client_that_keeps_up_is_not_cut_off(strict_server: str) -> None:
    with httpx.Client() as client:
        for _ in range(3):
            assert client.get(f"{strict_server}/health").status_code == 200
            time.sleep(DEADLINE * 1.5)
