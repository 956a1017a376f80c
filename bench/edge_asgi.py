"""One factory of bench/edge_app.py (or echo's) driven through its ASGI entry point in this process, no socket.

    python bench/edge_asgi.py FACTORY PATH BODIES

It starts the application, sends every body once as a warm-up and prints ``ready``; then for each line
read from stdin it sends every body again, one request after another, and prints the CPU ms per
request of that round (all the process's threads: Litestar runs sync callables in a thread pool).
Section 13 keeps one such process per row, since each factory changes the modules it loads, and asks
them for rounds in turn, so that the rows share whatever the machine's load does meanwhile.

Over HTTP, a server's CPU per request grows when other processes take the cores: it gets fewer requests
per turn of its event loop, so each costs it more system calls. Called directly, the application's own
work is what is timed; what it leaves out is the protocol and the sockets, which the HTTP rows keep.
"""

from __future__ import annotations

import asyncio
import importlib
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

READY = "ready"


class Driver:
    """The application after its start-up (the heap frozen by it, as in the server)."""

    def __init__(self, app: Any, path: str) -> None:
        self._app = app
        self._path = path
        self._inbox: asyncio.Queue[dict[str, str]] = asyncio.Queue()
        self._outbox: asyncio.Queue[dict[str, str]] = asyncio.Queue()
        self._lifespan: asyncio.Task[None] | None = None

    async def start(self) -> None:
        async def send(message: dict[str, str]) -> None:
            await self._outbox.put(message)

        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
        self._lifespan = asyncio.create_task(self._app(scope, self._inbox.get, send))
        await self._inbox.put({"type": "lifespan.startup"})
        started = await self._outbox.get()
        if started["type"] != "lifespan.startup.complete":
            raise RuntimeError(f"the application did not start: {started}")

    async def stop(self) -> None:
        await self._inbox.put({"type": "lifespan.shutdown"})
        if self._lifespan is not None:
            await self._lifespan

    async def send_all(self, bodies: Sequence[bytes]) -> None:
        for body in bodies:
            await self._one(body)

    async def _one(self, body: bytes) -> None:
        status: list[int] = []
        read = False

        async def receive() -> dict[str, Any]:
            nonlocal read
            if read:
                return {"type": "http.disconnect"}
            read = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])

        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": self._path,
            "raw_path": self._path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [
                (b"host", b"127.0.0.1:8000"),
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
            "state": {},
        }
        await self._app(scope, receive, send)
        if status != [200]:
            raise RuntimeError(f"{self._path} answered {status}")


def main(factory: str, path: str, bodies_file: str) -> None:
    module, _, name = factory.partition(":")
    driver = Driver(getattr(importlib.import_module(module), name)(), path)
    bodies = Path(bodies_file).read_bytes().splitlines()
    loop = asyncio.new_event_loop()
    loop.run_until_complete(driver.start())
    loop.run_until_complete(driver.send_all(bodies))
    print(READY, flush=True)
    for _ in sys.stdin:
        cpu = time.process_time()
        loop.run_until_complete(driver.send_all(bodies))
        print(f"{1000 * (time.process_time() - cpu) / len(bodies):.6f}", flush=True)
    loop.run_until_complete(driver.stop())
    loop.close()


if __name__ == "__main__":
    main(*sys.argv[1:4])
