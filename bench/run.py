"""`make bench`: how fast pladvisor assesses schools, each figure against a baseline measured in the same run.

    .venv/bin/python bench/run.py            # the full run, about 20 minutes on a 2-core machine
    .venv/bin/python bench/run.py --quick    # smaller counts and shorter loads: a smoke run

It prints figures and never fails on one: a slow machine is not a broken build. The only
check that can stop it is about honesty: the plain-Python evaluator must fire exactly the
rules the engine fires for every school, or the comparison between them would mean nothing.

The machine is shared (other engineers run tests on the same 2 cores), so next to each
wall-clock figure it prints the CPU time the measured code itself used, and after each
section how much of the machine other processes took meanwhile. In-process figures are
judged per CPU-second ("on one core"); CLI figures on wall time.

Single HTTP requests are sent by wrk (native_load.py, a Debian package `make bench`
installs), which needs a few percent of a core, so the server and not the client sets the
rate. Their target is the server's CPU per request against the echo baseline's, which
hardly depends on what else the machine runs; a rate is judged only while the server
used at least 90% of a core and wrk under half of one, and every load run says what wrk
used and whether other processes had the cores meanwhile. The batches and the memory
soak stay on the Python generator (loadgen.py), which can stop after a count of requests.

Several respondents per school (7): a seeded district survey of 1,000 schools with 101
respondents each, combined in process and by `pladvisor combine`, against scoring the
schools' leaders' answers as single profiles. Storing (8): the school set stored with
`pladvisor score --store` into a new SQLite file and into a throwaway PostgreSQL server (the
tests' own starter, when Debian's postgresql is installed), against the same run without
storing. Reading stored history (10, bench/stored_history.py): a school's progress and a
1,000-school district's roll-out with 1,000,000 assessments stored, on SQLite and on PostgreSQL,
against the same reads with the measured district alone stored.

Last, for the record, the peer table (9, bench/peers.py): the same catalog and schools run by
zen-engine (PyPI) and json-rules-engine (node, when present), each with its CPU time per
school and the number of schools where it fired other rules than pladvisor (must be 0).

The school set is generated on demand into a temporary directory by examples/generate.py
(seeded, no broken rows) and read back the way `pladvisor score` reads it.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import durable_rules_engine
import plain_rules
from durable import engine
from echo_app import ECHO_PATH
from loadgen import Load, LoadResult, combine, drive
from native_load import THREADS, drive_wrk, wrk_path
from peers import peer_table, peers
from servers import HOST, Server, default_env, serving

from pladvisor.advice.advisor import Advisor, answers_of
from pladvisor.advice.combine import Combiner
from pladvisor.cli import combining
from pladvisor.cli.records import read_records
from pladvisor.config import Settings
from pladvisor.domain.base import to_json
from pladvisor.domain.fields import profile_from_answers
from pladvisor.domain.profile import SchoolProfile
from pladvisor.domain.respondents import CombinedRequest, Role
from pladvisor.engine.catalog import Catalog, default_rules_dir
from pladvisor.engine.evaluator import ANCHOR_FIELD, ANCHOR_RULE, RuleEvaluator, engine_fact, ruleset_definition
from pladvisor.engine.respondents import load_respondents

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
BIN = Path(sys.executable).parent
ASSESS_PATH = "/v1/assessments"
BATCH_PATH = "/v1/assessments/batch"
BATCH_SIZE = 1000
MEMORY_STEPS = 10
HALF = MEMORY_STEPS // 2
"""The soak's RSS readings are judged by the highest of each half: a batch holds its answers' JSON (about 25 MB)
until it is sent, so one reading wanders by more than the growth judged, and by where it catches the two
clients' batches. A high-water mark that no longer rises is what a bounded heap shows; a leak raises it."""
WARM_UP = 1000
"""Schools assessed in process before anything is timed."""


@dataclass(frozen=True)
class Scale:
    """How much work each figure does; ``--quick`` shrinks every count and duration."""

    schools: int
    engine_rounds: int
    http_seconds: float
    warmup_seconds: float
    concurrency: int
    warmup_batches: int
    """Enough for the server's RSS to level off: two 1,000-school batches in flight need ~100 MiB at their peak."""
    warmup_batch_seconds: float
    memory_assessments: int
    memory_seconds: float
    """Bound on the memory soak; if reached, fewer assessments are sent and the figure says how many."""


FULL = Scale(
    schools=10_000,
    engine_rounds=3,
    http_seconds=15,
    warmup_seconds=3,
    concurrency=50,
    warmup_batches=30,
    warmup_batch_seconds=60,
    memory_assessments=200_000,
    memory_seconds=300,
)
QUICK = Scale(
    schools=1_000,
    engine_rounds=1,
    http_seconds=3,
    warmup_seconds=1,
    concurrency=50,
    warmup_batches=5,
    warmup_batch_seconds=30,
    memory_assessments=20_000,
    memory_seconds=60,
)


