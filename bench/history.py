"""Section 10: reading stored history with 1,000,000 assessments stored, against the measured district alone."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from common import Figure, judged, say
from over_http import ASSESS_PATH, pladvisor_command
from servers import serving
from storing import on_postgres

from pladvisor.advice.advisor import Advisor

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
        with serving(pladvisor_command(1), ASSESS_PATH, probe, PLADVISOR_DATABASE_URL=url) as server:
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
