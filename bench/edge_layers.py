"""Section 13: what each layer of the HTTP edge costs, from the server's CPU per POST /v1/assessments.

    .venv/bin/python bench/edge_layers.py [--quick]     # this section alone

The edge is what a request costs the server beyond the assessment itself: the server's CPU
per request less the in-process cost of validating, assessing and encoding the same school.
Its target is at most echo's whole request. Which layer to work on is read from the table
this prints: each row serves the real application with one layer taken out (bench/edge_app.py
says how), and its cost is the full stack's CPU per request less the row's. Layers that are
off by default (the access log below info, API keys, the API's rate limit, CORS) are put in
instead, and cost the row's CPU less the full stack's. A cost below zero means the layer saves
more than it spends, or is within the noise.

Each row is measured twice. Over HTTP, by wrk as in section 3: all the servers run at once,
idle but for the one under load, and a full run keeps the least CPU per request of three
rounds taken in turn; the full stack is loaded at the start and the end of every round, and
the spread of those readings is the noise. A server's CPU per request grows when other
processes take the cores (fewer requests per turn of its event loop, so more system calls for
each), so on a shared machine that noise can be as large as a layer. Without a socket
(bench/edge_asgi.py): the same application called through its ASGI entry point, one request
after another, every row in a process of its own and the rows asked for rounds in turn; this
leaves out the protocol and the sockets, and varies far less with the machine's load, so it is
what ranks the application's layers. The protocol's row is measured over HTTP only.
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import edge_app
from common import QUICK, ROOT, Figure, say, school_set, section, table, timed
from echo_app import ECHO_PATH
from native_load import drive_wrk, wrk_path
from over_http import ASSESS_PATH, BUSY_CORES, Served, _echo, _measure, pladvisor_command
from servers import HOST, Server, default_env, serving

from pladvisor.advice.advisor import Advisor
from pladvisor.domain.base import to_json
from pladvisor.domain.profile import SchoolProfile

SCHOOLS = 1000
"""Bodies the load cycles through: enough that no cache sees one school twice in a row, few enough that the
answers made beforehand (about 25 KB each) stay small."""
BOUNDED = "pladvisor.api.server:BoundedHttpToolsProtocol"
EDGE_TARGET = 1.0
"""The edge, at most this many times echo's CPU per request."""
IN_PROCESS_ROUNDS = 2
"""Rounds of the in-process loops at the start of each round of loads: they are measured beside the servers."""
STOP_SECONDS = 15
ECHO = "echo"
KEEP_ALIVE_SECONDS = 75
"""As ``pladvisor serve`` (cli.serving): uvicorn's own default would close idle connections after 5 s."""


@dataclass(frozen=True, eq=False)
class Variant:
    layer: str
    change: str
    """What this server does otherwise than the full stack."""
    factory: str = "full"
    """A function of bench/edge_app.py."""
    protocol: str = BOUNDED
    settings: dict[str, str] = field(default_factory=dict)
    adds: bool = False
    """The layer is off by default and this server puts it in: it costs this row less the full stack."""
    asgi: bool = True
    """Whether the change is in the application, so that driving it without a socket (bench/edge_asgi.py) sees it."""


