"""Section 6: `pladvisor score` on 100,000 schools (5,000 with --quick), with one worker and with two.

Each run is watched from outside: its wall time, the CPU of the command and its workers, the other processes'
share of the machine meanwhile, and the resident memory of the whole process tree, read every 50 ms. Both
outputs must hold every school once, in input order, and the same bytes.
"""

from __future__ import annotations

import hashlib
import os
import resource
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from common import BIN, Figure, judged, machine_busy, say
from servers import default_env

FULL_ROWS = 100_000
QUICK_ROWS = 5_000
"""A thousand rows take about as long as starting the command and its workers: too few to show scaling."""
SAMPLE_SECONDS = 0.05


@dataclass(frozen=True)
class CliRun:
    wall: float
    cpu: float
    """CPU seconds of the command and every worker process it started."""
    others: float
    """Cores the machine's other processes kept busy meanwhile, on average."""
    peak_rss: int
    """Highest resident memory of the command and its workers together, in bytes."""
    early_peak_rss: int
    late_peak_rss: int
    """Highest tree RSS over the first and over the second half of the run: a leak raises the second."""
    digest: str
    """SHA-256 of the output."""


def repeated_set(school_csv: Path, rows: int, directory: Path) -> Path:
    """The school set's rows again and again up to ``rows``: each is scored anew, so the work is the same as for
    as many distinct schools, without generating and checking a second set."""
    header, *body = school_csv.read_bytes().splitlines(keepends=True)
    path = directory / f"cli-{rows}.csv"
    with path.open("wb") as handle:
        handle.write(header)
        for number in range(rows):
            handle.write(body[number % len(body)])
    return path


def _tree(pid: int) -> Iterator[int]:
    yield pid
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except FileNotFoundError:
        return
    for task in tasks:
        try:
            children = (task / "children").read_text().split()
        except FileNotFoundError:
            continue
        for child in children:
            yield from _tree(int(child))


def tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and all its descendants (0 for one that has just ended)."""
    total = 0
    for member in _tree(pid):
        try:
            status = Path(f"/proc/{member}/status").read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
    return total


def score(
    csv_path: Path, out: Path, workers: int, count: int, extra: Sequence[str] = (), env: dict[str, str] | None = None
) -> CliRun:
    """One `pladvisor score` run of ``count`` schools, start-up included, its memory sampled from outside until it
    exits, and its output checked."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy, own = machine_busy(), os.times()
    start = time.perf_counter()
    process = subprocess.Popen(
        [str(BIN / "pladvisor"), "score", str(csv_path), "-o", str(out), "--workers", str(workers), *extra],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env or default_env(),
    )
    samples: list[tuple[float, int]] = []

    def sample() -> None:
        while process.poll() is None:
            samples.append((time.perf_counter() - start, tree_rss(process.pid)))
            time.sleep(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = process.communicate()
    wall = time.perf_counter() - start
    sampler.join()
    if process.returncode != 0:
        raise RuntimeError(f"pladvisor score --workers {workers} exited {process.returncode}: {err[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
    mine = sum(os.times()[:4]) - sum(own[:4])
    others = max(0.0, machine_busy() - busy - mine) / wall
    readings = [rss for _, rss in samples] or [0]
    return CliRun(
        wall=wall,
        cpu=cpu,
        others=others,
        peak_rss=max(readings),
        early_peak_rss=max((rss for at, rss in samples if at < wall / 2), default=0),
        late_peak_rss=max((rss for at, rss in samples if at >= wall / 2), default=0),
        digest=checked_output(out, count),
    )


def checked_output(out: Path, rows: int) -> str:
    """The output's SHA-256, once it is known to hold lines 2 to ``rows`` + 1 (the rows after the header), each
    once and in order."""
    digest = hashlib.sha256()
    expected = 2
    with out.open("rb") as handle:
        for record in handle:
            digest.update(record)
            line = int(record[len(b'{"line":') : record.index(b",")])
            if line != expected:
                raise RuntimeError(f"{out.name}: line {line} where line {expected} was due")
            expected += 1
    if expected != rows + 2:
        raise RuntimeError(f"{out.name}: {expected - 2} results for {rows} schools")
    return digest.hexdigest()


def cli_figures(csv_path: Path, count: int, in_process_rate: float, full: bool, directory: Path) -> list[Figure]:
    rows = FULL_ROWS if full else QUICK_ROWS
    source = repeated_set(csv_path, rows, directory)
    say(f"  {rows:,} rows: the {count:,}-school set repeated")
    runs: dict[int, CliRun] = {}
    for workers in (1, 2):
        out = directory / f"cli-{workers}.jsonl"
        runs[workers] = timing = score(source, out, workers, rows)
        out.unlink()
        say(
            f"  pladvisor score --workers {workers}: {timing.wall:.1f} s = {rows / timing.wall:,.0f} schools/s; "
            f"{timing.cpu:.1f} CPU-s in all its processes ({timing.cpu / timing.wall:.2f} cores); other processes "
            f"used {timing.others:.2f} cores meanwhile; highest RSS of the process tree {timing.peak_rss / 2**20:.0f} "
            f"MiB (first half {timing.early_peak_rss / 2**20:.0f}, second half {timing.late_peak_rss / 2**20:.0f})"
        )
    if runs[1].digest != runs[2].digest:
        raise RuntimeError("--workers 2 wrote other results than one worker")
    say("  both outputs hold every row once, in input order, byte for byte the same")
    one, two = runs[1], runs[2]
    # The wall-time ratio shows scaling only on an idle machine. The CPU each run took depends less on the cores it
    # got (though sharing the caches with others raises it too), and bounds what two idle cores would give.
    bound = 2 * one.cpu / two.cpu
    say(f"  CPU bound on two idle cores: --workers 2 at most {bound:.2f}x one worker (2 x CPU-s / CPU-s)")
    growth = two.late_peak_rss / two.early_peak_rss if two.early_peak_rss else 0.0
    return [
        Figure(
            f"6 CLI score {rows:,}, 1 worker",
            f"{one.wall:.1f} s, {rows / one.wall:,.0f}/s",
            f"{in_process_rate:,.0f}/s per core in-process (1)",
            f"{rows / one.cpu / in_process_rate:.2f}x",
            ">= 1,000/s",
            judged(rows / one.wall >= 1000, full),
        ),
        Figure(
            f"6 CLI score {rows:,}, --workers 2",
            f"{two.wall:.1f} s, {rows / two.wall:,.0f}/s; others {two.others:.2f} cores",
            f"{one.wall:.1f} s 1 worker; others {one.others:.2f} cores",
            f"{one.wall / two.wall:.2f}x",
            ">= 1.7x",
            judged(one.wall / two.wall >= 1.7, full),
        ),
        Figure(
            f"6 CLI score {rows:,}, --workers 2 highest RSS",
            f"{two.peak_rss / 2**20:.0f} MiB, 2nd half {two.late_peak_rss / 2**20:.0f} MiB",
            f"1st half {two.early_peak_rss / 2**20:.0f} MiB",
            f"{growth:.2f}x",
            "<= 1.1x",
            judged(growth <= 1.1, full),
        ),
    ]
