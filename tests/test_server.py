"""The real service process: started the way `make run` starts it, called over HTTP with httpx."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .profiles import MATURE_SCHOOL, RUSHED_DISTRICT, as_body

PLADVISOR = Path(sys.executable).with_name("pladvisor")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "PLADVISOR_LOG_LEVEL": "warning"}
    process = subprocess.Popen([str(PLADVISOR), "serve", "--port", str(port)], env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, "server exited during start-up"
            assert time.monotonic() < deadline, "server did not start within 30 s"
            time.sleep(0.1)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0


def test_real_server_answers_an_assessment(base_url: str) -> None:
    response = httpx.post(f"{base_url}/v1/assessments", json=as_body(RUSHED_DISTRICT, school_id="real"))
    assert response.status_code == 200
    assert response.json()["school_id"] == "real"
    assert response.json()["recommendations"][0]["horizon"] == "now"


def test_real_server_keeps_concurrent_answers_apart(base_url: str) -> None:
    bodies = [as_body(RUSHED_DISTRICT if i % 2 else MATURE_SCHOOL, school_id=f"s{i}") for i in range(200)]

    async def run() -> list[dict]:
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
            responses = await asyncio.gather(*(client.post("/v1/assessments", json=b) for b in bodies))
        return [r.json() for r in responses]

    answers = asyncio.run(run())
    expected = {
        True: httpx.post(f"{base_url}/v1/assessments", json=as_body(RUSHED_DISTRICT)).json()["recommendations"],
        False: httpx.post(f"{base_url}/v1/assessments", json=as_body(MATURE_SCHOOL)).json()["recommendations"],
    }
    for i, answer in enumerate(answers):
        assert answer["school_id"] == f"s{i}"
        assert answer["recommendations"] == expected[bool(i % 2)]