FULL = Variant("full stack", "the application and protocol `pladvisor serve` serves, at log level warning")
SERVE = Variant("(check)", "`pladvisor serve` itself, section 3's server: should match the full stack", asgi=False)
EDGE_ONLY = Variant(
    "(the edge, direct)",
    "no validation, advice or encoding: each body's assessment and answer made beforehand, counted and sent",
    factory="edge_only",
)
OFF = (
    Variant("protocol", "uvicorn's plain httptools protocol: no bounds, an answer's head and body in two writes",
            protocol="httptools", asgi=False),
    Variant("service entry point", "Litestar's entry point: no request id, disconnect watch, request metrics, "
            "access-log check or page headers", factory="without_entry_point"),
    Variant("metrics", "no request counter, latency histogram, in-progress gauge or assessment counters",
            factory="without_metrics"),
    Variant("page headers", "no look at each answer's type for the HTML pages' headers",
            factory="without_page_headers"),
    Variant("rate limits", "no embed and survey limits (on by default; each looks at every request)",
            settings={"PLADVISOR_EMBED_READS_PER_MINUTE": "0", "PLADVISOR_SURVEY_ANSWERS_PER_MINUTE": "0"}),
    Variant("JSON body check", "no before-request check of the body's type and presence",
            factory="without_json_check"),
    Variant("body decoding", "no JSON decoding or validation: each body's profile made beforehand",
            factory="without_body_decoding"),
    Variant("encoding", "no encoding: each body's answer encoded beforehand", factory="without_encoding"),
)  # fmt: skip
ON = (
    Variant("access log", "one JSON line a request, as at the default level info (to /dev/null)",
            factory="with_access_log", adds=True),
    Variant("API keys", "a key required, and sent with every request", factory="with_api_keys",
            settings={"PLADVISOR_API_KEYS": edge_app.API_KEY}, adds=True),
    Variant("API rate limit", "PLADVISOR_RATE_LIMIT_PER_MINUTE set, never reached",
            settings={"PLADVISOR_RATE_LIMIT_PER_MINUTE": "100000000"}, adds=True),
    Variant("CORS", "PLADVISOR_CORS_ORIGINS set (the load sends no Origin, as a script does)",
            settings={"PLADVISOR_CORS_ORIGINS": "https://portal.example.org"}, adds=True),
)  # fmt: skip


@dataclass(frozen=True)
class Rounds:
    count: int
    unsocketed: int
    """Rounds of the rows driven without a socket, each every body once."""
    seconds: float
    warmup_seconds: float


QUICK_ROUNDS = Rounds(count=1, unsocketed=5, seconds=3, warmup_seconds=1)
FULL_ROUNDS = Rounds(count=3, unsocketed=10, seconds=5, warmup_seconds=1)


def _variant_command(variant: Variant) -> Callable[[int], list[str]]:
    def command(port: int) -> list[str]:
        return [
            sys.executable,
            "-m",
            "uvicorn",
            f"edge_app:{variant.factory}",
            "--factory",
            "--app-dir",
            str(ROOT / "bench"),
            "--host",
            HOST,
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
            "--loop",
            "asyncio",
            "--http",
            variant.protocol,
            "--timeout-keep-alive",
            str(KEEP_ALIVE_SECONDS),
            "--no-proxy-headers",
        ]

    return command


@dataclass(frozen=True)
class InProcess:
    """Least CPU seconds per school of a few rounds: the whole loop, and each of its steps alone."""

    whole: float
    validate: float
    assess: float
    encode: float


def in_process(advisor: Advisor, raws: Sequence[dict[str, Any]]) -> InProcess:
    """As section 1 and the server do it: warmed up, then with the collector frozen."""
    profiles = [SchoolProfile.model_validate(raw, strict=True) for raw in raws]
    assessments = [advisor.assess(profile) for profile in profiles]
    gc.collect()
    gc.freeze()

    def whole() -> None:
        for raw in raws:
            to_json(advisor.assess(SchoolProfile.model_validate(raw, strict=True)))

    def validate() -> None:
        for raw in raws:
            SchoolProfile.model_validate(raw, strict=True)

    def assess() -> None:
        for profile in profiles:
            advisor.assess(profile)

    def encode() -> None:
        for assessment in assessments:
            to_json(assessment)

    loops = {"whole": whole, "validate": validate, "assess": assess, "encode": encode}
    best = dict.fromkeys(loops, float("inf"))
    for _ in range(IN_PROCESS_ROUNDS):
        for name, work in loops.items():
            best[name] = min(best[name], timed(work).cpu / len(raws))
    gc.unfreeze()
    return InProcess(**best)


def _least(found: Sequence[InProcess]) -> InProcess:
    return InProcess(
        whole=min(f.whole for f in found),
        validate=min(f.validate for f in found),
        assess=min(f.assess for f in found),
        encode=min(f.encode for f in found),
    )