@dataclass(frozen=True)
class Figure:
    name: str
    measured: str
    baseline: str
    ratio: str
    target: str
    met: bool | None
    """None: recorded without a target, or a full-count target on a quick run."""


@dataclass(frozen=True)
class Timing:
    wall: float
    cpu: float
    """CPU seconds of this process: the loop's own cost, whatever else the machine was doing."""


def say(text: str = "") -> None:
    print(text, flush=True)


def timed(work: Callable[[], None]) -> Timing:
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return Timing(wall=time.perf_counter() - wall, cpu=time.process_time() - cpu)


def _machine_busy() -> float:
    """CPU seconds all cores have spent busy since boot (/proc/stat; steal is the hypervisor's, not counted)."""
    with open("/proc/stat", encoding="ascii") as stat:
        user, nice, system, _idle, _iowait, irq, softirq = (int(v) for v in stat.readline().split()[1:8])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def _own_cpu() -> float:
    """CPU seconds of this process and of every child it has waited for (servers, CLI runs, their workers)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


@contextmanager
def section(title: str) -> Iterator[None]:
    """Print a heading, then how much of the machine other processes used meanwhile.

    A figure taken while other work had the cores is slower than the code is; this line
    says so next to the figure.
    """
    say(f"\n{title}")
    busy, own, start = _machine_busy(), _own_cpu(), time.perf_counter()
    yield
    wall = time.perf_counter() - start
    others = max(0.0, (_machine_busy() - busy) - (_own_cpu() - own))
    say(
        f"  [{wall:.0f} s; other processes on this machine used {others / wall:.2f} of its {os.cpu_count()} cores "
        f"meanwhile]"
    )


def judged(ok: bool, complete: bool) -> bool | None:
    """A target stated for the full counts (wall times, growth over 200,000) is judged only when they were run."""
    return ok if complete else None


# --- the school set ---------------------------------------------------------------------------------------------


def school_set(count: int, directory: Path) -> tuple[Path, list[dict[str, Any]]]:
    """Generate ``count`` schools as CSV and read them back as raw profiles, exactly as `pladvisor score` would."""
    path = directory / f"schools-{count}.csv"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "examples" / "generate.py"),
            "--count",
            str(count),
            "--broken",
            "0",
            "-o",
            str(path),
        ],
        check=True,
    )
    records = list(read_records(path))
    unreadable = [r.line for r in records if r.data is None]
    if unreadable:
        raise RuntimeError(f"generated rows that cannot be read: lines {unreadable[:10]}")
    return path, [r.data for r in records if r.data is not None]


# --- 1. in process ----------------------------------------------------------------------------------------------


class PlainAdvisor(Advisor):
    """The same advisor with the catalog's conditions as generated Python (``plain_rules.compiled``) in place
    of durable-rules: the floor the full pipeline is judged against, since everything else is the same code."""

    def __init__(self, catalog: Catalog) -> None:
        super().__init__(catalog)
        self._evaluator = _PlainEvaluator(catalog)


class _PlainEvaluator(RuleEvaluator):
    def __init__(self, catalog: Catalog) -> None:
        super().__init__(catalog)
        self._fired = plain_rules.compiled(catalog)

    def fired_as_asserted(self, asserted: dict[str, Any]) -> list[str]:
        return self._fired(
            {f"{area}.{name}": value for area, section in asserted.items() for name, value in section.items()}
        )


IN_PROCESS_RATE = 4000
IN_PROCESS_RATIO = 2.0


def in_process(advisor: Advisor, raws: Sequence[dict[str, Any]], scale: Scale) -> tuple[list[Figure], float]:
    """Validate, assess, serialize as the service does, against the same pipeline with plain-Python conditions.

    Both run as a server runs them: warmed up, then with the collector frozen (the service
    freezes everything built before its first request, see ``api.app.freeze_heap``). Each
    measure is the least CPU time of a few rounds, taken in turn. Every school's answer
    must be byte for byte the same from both, or the comparison would mean nothing.
    Returns the full loop's rate per CPU-second too, the in-process reference of figures 4 and 6.
    """
    plain = PlainAdvisor(advisor.catalog)
    for raw in raws[:WARM_UP]:
        profile = SchoolProfile.model_validate(raw, strict=True)
        if to_json(advisor.assess(profile)) != to_json(plain.assess(profile)):
            raise AssertionError(f"{profile.school_id}: the plain-Python conditions give another answer")
    gc.collect()
    gc.freeze()

    def loop(which: Advisor) -> Callable[[], None]:
        def work() -> None:
            for raw in raws:
                to_json(which.assess(SchoolProfile.model_validate(raw, strict=True)))

        return work

    def floor_loop() -> None:
        for raw in raws:
            SchoolProfile.model_validate(raw, strict=True)

    loops = {"full": loop(advisor), "plain": loop(plain), "validate": floor_loop}
    best = {name: Timing(float("inf"), float("inf")) for name in loops}
    for _ in range(scale.engine_rounds):
        for name, work in loops.items():
            best[name] = min(best[name], timed(work), key=lambda t: t.cpu)
    gc.unfreeze()
    n = len(raws)
    full, floor, only = best["full"], best["plain"], best["validate"]
    rate = n / full.cpu
    ratio = full.cpu / floor.cpu
    say(
        f"  {n:,} schools, least CPU time of {scale.engine_rounds} round(s), collector frozen after the warm-up "
        f"as in the service; every answer checked the same from both"
    )
    say(
        f"  validate + assess + serialize: {rate:,.0f}/s per core ({1e6 * full.cpu / n:,.0f} µs each); "
        f"wall {n / full.wall:,.0f}/s"
    )
    say(
        f"  the same with plain-Python conditions: {n / floor.cpu:,.0f}/s per core ({1e6 * floor.cpu / n:,.0f} µs "
        f"each), so durable-rules and its calls cost {1e6 * (full.cpu - floor.cpu) / n:,.0f} µs a school"
    )
    say(f"  validation alone: {1e6 * only.cpu / n:,.0f} µs a school")
    figures = [
        Figure(
            "1 in-process validate+assess+serialize",
            f"{1e6 * full.cpu / n:,.0f} µs/school",
            f"{1e6 * floor.cpu / n:,.0f} µs plain-Python conditions",
            f"{ratio:.2f}x",
            f"<= {IN_PROCESS_RATIO:.0f}x",
            ratio <= IN_PROCESS_RATIO,
        ),
        Figure(
            "1 in-process rate, one core",
            f"{rate:,.0f}/s (wall {n / full.wall:,.0f}/s)",
            f"{n / floor.cpu:,.0f}/s plain-Python conditions",
            f"{ratio:.2f}x",
            f">= {IN_PROCESS_RATE:,}/s",
            rate >= IN_PROCESS_RATE,
        ),
    ]
    return figures, rate


# --- 2. the engine ----------------------------------------------------------------------------------------------


class _QuietHost(engine.Host):  # type: ignore[misc]  # durable-rules ships no type information
    """durable-rules' public Host without its timer threads, which this benchmark never needs."""

    def _run(self) -> None:
        return None


