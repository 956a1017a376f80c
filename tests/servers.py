"""Starting the real service process for tests, on a free 127.0.0.1 port."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

PLADVISOR = Path(sys.executable).with_name("pladvisor")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert process.poll() is None, "server exited during start-up"
        assert time.monotonic() < deadline, f"server did not start within {timeout} s"
        time.sleep(0.1)


@contextmanager
def running_server(**env: str) -> Iterator[str]:
    """`pladvisor serve` as `make run` starts it; stopped with SIGTERM, which must end it cleanly."""
    port = free_port()
    process = subprocess.Popen(
        [str(PLADVISOR), "serve", "--port", str(port)], env={**os.environ, "PLADVISOR_LOG_LEVEL": "warning", **env}
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0


REDIS_SERVER = Path("/usr/bin/redis-server")


@contextmanager
def redis_server(directory: Path) -> Iterator[str]:
    """A throwaway redis-server on a free 127.0.0.1 port, nothing written to disk (`make test` installs it)."""
    if not REDIS_SERVER.exists():
        import pytest

        pytest.skip("redis-server is not installed: `make test` installs it as root (apt-get install redis-server)")
    port = free_port()
    process = subprocess.Popen(
        [
            str(REDIS_SERVER),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(directory),
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as probe:
                    probe.sendall(b"PING\r\n")
                    if probe.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=15)
