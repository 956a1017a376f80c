"""Section 11: what would move a school up (what-if), and a catalog change reviewed (catalog diff)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from common import Figure, judged, say, timed

from pladvisor.advice.advisor import Advisor
from pladvisor.domain.profile import SchoolProfile

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