class HostCycle:
    """The least work durable-rules' public Host needs per school on the same ruleset: assert, collect, delete."""

    def __init__(self, catalog: Catalog) -> None:
        self.fired: list[str] = []
        self._sessions = itertools.count()
        definition = ruleset_definition(catalog)
        for name, rule in definition.items():
            rule["run"] = self._action(name)
        self._host = _QuietHost()
        self._host.set_rulesets({"bench-host": definition})

    def _action(self, rule_id: str) -> Callable[[Any], None]:
        return lambda _closure: self.fired.append(rule_id)

    def run(self, fact: dict[str, Any]) -> None:
        sid = str(next(self._sessions))
        self._host.assert_fact("bench-host", {**fact, "sid": sid, ANCHOR_FIELD: 1})
        self._host.delete_state("bench-host", sid)


class EngineCycle:
    """The same, made straight against the engine's own interface, as RuleEvaluator does: the floor for it."""

    def __init__(self, catalog: Catalog) -> None:
        self.fired: list[str] = []
        self._sessions = itertools.count()
        self._handle = durable_rules_engine.create_ruleset("bench-engine", json.dumps(ruleset_definition(catalog)))

    def run(self, fact: dict[str, Any]) -> None:
        sid = str(next(self._sessions))
        _, state = durable_rules_engine.assert_fact(self._handle, json.dumps({**fact, "sid": sid, ANCHOR_FIELD: 1}))
        started = durable_rules_engine.start_action_for_state(self._handle, state)
        message = started[1] if started else None
        while message:
            self.fired.append(message[2 : message.index('"', 2)])
            message = durable_rules_engine.complete_and_start_action(self._handle, state)
        durable_rules_engine.delete_state(self._handle, sid)


