"""A bounded HTTP load loop: N concurrent httpx clients POSTing prepared JSON bodies.

It runs in the benchmark's own process, on the same 2-core machine as the server, so
its CPU time is reported too: a load generator near 100% of a core limits the figure
it measures (a client-bound baseline flatters the ratio against it). That is why the
single-request figures are driven by wrk (native_load.py). This loop still drives the
batches of 1,000 and the memory soak: they need a few requests of about 1 MB each, a bound
on the count of requests (the soak reads the server's memory after each tenth), and a
client that spends a few milliseconds of CPU on each answer of about 25 MB is no bottleneck
there, while wrk can stop only after a time.

Each client is its own ``httpx.AsyncClient`` with one keep-alive connection. One client
shared by 50 tasks spends its time in its connection pool (httpx issue #3215): against
the echo app here it managed about 220 requests/s where 50 separate clients reach ~870.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import httpx

JSON = {"content-type": "application/json"}


class Load(Protocol):
    """What a figure reads from a load run, whichever generator made it."""

    @property
    def generator(self) -> str: ...
    @property
    def requests(self) -> int: ...
    @property
    def seconds(self) -> float: ...
    @property
    def client_cpu(self) -> float: ...
    @property
    def problems(self) -> tuple[str, ...]: ...
    @property
    def rate(self) -> float: ...
    @property
    def client_core_share(self) -> float: ...
    def percentile_ms(self, share: float) -> float: ...


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    latencies: list[float]
    """Seconds per request, sorted."""
    client_cpu: float
    """CPU seconds the load generator itself used."""
    problems: tuple[str, ...] = ()
    """Always empty: any status but 200 stops the run instead."""
    generator: str = "httpx"

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile_ms(self, share: float) -> float:
        return 1000 * self.latencies[min(len(self.latencies) - 1, int(share * len(self.latencies)))]

    @property
    def client_core_share(self) -> float:
        return self.client_cpu / self.seconds


async def _drive(
    url: str, path: str, bodies: Sequence[bytes], concurrency: int, seconds: float, limit: int
) -> LoadResult:
    latencies: list[float] = []
    issued = 0

    async def one_client(client: httpx.AsyncClient, deadline: float) -> None:
        nonlocal issued
        while issued < limit and time.perf_counter() < deadline:
            body = bodies[issued % len(bodies)]
            issued += 1
            sent = time.perf_counter()
            response = await client.post(path, content=body, headers=JSON)
            latencies.append(time.perf_counter() - sent)
            if response.status_code != 200:
                raise RuntimeError(f"POST {path} answered {response.status_code}: {response.text[:500]}")

    clients = [
        httpx.AsyncClient(base_url=url, limits=httpx.Limits(max_connections=1), timeout=120) for _ in range(concurrency)
    ]
    try:
        cpu, start = time.process_time(), time.perf_counter()
        await asyncio.gather(*(one_client(client, start + seconds) for client in clients))
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    finally:
        for client in clients:
            await client.aclose()
    return LoadResult(requests=len(latencies), seconds=elapsed, latencies=sorted(latencies), client_cpu=cpu)


def combine(results: Sequence[LoadResult]) -> LoadResult:
    """Several runs read as one: their requests, time, latencies and load-generator CPU added up."""
    return LoadResult(
        requests=sum(r.requests for r in results),
        seconds=sum(r.seconds for r in results),
        latencies=sorted(latency for r in results for latency in r.latencies),
        client_cpu=sum(r.client_cpu for r in results),
    )


def drive(url: str, path: str, bodies: Sequence[bytes], concurrency: int, seconds: float, limit: int) -> LoadResult:
    """POST ``bodies`` in turn from ``concurrency`` clients until ``seconds`` pass or ``limit`` requests are sent.

    Every response must be a 200: a figure made of error responses would measure nothing.
    """
    return asyncio.run(_drive(url, path, bodies, concurrency, seconds, limit))
