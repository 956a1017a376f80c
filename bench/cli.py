"""Section 6: `pladvisor score` on the school set, with one worker and with two."""

from __future__ import annotations

import resource
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from common import BIN, Figure, Timing, judged, say
from servers import default_env


def score(
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
    one = score(csv_path, directory / "out-1.jsonl", 1, count)
    two = score(csv_path, directory / "out-2.jsonl", 2, count)
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