def engine_figures(catalog: Catalog, raws: Sequence[dict[str, Any]], scale: Scale) -> list[Figure]:
    """RuleEvaluator.fired against bare durable-rules cycles, and all of them against plain Python.

    Facts are built as Advisor.assess builds them. The bare cycles get them already in engine
    form, so the ratios charge pladvisor with everything it adds: its lock, the conversion,
    the error handling and the de-duplication. Each measure is the least CPU time of a few
    rounds, taken in turn so that a change in the machine affects all of them alike.
    """
    facts = [
        SchoolProfile.model_validate(raw, strict=True).model_dump(exclude_none=True, exclude={"school_id", "name"})
        for raw in raws
    ]
    engine_facts = [engine_fact(fact) for fact in facts]
    answers = [answers_of(fact) for fact in facts]
    evaluator, host, bare = RuleEvaluator(catalog), HostCycle(catalog), EngineCycle(catalog)
    fired: dict[str, list[set[str]]] = {"pladvisor": [], "host": [], "engine": [], "plain": []}

    def pladvisor_round() -> None:
        fired["pladvisor"] = [set(evaluator.fired(fact)) for fact in facts]

    def cycle_round(name: str, cycle: HostCycle | EngineCycle) -> Callable[[], None]:
        def work() -> None:
            fired[name] = []
            for fact in engine_facts:
                cycle.fired = []
                cycle.run(fact)
                fired[name].append(set(cycle.fired) - {ANCHOR_RULE})

        return work

    def plain_round() -> None:
        fired["plain"] = [set(plain_rules.fired(catalog, school)) for school in answers]

    rounds = {
        "pladvisor": pladvisor_round,
        "host": cycle_round("host", host),
        "engine": cycle_round("engine", bare),
        "plain": plain_round,
    }
    for fact, prepared in zip(facts[:200], engine_facts[:200], strict=True):
        evaluator.fired(fact)
        host.run(prepared)
        bare.run(prepared)
    cpu = dict.fromkeys(rounds, float("inf"))
    for _ in range(scale.engine_rounds):
        for name, work in rounds.items():
            cpu[name] = min(cpu[name], timed(work).cpu)

    for index, found in enumerate(zip(*fired.values(), strict=True)):
        if any(ids != found[0] for ids in found):
            detail = ", ".join(f"{name} {sorted(ids)}" for name, ids in zip(fired, found, strict=True))
            raise AssertionError(f"school {index} fired differently: {detail}")
    n = len(facts)
    mean_fired = sum(map(len, fired["pladvisor"])) / n
    us = {name: 1e6 * seconds / n for name, seconds in cpu.items()}
    say(
        f"  {n:,} facts, least CPU time of {scale.engine_rounds} round(s); {len(catalog.rules)} rules in the catalog, "
        f"{mean_fired:.1f} fired per school on average (plus the anchor rule)"
    )
    for name, label in (
        ("pladvisor", "RuleEvaluator.fired"),
        ("host", "bare cycle through durable-rules' Host (assert with sid + anchor, collect in the actions, delete)"),
        ("engine", "bare cycle through durable_rules_engine (the same calls RuleEvaluator makes, nothing else)"),
        ("plain", "plain Python interpreter of the same conditions (bench/plain_rules.py)"),
    ):
        say(f"  {label}: {n / cpu[name]:,.0f}/s per core ({us[name]:.0f} µs each)")
    say(f"  checked: all four fire the same rule ids for each of the {n:,} schools")
    return [
        Figure(
            "2 engine: RuleEvaluator.fired",
            f"{us['pladvisor']:.0f} µs/school",
            f"{us['host']:.0f} µs bare Host cycle",
            f"{cpu['pladvisor'] / cpu['host']:.2f}x",
            "<= 1.25x",
            cpu["pladvisor"] <= 1.25 * cpu["host"],
        ),
        Figure(
            "2 engine vs bare engine calls (record)",
            f"{us['pladvisor']:.0f} µs/school",
            f"{us['engine']:.0f} µs durable_rules_engine",
            f"{cpu['pladvisor'] / cpu['engine']:.2f}x",
            "-",
            None,
        ),
        Figure(
            "2 engine vs plain Python (record)",
            f"{us['pladvisor']:.0f} µs/school",
            f"{us['plain']:.0f} µs plain Python",
            f"{cpu['pladvisor'] / cpu['plain']:.1f}x",
            "-",
            None,
        ),
        Figure("2 rules fired per school (record)", f"{mean_fired:.1f} mean", "-", "-", "-", None),
    ]


# --- 3-5. HTTP --------------------------------------------------------------------------------------------------

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
    before, busy, own, start = server.cpu_by_process(), _machine_busy(), _own_cpu(), time.perf_counter()
    load = run()
    after, busy_after, own_after = server.cpu_by_process(), _machine_busy(), _own_cpu()
    wall = time.perf_counter() - start
    used = sorted((after[pid] - before.get(pid, 0.0) for pid in after), reverse=True)
    # _own_cpu counts this process (the httpx generator) and every child reaped meanwhile (wrk).
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


def _pladvisor(workers: int) -> Callable[[int], list[str]]:
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


