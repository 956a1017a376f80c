"""Soak: a real server under 100 concurrent clients mixing single and batch calls, then under hostile ones too.

    make soak                       # 60 s at least, and at least 200,000 assessments, then the hostile phase
    .venv/bin/python bench/soak.py --seconds 10 --assessments 20000 --hostile-seconds 20   # a short run

The hostile phase keeps the ordinary clients going while others hold idle and half-sent
connections, send bodies of 300,000 made-up fields and keep maximal batches in
flight. It passes when the ordinary clients see 0 errors and 0 mismatches, every
made-up-field body is refused with 422, /health
answers with p99 under 1 s, and the server's RSS stays under HOSTILE_RSS_LIMIT_MIB.

Prints requests, errors (must be 0), p50/p99 latency, and the server's RSS after
warm-up, every 10 s, and at the end. The pass mark is growth under 5% from the first
sample under full load to the end: the server's memory steps up once while the queue
of waiting batches fills, then must stay flat. Every answer is checked against
a sequential in-process run of the same profile, so concurrent clients can never see
each other's results unnoticed. All traffic goes to 127.0.0.1, and the run is bounded
in requests and time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import msgspec

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "examples"), str(ROOT / "bench")]

from generate import rows  # noqa: E402
from servers import Server, serving  # noqa: E402

from pladvisor.advice.advisor import Advisor  # noqa: E402
from pladvisor.cli.records import read_records  # noqa: E402
from pladvisor.domain.profile import SchoolProfile  # noqa: E402

PLADVISOR = Path(sys.executable).with_name("pladvisor")
BATCH_SIZE = 100
BATCH_SHARE = 0.2
MAX_SECONDS = 300
WARM_UP_SECONDS = 30
HOSTILE_RSS_LIMIT_MIB = 512
"""What the hostile phase may make the server hold: maximal batches are admitted a few at a time."""
IDLE_CONNECTIONS = 200


def percentile(values: list[float], q: int) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(len(ordered) * q / 100) - 1))] * 1000


def fingerprint(answer: dict[str, Any]) -> tuple[Any, ...]:
    return (
        answer["school_id"],
        answer["readiness"]["score"],
        tuple(r["rule_id"] for r in answer["recommendations"]),
        tuple(s["rule_id"] for s in answer["strengths"]),
    )


def profiles(count: int) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "soak.csv"
        import csv

        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(rows(count, 0, seed=7))
        return [record.data for record in read_records(path) if record.data is not None]


@dataclass
class Tally:
    requests: int = 0
    assessments: int = 0
    errors: int = 0
    busy: int = 0
    """Batches the server asked to send again later (503 with Retry-After): load shed by design, not errors."""
    mismatches: int = 0
    latencies: list[float] = field(default_factory=list)
    batch_latencies: list[float] = field(default_factory=list)
    rss_samples: list[tuple[int, float]] = field(default_factory=list)
    error_samples: list[str] = field(default_factory=list)

    def error(self, what: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(what)


async def client_loop(
    http: httpx.AsyncClient,
    pool: list[dict[str, Any]],
    expected: dict[str, tuple[Any, ...]],
    tally: Tally,
    stop_at: float,
    target: int,
    rng: random.Random,
) -> None:
    while time.monotonic() < stop_at or tally.assessments < target:
        if time.monotonic() > stop_at + MAX_SECONDS:
            return
        batch = rng.random() < BATCH_SHARE
        chosen = rng.sample(pool, BATCH_SIZE) if batch else [rng.choice(pool)]
        started = time.perf_counter()
        try:
            if batch:
                response = await http.post("/v1/assessments/batch", json=chosen)
            else:
                response = await http.post("/v1/assessments", json=chosen[0])
            if response.status_code == 503 and "retry-after" in response.headers:
                tally.busy += 1
                await asyncio.sleep(float(response.headers["retry-after"]))
                continue
            answers = [item["assessment"] for item in response.json()["results"]] if batch else [response.json()]
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            tally.error(f"{type(exc).__name__}: {exc}"[:200])
            continue
        (tally.batch_latencies if batch else tally.latencies).append(time.perf_counter() - started)
        tally.requests += 1
        if response.status_code != 200:
            tally.error(f"status {response.status_code}: {response.text[:150]}")
            continue
        tally.assessments += len(answers)
        tally.mismatches += sum(
            fingerprint(a) != expected[p["school_id"]] for a, p in zip(answers, chosen, strict=True)
        )


async def sample_rss(server: Server, tally: Tally, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        tally.rss_samples.append((tally.assessments, server.rss_mib()))


async def drive(
    server: Server,
    pool: list[dict[str, Any]],
    expected: dict[str, tuple[Any, ...]],
    clients: int,
    seconds: float,
    target: int,
) -> Tally:
    tally = Tally()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    sampler = asyncio.ensure_future(sample_rss(server, tally, every=10))
    async with httpx.AsyncClient(base_url=server.url, timeout=120, limits=limits) as http:
        stop_at = time.monotonic() + seconds
        await asyncio.gather(
            *(client_loop(http, pool, expected, tally, stop_at, target, random.Random(i)) for i in range(clients))
        )
    sampler.cancel()
    return tally


@dataclass
class Hostile:
    health_latencies: list[float] = field(default_factory=list)
    health_failures: int = 0
    refused_bodies: int = 0
    misanswered_bodies: int = 0
    maximal_batches: dict[int, int] = field(default_factory=dict)
    """Status of each maximal batch answered: 200, or 503 when the server was busy."""
    peak_rss: float = 0.0


async def _hold_connections(host: str, port: int, stop_at: float, first_bytes: bytes) -> None:
    """Keep connections open that never finish a request; reopen each one the server closes."""
    while time.monotonic() < stop_at:
        try:
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(first_bytes)
            await writer.drain()
            await asyncio.wait_for(reader.read(), timeout=max(stop_at - time.monotonic(), 0.1))
            writer.close()
        except (OSError, TimeoutError):
            await asyncio.sleep(0.5)


async def _made_up_fields(http: httpx.AsyncClient, stop_at: float, hostile: Hostile) -> None:
    body = json.dumps(
        {
            "definition": {},
            "tools": {},
            "professional_development": {},
            "buy_in": {},
            "measurement": {},
            **{f"made_up_{i}": i for i in range(300_000)},
        }
    ).encode()
    while time.monotonic() < stop_at:
        response = await http.post("/v1/assessments", content=body, headers={"content-type": "application/json"})
        hostile.refused_bodies += response.status_code == 422
        hostile.misanswered_bodies += response.status_code != 422
        await asyncio.sleep(1)


async def _maximal_batches(
    http: httpx.AsyncClient, pool: list[dict[str, Any]], stop_at: float, hostile: Hostile
) -> None:
    batch = [pool[i % len(pool)] for i in range(1000)]
    while time.monotonic() < stop_at:
        response = await http.post("/v1/assessments/batch", json=batch)
        hostile.maximal_batches[response.status_code] = hostile.maximal_batches.get(response.status_code, 0) + 1
        if response.status_code == 503:
            await asyncio.sleep(float(response.headers.get("retry-after", "1")))


async def _probe_health(server: Server, stop_at: float, hostile: Hostile) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                ok = (await http.get("/health")).status_code == 200
            except httpx.HTTPError:
                ok = False
            hostile.health_latencies.append(time.perf_counter() - started)
            hostile.health_failures += not ok
            hostile.peak_rss = max(hostile.peak_rss, server.rss_mib())
            await asyncio.sleep(0.2)


async def drive_hostile(
    server: Server, pool: list[dict[str, Any]], expected: dict[str, tuple[Any, ...]], clients: int, seconds: float
) -> tuple[Tally, Hostile]:
    hostile = Hostile()
    stop_at = time.monotonic() + seconds
    host, port = server.url.removeprefix("http://").split(":")
    half_head = b"POST /v1/assessments HTTP/1.1\r\nHost: x\r\nContent-Ty"
    half_body = (
        b"POST /v1/assessments HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b'Content-Length: 100000\r\n\r\n{"definition":'
    )
    holders = [
        _hold_connections(host, int(port), stop_at, (b"", half_head, half_body)[i % 3]) for i in range(IDLE_CONNECTIONS)
    ]
    async with httpx.AsyncClient(base_url=server.url, timeout=120) as rough:
        attacks = asyncio.gather(
            *holders,
            _made_up_fields(rough, stop_at, hostile),
            _probe_health(server, stop_at, hostile),
            *(_maximal_batches(rough, pool, stop_at, hostile) for _ in range(4)),
        )
        tally = await drive(server, pool, expected, clients, seconds, target=0)
        await attacks
    return tally, hostile


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--assessments", type=int, default=200_000)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--hostile-seconds", type=float, default=60)
    args = parser.parse_args()

    pool = profiles(500)
    advisor = Advisor.from_directory()
    expected = {
        p["school_id"]: fingerprint(msgspec.to_builtins(advisor.assess(SchoolProfile.model_validate(p, strict=True))))
        for p in pool
    }
    probe = json.dumps(pool[0]).encode()
    with serving(lambda port: [str(PLADVISOR), "serve", "--port", str(port)], "/v1/assessments", probe) as server:
        # Warm up with the same concurrency and mix: memory sized by the load is in place before the start figure.
        asyncio.run(drive(server, pool, expected, args.clients, seconds=WARM_UP_SECONDS, target=0))
        rss_start = server.rss_mib()
        started = time.monotonic()
        tally = asyncio.run(drive(server, pool, expected, args.clients, args.seconds, args.assessments))
        elapsed = time.monotonic() - started
        rss_end = server.rss_mib()
        rough, hostile = asyncio.run(drive_hostile(server, pool, expected, args.clients, args.hostile_seconds))

    growth = (rss_end - rss_start) / rss_start * 100
    steady = tally.rss_samples[0][1] if tally.rss_samples else rss_start
    steady_growth = (rss_end - steady) / steady * 100
    print(f"clients            {args.clients} (single calls, and {BATCH_SHARE:.0%} batches of {BATCH_SIZE})")
    print(f"duration           {elapsed:.1f} s")
    print(f"requests           {tally.requests} ({len(tally.latencies)} single, {len(tally.batch_latencies)} batches)")
    print(f"assessments        {tally.assessments} ({tally.assessments / elapsed:.0f}/s)")
    print(f"errors             {tally.errors}" + "".join(f"\n  {sample}" for sample in tally.error_samples))
    print(f"sent back (busy)   {tally.busy} batches answered 503 with Retry-After, then sent again")
    print(f"mismatched answers {tally.mismatches} (against a sequential in-process run)")
    single = tally.latencies
    print(f"latency, single    p50 {percentile(single, 50):.1f} ms / p99 {percentile(single, 99):.1f} ms")
    print(
        f"latency, batch     p50 {percentile(tally.batch_latencies, 50):.1f} ms / "
        f"p99 {percentile(tally.batch_latencies, 99):.1f} ms (every call shares one engine)"
    )
    print(f"server RSS         {rss_start:.1f} MiB after warm-up -> {rss_end:.1f} MiB ({growth:+.2f}%)")
    print("RSS along the run  " + ", ".join(f"{done // 1000}k: {mib:.0f}" for done, mib in tally.rss_samples) + " MiB")
    print(
        f"steady-state RSS   {steady:.1f} MiB after the first 10 s of the run -> {rss_end:.1f} MiB "
        f"({steady_growth:+.2f}%)"
    )
    ok = tally.errors == 0 and tally.mismatches == 0 and steady_growth < 5 and tally.assessments >= args.assessments
    print(
        "result             " + ("PASS" if ok else "FAIL") + " (0 errors, 0 mismatches, steady-state RSS growth < 5%)"
    )

    health_p99 = percentile(hostile.health_latencies, 99)
    print(
        f"\nhostile phase      {args.hostile_seconds:.0f} s: {IDLE_CONNECTIONS} idle or half-sent connections, "
        "a 300,000-field body a second, 4 clients sending batches of 1,000, beside the ordinary clients"
    )
    print(
        f"ordinary clients   {rough.assessments} assessments, {rough.errors} errors, {rough.mismatches} mismatches"
        + "".join(f"\n  {sample}" for sample in rough.error_samples)
    )
    print(
        f"/health            p99 {health_p99:.0f} ms, {hostile.health_failures} failures "
        f"({len(hostile.health_latencies)} probes)"
    )
    print(
        f"refused bodies     {hostile.refused_bodies} made-up-field bodies answered 422, "
        f"{hostile.misanswered_bodies} otherwise"
    )
    print(f"maximal batches    {hostile.maximal_batches} (status: count; 503 is the server asking to come back)")
    print(f"peak server RSS    {hostile.peak_rss:.1f} MiB (limit {HOSTILE_RSS_LIMIT_MIB} MiB)")
    hostile_ok = (
        rough.errors == 0
        and rough.mismatches == 0
        and hostile.health_failures == 0
        and hostile.refused_bodies > 0
        and hostile.misanswered_bodies == 0
        and health_p99 < 1000
        and hostile.peak_rss < HOSTILE_RSS_LIMIT_MIB
    )
    print(
        "hostile result     "
        + ("PASS" if hostile_ok else "FAIL")
        + f" (0 errors for ordinary clients, /health p99 < 1 s, RSS < {HOSTILE_RSS_LIMIT_MIB} MiB)"
    )
    return 0 if ok and hostile_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
