"""Starting the real service process for tests, on a free 127.0.0.1 port."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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


def _postgres_binaries() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


@contextmanager
def postgres_server() -> Iterator[str]:
    """A throwaway PostgreSQL server from Debian's packages (`make test` installs them) in a temporary directory,
    on a free 127.0.0.1 port, run as an unprivileged user (PostgreSQL refuses root), without durability (fsync
    off): its data lives only as long as the test run. Yields the SQLAlchemy URL of its ``postgres`` database.

    The directory is made under the system's temporary directory, not pytest's: pytest's is readable by its
    owner only, so the unprivileged server could not reach it."""
    binaries = _postgres_binaries()
    if binaries is None:
        import pytest

        pytest.skip("PostgreSQL is not installed: `make test` installs it (Debian's postgresql)")
    import shutil
    import tempfile

    directory = Path(tempfile.mkdtemp(prefix="pladvisor-postgres-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        import pwd

        nobody = pwd.getpwnam("nobody")
        os.chmod(directory, 0o755)
        os.chown(directory, nobody.pw_uid, nobody.pw_gid)
        as_user = ["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}", "--clear-groups", "--"]
    data, port = directory / "data", free_port()

    def run(*command: str) -> None:
        subprocess.run([*as_user, *command], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, check=True)

    run(str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust")
    options = f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
    run(str(binaries / "pg_ctl"), "-D", str(data), "-l", str(directory / "log"), "-o", options, "-w", "start")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        run(str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def handler_server(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A standard-library HTTP server for ``handler`` on a free 127.0.0.1 port, in a thread: a stand-in for
    another service (a portal, a proxy) that a test needs beside the real one."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