def single_figures(echo: Served, single: Served, two: Served, connections: int) -> list[Figure]:
    """Server CPU per request is the figure to compare: it hardly depends on what else the machine runs.

    A rate is the server's own only while the server, not the client, is saturated, so the
    rate target is judged only then; p99 is judged whatever the machine did, and says so when
    it was busy.
    """
    cpu_ratio = single.cpu_ms_per_request / echo.cpu_ms_per_request
    fair = single.saturated and single.load.client_core_share < CLIENT_LIMIT
    p99 = single.load.percentile_ms(0.99)
    say(
        f"  on server CPU alone, pladvisor needs {cpu_ratio:.1f}x what echo needs per request "
        f"(target at most {CPU_RATIO_TARGET:.0f}x)"
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

    with serving(_pladvisor(1), ASSESS_PATH, bodies[0]) as server:
        single: Served | None = None
        if native:
            single = _single(server, ASSESS_PATH, bodies, scale)
            single.report("pladvisor serve, POST /v1/assessments")
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
    if native and echo is not None and single is not None:
        with serving(_pladvisor(2), ASSESS_PATH, bodies[0]) as two_server:
            two = _single(two_server, ASSESS_PATH, bodies, scale)
        two.report("pladvisor serve --workers 2, POST /v1/assessments")
        figures = single_figures(echo, single, two, scale.concurrency)

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


# --- 6. the CLI -------------------------------------------------------------------------------------------------


def _score(
    csv_path: Path, out: Path, workers: int, count: int, extra: Sequence[str] = (), env: dict[str, str] | None = None
) -> Timing:
    """Wall and CPU time (the command and its worker processes) of one `pladvisor score` run, start-up included."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [str(BIN / "pladvisor"), "score", str(csv_path), "-o", str(out), "--workers", str(workers), *extra],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env or default_env(),
        check=False,
    )
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"pladvisor score --workers {workers} exited {done.returncode}: {done.stderr[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    with out.open(encoding="utf-8") as handle:
        written = sum(1 for _ in handle)
    if written != count:
        raise RuntimeError(f"pladvisor score wrote {written} results for {count} schools")
    cpu = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
    return Timing(wall=wall, cpu=cpu)


def cli_figures(csv_path: Path, count: int, in_process_rate: float, full: bool, directory: Path) -> list[Figure]:
    one = _score(csv_path, directory / "out-1.jsonl", 1, count)
    two = _score(csv_path, directory / "out-2.jsonl", 2, count)
    for label, timing in (("1 worker", one), ("--workers 2", two)):
        say(
            f"  pladvisor score {label}: {timing.wall:.2f} s = {count / timing.wall:,.0f} schools/s; "
            f"{timing.cpu:.2f} CPU-s in all processes"
        )
    return [
        Figure(
            f"6 CLI score {count:,}, 1 worker",
            f"{one.wall:.2f} s, {count / one.wall:,.0f}/s",
            f"{in_process_rate:,.0f}/s per core in-process (1)",
            f"{count / one.cpu / in_process_rate:.2f}x",
            "< 10 s",
            judged(one.wall < 10, full),
        ),
        Figure(
            f"6 CLI score {count:,}, --workers 2",
            f"{two.wall:.2f} s, {count / two.wall:,.0f}/s",
            f"{one.wall:.2f} s 1 worker",
            f"{one.wall / two.wall:.2f}x",
            "< 6 s",
            judged(two.wall < 6, full),
        ),
    ]


# --- 8. storing ------------------------------------------------------------------------------------------------

STORE_RATIO = 2.0


def on_postgres(measure: Callable[[str], None]) -> None:
    """``measure`` a throwaway PostgreSQL server (the tests' own starter), or say why it was not measured."""
    sys.path.insert(0, str(ROOT))
    from tests.servers import postgres_server

    try:
        with postgres_server() as server:
            measure(server)
    except BaseException as exc:  # pytest.skip raises a BaseException when PostgreSQL is not installed
        if type(exc).__name__ != "Skipped":
            raise
        say(f"  PostgreSQL not measured: {exc}")


def storage_figures(csv_path: Path, count: int, directory: Path) -> list[Figure]:
    """`pladvisor score --store` of the school set into a new database, against the same run without storing:
    on SQLite (a file here) and on PostgreSQL (a throwaway server, as the tests start one), when installed."""
    from pladvisor.storage.database import make_engine, upgrade

    plain = _score(csv_path, directory / "plain.jsonl", 1, count)
    say(f"  pladvisor score, no storing: {plain.wall:.2f} s = {count / plain.wall:,.0f} schools/s")
    figures = []

    def stored(kind: str, url: str) -> None:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        timing = _score(
            csv_path,
            directory / f"stored-{kind}.jsonl",
            1,
            count,
            ["--store", "Bench district", "--assessed-on", "2026-09-01"],
            default_env(PLADVISOR_DATABASE_URL=url),
        )
        ratio = timing.wall / plain.wall
        say(f"  with --store on {kind}: {timing.wall:.2f} s = {count / timing.wall:,.0f} schools/s ({ratio:.2f}x)")
        figures.append(
            Figure(
                f"8 score --store {count:,} ({kind})",
                f"{timing.wall:.2f} s, {count / timing.wall:,.0f} rows/s",
                f"{plain.wall:.2f} s without storing",
                f"{ratio:.2f}x",
                f"<= {STORE_RATIO:.0f}x",
                ratio <= STORE_RATIO,
            )
        )

    stored("SQLite", f"sqlite:///{directory / 'bench.db'}")
    on_postgres(lambda url: stored("PostgreSQL", url))
    return figures


# --- 10. reading stored history at scale --------------------------------------------------------------------------

HISTORY_DISTRICTS = 100
PROGRESS_P99_MS = 20.0
ROLLOUT_P99_MS = 500.0


def history_figures(advisor: Advisor, raws: Sequence[dict[str, Any]], directory: Path, full: bool) -> list[Figure]:
    """A school's progress and a 1,000-school district's roll-out with 1,000,000 assessments stored, on SQLite
    and on PostgreSQL, against the same reads with the measured district alone stored (bench/stored_history.py).
    The targets are the PostgreSQL ones."""
    from stored_history import Latencies, Seeder, distinct_rows, measure

    rows = distinct_rows(advisor, raws)
    districts = HISTORY_DISTRICTS if full else HISTORY_DISTRICTS // 10
    progress_reads, rollout_reads = (500, 30) if full else (100, 5)
    probe = json.dumps(raws[0]).encode()
    figures: list[Figure] = []

    def on(kind: str, url: str) -> None:
        seeder = Seeder(url, rows)
        district_id, school_ids = seeder.district(actions=True)
        alone = seeder.assessments
        with serving(_pladvisor(1), ASSESS_PATH, probe, PLADVISOR_DATABASE_URL=url) as server:
            small = measure(server.url, seeder.key, district_id, school_ids, progress_reads, rollout_reads)
            start = time.perf_counter()
            for _ in range(districts - 1):
                seeder.district()
            say(f"  {kind}: {seeder.assessments:,} assessments stored ({time.perf_counter() - start:.0f} s to add)")
            large = measure(server.url, seeder.key, district_id, school_ids, progress_reads, rollout_reads)
        seeder.engine.dispose()
        for name, before, after, target in (
            ("a school's progress", small.progress, large.progress, PROGRESS_P99_MS),
            ("roll-out of 1,000 schools", small.rollout, large.rollout, ROLLOUT_P99_MS),
        ):
            p50, p99, baseline = Latencies.p(after, 50), Latencies.p(after, 99), Latencies.p(before, 99)
            say(
                f"  {name} on {kind}: p50 {p50:.1f} ms, p99 {p99:.1f} ms with {seeder.assessments:,} stored; "
                f"p99 {baseline:.1f} ms with {alone:,}"
            )
            figures.append(
                Figure(
                    f"10 {name} ({kind})",
                    f"p50 {p50:.1f} ms, p99 {p99:.1f} ms at {seeder.assessments:,}",
                    f"p99 {baseline:.1f} ms at {alone:,}",
                    f"{p99 / baseline:.2f}x",
                    f"p99 < {target:.0f} ms" + ("" if kind == "PostgreSQL" else " (PostgreSQL's)"),
                    judged(p99 < target, full) if kind == "PostgreSQL" else None,
                )
            )

    on("SQLite", f"sqlite:///{directory / 'history.db'}")
    (directory / "history.db").unlink()
    on_postgres(lambda url: on("PostgreSQL", url))
    return figures


# --- 7. several respondents per school ----------------------------------------------------------------------------

DISTRICT_SCHOOLS = 1000
PER_SCHOOL: dict[Role, int] = {"leader": 1, "teacher": 60, "student": 40}
DISTRICT_SECONDS = 20


def respondents_figures(advisor: Advisor, directory: Path, scale: Scale) -> list[Figure]:
    """A district's survey (1,000 schools of 101 respondents, seeded) combined in process and by `pladvisor
    combine`, against scoring the same schools' 1,000 leaders' answers as single-respondent profiles."""
    schools = DISTRICT_SCHOOLS if scale is FULL else DISTRICT_SCHOOLS // 10
    survey = directory / "survey.csv"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "examples" / "generate_respondents.py"),
            "--schools",
            str(schools),
            *(arg for role, count in PER_SCHOOL.items() for arg in (f"--{role}s", str(count))),
            "-o",
            str(survey),
        ],
        check=True,
    )
    respondents = load_respondents(default_rules_dir(), advisor.catalog)
    combiner = Combiner(advisor, respondents, Settings().minimum_group)

    def combine_all() -> None:
        class _Discard:
            def write(self, line: int, school_id: str | None, errors: Any) -> None:
                raise AssertionError(f"line {line}: {errors}")

        grouped = combining.group(combining.read_rows(survey, respondents, {}), _Discard())  # type: ignore[arg-type]
        for school in grouped:
            to_json(combiner.combine(CombinedRequest(school_id=school.school_id, responses=school.responses)))

    leaders: list[dict[str, Any]] = []
    for row in combining.read_rows(survey, respondents, {}):
        if row.response is not None and row.response.role == "leader":
            leaders.append({"school_id": row.school_id, **row.response.answers})

    def single_all() -> None:
        for raw in leaders:
            to_json(advisor.assess(profile_from_answers(answers_of(raw), school_id=str(raw["school_id"]))))

    combined, single = timed(combine_all), timed(single_all)
    count = schools * sum(PER_SCHOOL.values())
    out = directory / "combined.jsonl"
    start = time.perf_counter()
    done = subprocess.run(
        [str(BIN / "pladvisor"), "combine", str(survey), "-o", str(out)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=default_env(),
        check=False,
    )
    cli_wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"pladvisor combine exited {done.returncode}: {done.stderr[-2000:]}")
    say(
        f"  {schools:,} schools, {count:,} respondents (1 leader, 60 teachers, 40 students each): in process "
        f"{combined.cpu:.2f} CPU-s = {count / combined.cpu:,.0f} respondents/s; `pladvisor combine` {cli_wall:.2f} s"
    )
    say(
        f"  baseline, the {len(leaders):,} leaders' answers scored as single profiles: {single.cpu:.2f} CPU-s = "
        f"{len(leaders) / single.cpu:,.0f} profiles/s"
    )
    per_school = combined.cpu / schools
    return [
        Figure(
            f"7 combine {schools:,} schools x 101, in process",
            f"{combined.cpu:.2f} CPU-s, {count / combined.cpu:,.0f} respondents/s",
            f"{single.cpu:.2f} CPU-s for {len(leaders):,} single profiles",
            f"{per_school / (single.cpu / len(leaders)):.1f}x per school",
            f"< {DISTRICT_SECONDS} s one core",
            judged(combined.cpu < DISTRICT_SECONDS, scale is FULL),
        ),
        Figure(
            f"7 pladvisor combine {schools:,} schools x 101",
            f"{cli_wall:.2f} s wall, {count / cli_wall:,.0f} respondents/s",
            f"{single.cpu:.2f} CPU-s single profiles",
            f"{cli_wall / single.cpu:.1f}x",
            f"< {DISTRICT_SECONDS} s",
            judged(cli_wall < DISTRICT_SECONDS, scale is FULL),
        ),
    ]


