"""How the server writes an answer to the connection: the head and the body together, in one write."""

import asyncio
from typing import Any

from uvicorn.config import Config
from uvicorn.server import ServerState

from pladvisor.api.server import BoundedHttpToolsProtocol

BODY = b'{"stage": "preparing"}'


class RecordingTransport(asyncio.Transport):
    """A connection that keeps every write, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 50000)}.get(name, default)

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


def answer(body: bytes) -> Any:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-length", str(len(body)).encode())]}
        )
        await send({"type": "http.response.body", "body": body})

    return app


async def streamed(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"first", "more_body": True})
    await send({"type": "http.response.body", "body": b"second", "more_body": False})


async def exchange(app: Any, request: bytes) -> RecordingTransport:
    """One request through the server's protocol; the writes it made by the time the answer was complete."""
    config = Config(app=app, http=BoundedHttpToolsProtocol, lifespan="off", log_level="warning")
    config.load()
    protocol = BoundedHttpToolsProtocol(config=config, server_state=ServerState(), app_state={})
    transport = RecordingTransport()
    protocol.connection_made(transport)
    protocol.data_received(request)
    for _ in range(100):
        await asyncio.sleep(0)
        if protocol.cycle is not None and protocol.cycle.response_complete:
            break
    protocol.connection_lost(None)
    return transport


POST = b"POST /v1/assessments HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


def test_an_answer_is_written_once_head_and_body_together() -> None:
    transport = asyncio.run(exchange(answer(BODY), POST))
    assert len(transport.writes) == 1
    assert transport.writes[0].startswith(b"HTTP/1.1 200 OK\r\n") and transport.writes[0].endswith(b"\r\n\r\n" + BODY)


def test_an_empty_answer_still_sends_its_head() -> None:
    transport = asyncio.run(exchange(answer(b""), POST))
    assert len(transport.writes) == 1
    assert transport.writes[0].startswith(b"HTTP/1.1 200 OK\r\n") and transport.writes[0].endswith(b"\r\n\r\n")


def test_an_answer_to_head_sends_its_head_alone() -> None:
    transport = asyncio.run(exchange(answer(BODY), b"HEAD /v1/rules HTTP/1.1\r\nHost: x\r\n\r\n"))
    assert len(transport.writes) == 1
    assert transport.writes[0].startswith(b"HTTP/1.1 200 OK\r\n") and transport.writes[0].endswith(b"\r\n\r\n")


def test_a_streamed_answer_sends_its_head_with_the_first_part_and_the_rest_as_it_comes() -> None:
    transport = asyncio.run(exchange(streamed, POST))
    first, *rest = transport.writes
    assert first.startswith(b"HTTP/1.1 200 OK\r\n") and first.endswith(b"\r\n\r\n5\r\nfirst\r\n")
    assert rest == [b"6\r\nsecond\r\n0\r\n\r\n"]


def test_an_interim_100_continue_is_sent_at_once_before_the_answer() -> None:
    request = POST.replace(b"Host: x\r\n", b"Host: x\r\nExpect: 100-continue\r\n")
    transport = asyncio.run(exchange(answer(BODY), request))
    assert transport.writes[0] == b"HTTP/1.1 100 Continue\r\n\r\n"
    assert len(transport.writes) == 2 and transport.writes[1].endswith(BODY)
