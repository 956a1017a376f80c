"""What every section of `make bench` shares: the scale of a run, the figures and their table, the clocks,
the machine's load next to each section, and the school set all of them measure."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pladvisor.cli.records import read_records

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


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


def machine_busy() -> float:
    """CPU seconds all cores have spent busy since boot (/proc/stat; steal is the hypervisor's, not counted)."""
    with open("/proc/stat", encoding="ascii") as stat:
        user, nice, system, _idle, _iowait, irq, softirq = (int(v) for v in stat.readline().split()[1:8])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def own_cpu() -> float:
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
    busy, own, start = machine_busy(), own_cpu(), time.perf_counter()
    yield
    wall = time.perf_counter() - start
    others = max(0.0, (machine_busy() - busy) - (own_cpu() - own))
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


# --- the table --------------------------------------------------------------------------------------------------


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
  10 p99 latency of a read with 1,000,000 assessments stored / with the measured district's 10,000 alone
  12 p99 of an answer through a survey link / of POST /v1/assessments, same server and connections;
     server RSS, highest over the second school's answers and survey read / over the first's
  13 the edge (server CPU per request less the in-process cost of the same schools) / echo's CPU per request;
     a layer's cost / the edge"""