# --- 9. peer rule engines ---------------------------------------------------------------------------------------


def peer_figures(catalog: Catalog, raws: Sequence[dict[str, Any]], scale: Scale) -> tuple[list[Figure], str]:
    """The peer table (bench/peers.py), for the record; the one target is that every engine fired the same."""
    facts = [
        SchoolProfile.model_validate(raw, strict=True).model_dump(exclude_none=True, exclude={"school_id", "name"})
        for raw in raws
    ]
    results = peers(catalog, facts, scale.engine_rounds)
    text = peer_table(results)
    for line in text.splitlines():
        say(f"  {line}")
    measured = [row for row in results if row.mismatches is not None]
    wrong = sum(row.mismatches or 0 for row in measured)
    ours = results[0].us_per_school or 0.0
    figures = [
        Figure(
            f"9 peer: {row.name}",
            "not measured" if row.us_per_school is None else f"{row.us_per_school:,.0f} µs/school",
            f"{ours:,.0f} µs RuleEvaluator.fired",
            "-" if row.us_per_school is None else f"{row.us_per_school / ours:.2f}x",
            "-",
            None,
        )
        for row in results[1:]
    ]
    figures.append(
        Figure(
            "9 peers fire the same rules",
            f"{wrong} mismatches",
            f"{len(measured)} engines x {len(facts):,} schools",
            "-",
            "0",
            wrong == 0,
        )
    )
    return figures, text


