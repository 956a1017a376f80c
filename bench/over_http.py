"""Sections 3-5: single requests against the echo baseline, batches, and the server's memory under a soak."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from common import BIN, FULL, ROOT, Figure, Scale, judged, machine_busy, own_cpu, say
from echo_app import ECHO_PATH
from loadgen import Load, LoadResult, combine, drive
from native_load import THREADS, drive_wrk, wrk_path
from servers import HOST, Server, serving

BENCH = ROOT / "bench"
ASSESS_PATH = "/v1/assessments"
SUMMARY_PATH = "/v1/assessments?view=summary"
BATCH_PATH = "/v1/assessments/batch"
BATCH_SIZE = 1000
MEMORY_STEPS = 10
HALF = MEMORY_STEPS // 2
"""The soak's RSS readings are judged by the highest of each half: a batch holds its answers' JSON (about 25 MB)
until it is sent, so one reading wanders by more than the growth judged, and by where it catches the two
clients' batches. A high-water mark that no longer rises is what a bounded heap shows; a leak raises it."""

SATURATED = 0.9
"""Share of a core the busiest server process must use for its rate to be the server's limit, not the client's."""
CLIENT_LIMIT = 0.5
"""Share of a core the load generator may use for a rate to be judged: past it, it competes with the server for the
machine's 2 cores and the rate says as much about the client."""
BUSY_CORES = 0.25
"""Cores other processes may use during a load run before its figure says the machine was busy."""
RATE_TARGET = 1500
P99_TARGET_MS = 150
CPU_RATIO_TARGET = 2.0
SUMMARY_RATIO_TARGET = 1.3
"""The summary view's server CPU per request against echo's: what a portal reading the stage and first steps costs."""


@dataclass(frozen=True)
class Served:
    """A load run, the CPU the server's processes spent on it, and how much of the machine others used meanwhile."""

    load: Load
    process_cpu: list[float]
    """CPU seconds per server process, busiest first (one entry per uvicorn worker that did any work)."""
    others: float
    """Cores that processes other than the server, the load generator and this one used, on average over the run:
    a figure taken while they had the cores is slower than the code is. It includes the kernel's softirq work on
    this run's loopback traffic, which no process is charged with: about 0.1 core at these rates, under BUSY_CORES."""

    @property
    def server_cpu(self) -> float:
        return sum(self.process_cpu)

    @property
    def cpu_ms_per_request(self) -> float:
        return 1000 * self.server_cpu / self.load.requests

    @property
    def saturated(self) -> bool:
        return bool(self.process_cpu) and self.process_cpu[0] / self.load.seconds >= SATURATED

    @property
    def busy(self) -> bool:
        return self.others >= BUSY_CORES

    def latency(self) -> str:
        return f"p50 {self.load.percentile_ms(0.5):,.0f} / p99 {self.load.percentile_ms(0.99):,.0f} ms"

    def shares(self) -> str:
        # uvicorn's supervisor, when there are workers, uses next to nothing: only the processes that served count.
        server = " + ".join(
            f"{cpu / self.load.seconds:.0%}" for cpu in self.process_cpu if cpu >= 0.01 * self.load.seconds
        )
        return f"server {server}, {self.load.generator} {self.load.client_core_share:.0%} of a core"

    def machine(self) -> str:
        return f"; busy: others used {self.others:.2f} cores" if self.busy else ""

    def report(self, label: str, unit: str = "request", units: str = "requests") -> None:
        load = self.load
        tail = ", ".join(f"p{100 * share:g} {load.percentile_ms(share):,.0f}" for share in (0.5, 0.9, 0.99, 0.999))
        say(
            f"  {label}: {load.requests:,} {units} in {load.seconds:.1f} s = {load.rate:,.1f}/s, {tail} ms; "
            f"server CPU {self.cpu_ms_per_request:,.2f} ms per {unit}; {self.shares()}; other processes "
            f"{self.others:.2f} cores{' (the machine was busy: slower than the code is)' if self.busy else ''}"
        )
        for problem in load.problems:
            say(f"    NOT A FIGURE OF THE ROUTE: {problem}")


def _measure(server: Server, run: Callable[[], Load]) -> Served:
    before, busy, own, start = server.cpu_by_process(), machine_busy(), own_cpu(), time.perf_counter()
    load = run()
    after, busy_after, own_after = server.cpu_by_process(), machine_busy(), own_cpu()
    wall = time.perf_counter() - start
    used = sorted((after[pid] - before.get(pid, 0.0) for pid in after), reverse=True)
    # own_cpu counts this process (the httpx generator) and every child reaped meanwhile (wrk).
    others = max(0.0, (busy_after - busy) - (own_after - own) - sum(used)) / wall
    return Served(load=load, process_cpu=[cpu for cpu in used if cpu > 0], others=others)


def _single(server: Server, path: str, bodies: Sequence[bytes], scale: Scale) -> Served:
    """A warm-up run first, so the measured one sees the server settled (its first connections made, its caches
    filled), not starting."""
    drive_wrk(server.url, path, bodies, scale.concurrency, scale.warmup_seconds)
    return _measure(server, lambda: drive_wrk(server.url, path, bodies, scale.concurrency, scale.http_seconds))