def _run(server: Server, path: str, bodies: Sequence[bytes], rounds: Rounds, connections: int) -> Served:
    """A warm-up first, as in section 3: the first round finds each server fresh."""
    drive_wrk(server.url, path, bodies, connections, rounds.warmup_seconds)
    return _measure(server, lambda: drive_wrk(server.url, path, bodies, connections, rounds.seconds))


@contextmanager
def _drivers(rows: dict[str, tuple[str, dict[str, str]]], lines: Path) -> Iterator[dict[str, subprocess.Popen[str]]]:
    """One bench/edge_asgi.py process per row (``"factory path"`` and settings by row), all started at once and
    each ready once it has started its application and warmed it up; stopped when the block ends."""
    started: dict[str, subprocess.Popen[str]] = {}
    try:
        for row, (target, settings) in rows.items():
            factory, _, path = target.partition(" ")
            started[row] = subprocess.Popen(
                [sys.executable, str(ROOT / "bench" / "edge_asgi.py"), factory, path, str(lines)],
                env=default_env(**settings, **{edge_app.BODIES: str(lines)}),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
        for row, process in started.items():
            _answer(row, process)
        yield started
    finally:
        for process in started.values():
            if process.stdin is not None:
                process.stdin.close()
        for process in started.values():
            process.wait(timeout=STOP_SECONDS)


def _answer(row: str, process: subprocess.Popen[str]) -> str:
    line = process.stdout.readline().strip() if process.stdout is not None else ""
    if not line:
        raise RuntimeError(f"{row}: the application driven without a socket stopped (exit {process.poll()})")
    return line


def _unsocketed(drivers: dict[str, subprocess.Popen[str]], rounds: int) -> dict[str, float]:
    """The least CPU ms per request of each row over ``rounds`` rounds, the rows taken in turn."""
    best = dict.fromkeys(drivers, float("inf"))
    for _ in range(rounds):
        for row, process in drivers.items():
            if process.stdin is None:
                raise RuntimeError(f"{row}: no stdin")
            process.stdin.write("round\n")
            process.stdin.flush()
            best[row] = min(best[row], float(_answer(row, process)))
    return best


def _ms(served: Served) -> float:
    return served.cpu_ms_per_request


def edge_figures(raws: Sequence[dict[str, Any]], full: bool, connections: int) -> list[Figure]:
    """Every server is started first and stays up; each round then loads echo, the full stack, every variant
    and the full stack again, in turn, and each row keeps its least CPU per request over the rounds."""
    if wrk_path() is None:
        say("  wrk is not installed (`make bench` installs it): the edge's layers are not measured")
        return [Figure("13 HTTP edge by layer (wrk)", "not measured: wrk is not installed", "-", "-", "-", None)]
    rounds = FULL_ROUNDS if full else QUICK_ROUNDS
    raws = raws[:SCHOOLS]
    bodies = [json.dumps(raw).encode() for raw in raws]
    variants = (FULL, SERVE, EDGE_ONLY, *OFF, *ON)
    advisor = Advisor.from_directory()
    say(
        f"  {len(variants) + 1} servers started at once (echo, the full stack, each variant), each loaded in turn "
        f"by wrk over {connections} connections for {rounds.seconds:.0f} s after {rounds.warmup_seconds:.0f} s; "
        f"{rounds.count} round(s), the least CPU per request of each kept"
    )
    with tempfile.TemporaryDirectory(prefix="pladvisor-edge-") as tmp, ExitStack() as stack:
        lines = Path(tmp) / "bodies.jsonl"
        lines.write_bytes(b"\n".join(bodies) + b"\n")
        direct = _direct([v for v in variants if v.asgi], lines, rounds.unsocketed)
        echo = stack.enter_context(serving(_echo, ECHO_PATH, bodies[0]))
        servers: dict[Variant, Server] = {}
        for variant in variants:
            command = pladvisor_command(1) if variant is SERVE else _variant_command(variant)
            settings = {**variant.settings, edge_app.BODIES: str(lines)}
            servers[variant] = stack.enter_context(serving(command, ASSESS_PATH, bodies[0], **settings))
        echo_runs: list[Served] = []
        costs: list[InProcess] = []
        runs: dict[Variant, list[Served]] = {variant: [] for variant in variants}
        others = variants[1:]
        for turn in range(rounds.count):
            costs.append(in_process(advisor, raws))
            echo_runs.append(_run(echo, ECHO_PATH, bodies, rounds, connections))
            # Each round starts one row further on, so a drift in the machine's load does not fall on the same rows.
            shift = turn % len(others)
            for variant in (FULL, *others[shift:], *others[:shift], FULL):
                runs[variant].append(_run(servers[variant], ASSESS_PATH, bodies, rounds, connections))
    cost = _least(costs)
    say(
        f"  {len(raws):,} schools in process, least CPU of {IN_PROCESS_ROUNDS * rounds.count} rounds, collector "
        f"frozen: {1e3 * cost.whole:.3f} ms each (validate {1e3 * cost.validate:.3f}, assess "
        f"{1e3 * cost.assess:.3f}, encode {1e3 * cost.encode:.3f})"
    )
    best = {variant: min(found, key=_ms) for variant, found in runs.items()}
    return _report(best, runs[FULL], min(echo_runs, key=_ms), cost, direct)


@dataclass(frozen=True)
class Direct:
    """CPU ms per request of each row's application driven without a socket, and echo's."""

    rows: dict[Variant, float]
    echo: float


def _direct(variants: Sequence[Variant], lines: Path, rounds: int) -> Direct:
    rows = {variant.layer: (f"edge_app:{variant.factory} {ASSESS_PATH}", variant.settings) for variant in variants}
    rows[ECHO] = (f"echo_app:create_app {ECHO_PATH}", {})
    with _drivers(rows, lines) as drivers:
        best = _unsocketed(drivers, rounds)
    return Direct({variant: best[variant.layer] for variant in variants}, best[ECHO])


def _report(
    best: dict[Variant, Served], full_runs: list[Served], echo: Served, cost: InProcess, direct: Direct
) -> list[Figure]:
    full = _ms(best[FULL])
    noise = max(map(_ms, full_runs)) - min(map(_ms, full_runs))
    in_process_ms = 1e3 * cost.whole
    edge = full - in_process_ms
    direct_full = direct.rows[FULL]
    direct_edge = direct_full - in_process_ms
    rows = [["layer", "HTTP CPU ms/req", "HTTP cost", "no socket ms/req", "no socket cost", "req/s", "wrk", "others"]]
    changes: list[str] = []

    def cost_of(variant: Variant, measured: float, against: float) -> float:
        return measured - against if variant.adds else against - measured

    def row(layer: str, served: Served, variant: Variant | None, change: str) -> None:
        http_cost = no_socket = no_socket_cost = "-"
        if variant is not None and variant not in (FULL, SERVE, EDGE_ONLY):
            http_cost = f"{cost_of(variant, _ms(served), full):+.3f}"
        if variant is not None and variant in direct.rows:
            no_socket = f"{direct.rows[variant]:.3f}"
            if variant not in (FULL, EDGE_ONLY):
                no_socket_cost = f"{cost_of(variant, direct.rows[variant], direct_full):+.3f}"
        elif variant is None:
            no_socket = f"{direct.echo:.3f}"
        load = served.load
        rows.append(
            [
                layer,
                f"{_ms(served):.3f}",
                http_cost,
                no_socket,
                no_socket_cost,
                f"{load.rate:,.0f}",
                f"{load.client_core_share:.0%}",
                f"{served.others:.2f}",
            ]
        )
        changes.append(
            f"  {layer}: {change}" + "".join(f"; NOT A FIGURE OF THE ROUTE: {problem}" for problem in load.problems)
        )

    row("echo (reference)", echo, None, "bench/echo_app.py, section 3's baseline")
    row(FULL.layer, best[FULL], FULL, f"{FULL.change}; its HTTP readings spread {noise:.3f} ms (the noise)")
    for variant, served in best.items():
        if variant is not FULL:
            row(f"{'+' if variant.adds else '-'} {variant.layer}" if variant not in (SERVE, EDGE_ONLY) else
                variant.layer, served, variant, variant.change)  # fmt: skip
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    say("")
    for r in rows:
        say("  " + "  ".join(cell.ljust(width) for cell, width in zip(r, widths, strict=True)).rstrip())
    say("\n  what each row changes:")
    for change in changes:
        say("  " + change)
    layers = [v for v in best if v not in (FULL, SERVE, EDGE_ONLY)]
    http_costs = {v: cost_of(v, _ms(best[v]), full) for v in layers}
    direct_costs = {v: cost_of(v, direct.rows[v], direct_full) for v in layers if v in direct.rows}
    say(
        f"\n  the edge over HTTP: {full:.3f} ms full stack - {in_process_ms:.3f} ms in process = {edge:.3f} ms, "
        f"{edge / _ms(echo):.2f}x echo's {_ms(echo):.3f} ms (target at most {EDGE_TARGET:.0f}x); measured directly "
        f"(no validation, advice or encoding) {_ms(best[EDGE_ONLY]):.3f} ms"
    )
    say(
        f"  without a socket: {direct_full:.3f} ms - {in_process_ms:.3f} ms = {direct_edge:.3f} ms, "
        f"{direct_edge / direct.echo:.2f}x echo's {direct.echo:.3f} ms: the rest of the HTTP edge, "
        f"{edge - direct_edge:.3f} ms, is the protocol, the event loop and the sockets"
    )
    busiest = max(served.others for served in (*best.values(), echo))
    if busiest >= BUSY_CORES:
        say(
            f"  other processes used up to {busiest:.2f} cores during the HTTP loads: every HTTP row is slower than "
            f"the code is, and by how much varies from row to row; the rows without a socket vary far less"
        )
    ranked = sorted((v for v in direct_costs if not v.adds), key=lambda v: direct_costs[v], reverse=True)
    say(
        "  costliest layers, without a socket: "
        + ", ".join(f"{v.layer} {direct_costs[v]:+.3f} ms" for v in ranked[:4])
        + f"; over HTTP, the protocol {http_costs[OFF[0]]:+.3f} ms (an HTTP cost under {noise:.3f} ms is noise)"
    )
    invalid = "INVALID (not all 200): " if any(s.load.problems for s in (*best.values(), echo)) else ""
    ratio = edge / _ms(echo)
    figures = [
        Figure(
            "13 HTTP edge: server CPU/request - in-process",
            f"{invalid}{edge:.3f} ms ({full:.3f} - {in_process_ms:.3f})",
            f"{_ms(echo):.3f} ms echo",
            f"{ratio:.2f}x",
            f"<= {EDGE_TARGET:.0f}x echo",
            not invalid and ratio <= EDGE_TARGET,
        ),
        Figure(
            "13 the edge without a socket (record)",
            f"{direct_edge:.3f} ms ({direct_full:.3f} - {in_process_ms:.3f})",
            f"{direct.echo:.3f} ms echo",
            f"{direct_edge / direct.echo:.2f}x",
            "-",
            None,
        ),
        Figure(
            "13 HTTP edge measured directly (record)",
            f"{invalid}{_ms(best[EDGE_ONLY]):.3f} ms",
            f"{_ms(echo):.3f} ms echo",
            f"{_ms(best[EDGE_ONLY]) / _ms(echo):.2f}x",
            "-",
            None,
        ),
    ]
    for variant in layers:
        measured = f"{invalid}{http_costs[variant]:+.3f} ms HTTP"
        if variant in direct_costs:
            measured += f", {direct_costs[variant]:+.3f} ms without a socket"
        figures.append(
            Figure(
                f"13 layer {'on' if variant.adds else 'off'}: {variant.layer}",
                measured,
                f"{full:.3f} / {direct_full:.3f} ms full stack",
                f"{(direct_costs.get(variant, http_costs[variant])) / edge:.0%} of the edge",
                f"HTTP noise {noise:.3f} ms",
                None,
            )
        )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="One round of short loads instead of three.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pladvisor-bench-") as tmp:
        _, raws = school_set(SCHOOLS, Path(tmp))
    with section("13. the HTTP edge, layer by layer"):
        figures = edge_figures(raws, not args.quick, QUICK.concurrency)
    say("\n" + table(figures))


if __name__ == "__main__":
    main()