# --- the table --------------------------------------------------------------------------------------------------


# --- 11. explaining: what would move a school up, and a catalog change reviewed -------------------------------------

WHAT_IF_P99_MS = 50
"""The target of ``POST /v1/assessments/what-if`` per school on one core, for the shipped catalog."""


def explaining_figures(advisor: Advisor, raws: Sequence[dict[str, Any]], full: bool) -> list[Figure]:
    """What-if time per school against one assessment of the same schools, and ``catalog diff`` (the shipped
    catalog against itself: every school assessed twice) against assessing them once."""
    from pladvisor.advice.catalog_diff import CatalogDiff
    from pladvisor.advice.what_if import what_if

    schools = [SchoolProfile.model_validate(raw, strict=True) for raw in raws[: 1000 if full else 200]]
    searched: list[float] = []
    for profile in schools:
        start = time.process_time()
        what_if(advisor, profile)
        searched.append((time.process_time() - start) * 1000)

    def assess_each() -> None:
        for profile in schools:
            advisor.assess(profile)

    once = timed(assess_each)
    searched.sort()
    p50, p99 = searched[len(searched) // 2], searched[min(len(searched) - 1, int(len(searched) * 0.99))]
    per_assessment = once.cpu / len(schools) * 1000
    say(f"  what-if: p50 {p50:.1f} ms, p99 {p99:.1f} ms CPU per school; one assessment {per_assessment:.2f} ms")
    diff = CatalogDiff(advisor, Advisor.from_directory())

    def compare_each() -> None:
        for line, raw in enumerate(raws, start=1):
            diff.add(line, raw)

    def read_and_assess_each() -> None:
        for raw in raws:
            advisor.assess(SchoolProfile.model_validate(raw, strict=True))

    compared, assessed = timed(compare_each), timed(read_and_assess_each)
    diff_rate, assess_rate = len(raws) / compared.cpu, len(raws) / assessed.cpu
    say(f"  catalog diff: {diff_rate:,.0f} schools/s; assessing once {assess_rate:,.0f} schools/s")
    return [
        Figure(
            "11 what-if per school (1 core)",
            f"p50 {p50:.1f} ms, p99 {p99:.1f} ms",
            f"one assessment {per_assessment:.2f} ms",
            f"{p99 / per_assessment:.0f}x",
            f"p99 < {WHAT_IF_P99_MS} ms",
            judged(p99 < WHAT_IF_P99_MS, full),
        ),
        Figure(
            "11 catalog diff",
            f"{diff_rate:,.0f} schools/s",
            f"{assess_rate:,.0f} assessed once/s",
            f"{diff_rate / assess_rate:.2f}x",
            "(for the record)",
            None,
        ),
    ]


def table(figures: Sequence[Figure]) -> str:
    header = Figure("figure", "measured", "baseline", "ratio", "target", None)
    cells = [[f.name, f.measured, f.baseline, f.ratio, f.target] for f in (header, *figures)]
    met = ["met?", *("-" if f.met is None else "yes" if f.met else "NO" for f in figures)]
    widths = [max(len(row[i]) for row in cells) for i in range(5)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) + "  " + verdict
        for row, verdict in zip(cells, met, strict=True)
    ]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