def _batches(server: Server, bodies: Sequence[bytes], count: int, seconds: float) -> LoadResult:
    """Batch requests from two clients, so that one batch is being read while the other is assessed."""
    return drive(server.url, BATCH_PATH, bodies, concurrency=2, seconds=seconds, limit=count)


def _soak(server: Server, bodies: Sequence[bytes], count: int, seconds: float) -> tuple[Served, list[float]]:
    """``count`` batches in equal steps, reading the server's RSS after each step.

    A leak climbs step after step; a high-water mark levels off and wanders around it.
    """
    rss: list[float] = []
    deadline = time.monotonic() + seconds

    def run() -> LoadResult:
        steps: list[LoadResult] = []
        for _ in range(MEMORY_STEPS):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            steps.append(_batches(server, bodies, count // MEMORY_STEPS, left))
            rss.append(server.rss_mib())
        return combine(steps)

    return _measure(server, run), rss


def pladvisor_command(workers: int) -> Callable[[int], list[str]]:
    def command(port: int) -> list[str]:
        return [str(BIN / "pladvisor"), "serve", "--host", HOST, "--port", str(port), "--workers", str(workers)]

    return command


def _echo(port: int) -> list[str]:
    """The baseline served as `pladvisor serve` serves: one uvicorn process on asyncio's loop, the same log level."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "echo_app:create_app",
        "--factory",
        "--app-dir",
        str(BENCH),
        "--host",
        HOST,
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--loop",
        "asyncio",
    ]


def _invalid(*runs: Served) -> str:
    return "INVALID (not all 200): " if any(run.load.problems for run in runs) else ""


def single_figures(echo: Served, single: Served, summary: Served, two: Served, connections: int) -> list[Figure]:
    """Server CPU per request is the figure to compare: it hardly depends on what else the machine runs.

    A rate is the server's own only while the server, not the client, is saturated, so the
    rate target is judged only then; p99 is judged whatever the machine did, and says so when
    it was busy.
    """
    cpu_ratio = single.cpu_ms_per_request / echo.cpu_ms_per_request
    summary_ratio = summary.cpu_ms_per_request / echo.cpu_ms_per_request
    fair = single.saturated and single.load.client_core_share < CLIENT_LIMIT
    p99 = single.load.percentile_ms(0.99)
    say(
        f"  on server CPU alone, pladvisor needs {cpu_ratio:.1f}x what echo needs per request "
        f"(target at most {CPU_RATIO_TARGET:.0f}x); for the summary view {summary_ratio:.1f}x (target at most "
        f"{SUMMARY_RATIO_TARGET}x)"
    )
    if not single.saturated:
        say(
            f"  pladvisor's server used less than {SATURATED:.0%} of a core: its rate is not its limit "
            f"(other processes used {single.others:.2f} cores meanwhile), so the rate target is not judged"
        )
    if not echo.saturated:
        say(
            f"  echo's server used less than {SATURATED:.0%} of a core: the ratio of rates flatters pladvisor; "
            f"the ratio of server CPU per request does not"
        )
    for name, run in (("echo", echo), ("pladvisor", single), ("pladvisor --workers 2", two)):
        if run.load.client_core_share >= CLIENT_LIMIT:
            say(f"  wrk used {run.load.client_core_share:.0%} of a core against {name}: the client shared the limit")
    busiest, *others = two.process_cpu or [0.0]
    if not others or others[0] < busiest / 4:
        say(
            f"  one worker served nearly every request: the kernel handed most of the {connections} "
            f"keep-alive connections, opened together, to whichever worker accepted first"
        )
    invalid = _invalid(echo, single)
    return [
        Figure(
            "3 HTTP single (wrk): server CPU per request",
            f"{invalid}{single.cpu_ms_per_request:.2f} ms pladvisor",
            f"{echo.cpu_ms_per_request:.2f} ms echo",
            f"{cpu_ratio:.1f}x",
            f"<= {CPU_RATIO_TARGET:.0f}x echo",
            not invalid and cpu_ratio <= CPU_RATIO_TARGET,
        ),
        Figure(
            "3 HTTP single (wrk): summary view, server CPU",
            f"{_invalid(summary)}{summary.cpu_ms_per_request:.2f} ms ?view=summary",
            f"{echo.cpu_ms_per_request:.2f} ms echo",
            f"{summary_ratio:.1f}x",
            f"<= {SUMMARY_RATIO_TARGET}x echo",
            not _invalid(summary, echo) and summary_ratio <= SUMMARY_RATIO_TARGET,
        ),
        Figure(
            "3 HTTP single (wrk): rate, 1 process",
            f"{invalid}{single.load.rate:,.0f} req/s; {single.shares()}{single.machine()}",
            f"{echo.load.rate:,.0f} req/s echo; {echo.shares()}{echo.machine()}",
            f"{single.load.rate / echo.load.rate:.2f}x",
            f">= {RATE_TARGET:,} req/s, server saturated, wrk < {CLIENT_LIMIT} core",
            False if invalid else single.load.rate >= RATE_TARGET if fair else None,
        ),
        Figure(
            f"3 HTTP single (wrk): latency, {connections} connections",
            f"{invalid}{single.latency()}{single.machine()}",
            f"echo {echo.latency()}",
            f"{p99 / echo.load.percentile_ms(0.99):.1f}x p99",
            f"p99 < {P99_TARGET_MS} ms",
            not invalid and p99 < P99_TARGET_MS,
        ),
        Figure(
            "3 HTTP single (wrk): serve --workers 2 (record)",
            f"{_invalid(two)}{two.load.rate:,.0f} req/s; {two.shares()}{two.machine()}",
            f"{single.load.rate:,.0f} req/s 1 process",
            f"{two.load.rate / single.load.rate:.2f}x",
            "-",
            None,
        ),
    ]


def http_figures(raws: Sequence[dict[str, Any]], in_process_rate: float, scale: Scale, full: bool) -> list[Figure]:
    bodies = [json.dumps(raw).encode() for raw in raws]
    batches = [json.dumps(list(raws[i : i + BATCH_SIZE])).encode() for i in range(0, len(raws), BATCH_SIZE)]
    native = wrk_path() is not None
    say(
        f"  single requests: wrk (native), {THREADS} threads over {scale.concurrency} keep-alive connections, "
        f"{scale.http_seconds:.0f} s after a {scale.warmup_seconds:.0f} s warm-up; batches: httpx in this process, "
        f"2 clients. Every load generator shares this machine's {os.cpu_count()} cores with the server"
    )
    if not native:
        say("  wrk is not installed (`make bench` installs it): the single-request figures are not measured")

    echo: Served | None = None
    if native:
        with serving(_echo, ECHO_PATH, bodies[0]) as echo_server:
            echo = _single(echo_server, ECHO_PATH, bodies, scale)
        echo.report("echo baseline (bench/echo_app.py, 1 uvicorn process), POST /echo")

    with serving(pladvisor_command(1), ASSESS_PATH, bodies[0]) as server:
        single: Served | None = None
        summary: Served | None = None
        if native:
            single = _single(server, ASSESS_PATH, bodies, scale)
            single.report("pladvisor serve, POST /v1/assessments")
            summary = _single(server, SUMMARY_PATH, bodies, scale)
            summary.report(f"pladvisor serve, POST {SUMMARY_PATH}")
        rss_start = server.rss_mib()
        warm = _batches(server, batches, scale.warmup_batches, scale.warmup_batch_seconds)
        rss_warm = server.rss_mib()
        say(f"  server RSS {rss_start:.1f} MiB, then {rss_warm:.1f} MiB after {warm.requests} warm-up batches")
        soak, trajectory = _soak(server, batches, scale.memory_assessments // BATCH_SIZE, scale.memory_seconds)
    soak.report(f"POST /v1/assessments/batch, {BATCH_SIZE:,} schools each", unit="batch", units="batches")
    schools_rate = soak.load.rate * BATCH_SIZE
    schools_per_cpu = soak.load.requests * BATCH_SIZE / soak.server_cpu
    assessed = soak.load.requests * BATCH_SIZE
    rss_after = trajectory[-1]
    early, late = max(trajectory[:HALF]), max(trajectory[HALF:] or trajectory[-1:])
    growth = late / early - 1
    say(f"  = {schools_rate:,.0f} schools/s; {schools_per_cpu:,.0f} schools per server CPU-second")
    steps = " ".join(f"{mib:.0f}" for mib in trajectory)
    say(
        f"  server RSS every {assessed // len(trajectory):,} assessments: {steps} MiB; "
        f"after {assessed:,}: {rss_after:.1f} MiB ({rss_after / rss_warm - 1:+.1%} on the warm-up's {rss_warm:.1f}); "
        f"highest of the last {len(trajectory) - HALF} steps {late:.1f} MiB, of the first {HALF} {early:.1f} MiB "
        f"({growth:+.1%})"
    )

    figures = [Figure("3 HTTP single (wrk)", "not measured: wrk is not installed", "-", "-", "-", None)]
    if native and echo is not None and single is not None and summary is not None:
        with serving(pladvisor_command(2), ASSESS_PATH, bodies[0]) as two_server:
            two = _single(two_server, ASSESS_PATH, bodies, scale)
        two.report("pladvisor serve --workers 2, POST /v1/assessments")
        figures = single_figures(echo, single, summary, two, scale.concurrency)

    return [
        *figures,
        Figure(
            "4 HTTP batch of 1,000 (httpx)",
            f"{schools_rate:,.0f} schools/s ({schools_per_cpu:,.0f}/server CPU-s){soak.machine()}",
            f"{in_process_rate:,.0f}/s per core in-process (1)",
            f"{schools_per_cpu / in_process_rate:.2f}x",
            ">= 2,000/s",
            schools_rate >= 2000,
        ),
        Figure(
            f"5 server RSS, second half of {assessed:,} (httpx)",
            f"{late:.1f} MiB",
            f"{early:.1f} MiB first half",
            f"{1 + growth:.3f}x",
            "< 5% growth",
            judged(growth < 0.05, full and assessed == FULL.memory_assessments),
        ),
    ]