RATIOS = """\
ratio column:
  1  CPU per school of the full loop / of the same loop with plain-Python conditions
  2  CPU per school of RuleEvaluator.fired / of a bare cycle through durable-rules' Host
     (and / through durable_rules_engine directly, / plain Python)
  3  server CPU per request, pladvisor / echo (the target);  pladvisor req/s / echo req/s (telling only while
     both servers are saturated);  p99 pladvisor / echo;  2 workers req/s / 1 process
  4  schools per server CPU-second over HTTP batches / in-process schools per CPU-second (1)
  5  server RSS, highest reading of the soak's second half / of its first half (one reading wanders with the
     batches in flight; a leak raises the high-water mark)
  6  CLI schools per CPU-second (all its processes, start-up included) / in-process (1);
     1-worker wall time / 2-worker wall time
  7  CPU per school combining 101 respondents / scoring one single-respondent profile;
     `pladvisor combine` wall time / in-process CPU of the single profiles
  8  wall time of `pladvisor score --store` into a new database / of the same run without storing
  9  an engine's CPU per school / RuleEvaluator.fired's (below 1: faster than pladvisor's evaluator)
  10 p99 latency of a read with 1,000,000 assessments stored / with the measured district's 10,000 alone"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="Smaller counts and shorter loads: a smoke run.")
    args = parser.parse_args()
    scale = QUICK if args.quick else FULL
    began = time.perf_counter()
    say(
        f"pladvisor bench{' --quick' if args.quick else ''}: Python {platform.python_version()}, "
        f"{os.cpu_count()} cores, load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}; "
        f"the load generator and the servers run on this same machine"
    )
    with tempfile.TemporaryDirectory(prefix="pladvisor-bench-") as tmp:
        directory = Path(tmp)
        csv_path, raws = school_set(scale.schools, directory)
        say(f"school set: {len(raws):,} generated schools ({csv_path.name}, temporary)")
        advisor = Advisor.from_directory()
        figures: list[Figure] = []
        with section("1. in process, one core"):
            first, rate = in_process(advisor, raws, scale)
            figures += first
        with section("2. the engine"):
            figures += engine_figures(advisor.catalog, raws, scale)
        with section("3-5. HTTP"):
            figures += http_figures(raws, rate, scale, full=not args.quick)
        with section("6. the CLI"):
            figures += cli_figures(csv_path, len(raws), rate, not args.quick, directory)
        with section("7. several respondents per school"):
            figures += respondents_figures(advisor, directory, scale)
        with section("8. storing assessments"):
            figures += storage_figures(csv_path, len(raws), directory)
        with section("10. reading stored history at scale"):
            figures += history_figures(advisor, raws, directory, full=not args.quick)
        with section("11. explaining: what-if and catalog diff"):
            figures += explaining_figures(advisor, raws, full=not args.quick)
        with section("9. peer rule engines on the same catalog and schools (for the record)"):
            more, peer_text = peer_figures(advisor.catalog, raws, scale)
            figures += more

    say(
        f"\nresults ({time.perf_counter() - began:.0f} s in all"
        f"{'; quick run: targets for the full counts are not judged' if args.quick else ''})\n"
    )
    say(table(figures))
    say("\n" + RATIOS)
    say("\npeer rule engines (9), CPU time per school, least of the rounds:\n" + peer_text)


if __name__ == "__main__":
    main()
