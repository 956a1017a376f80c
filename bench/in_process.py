"""Section 1: the service's own loop in this process, against the same loop with plain-Python conditions."""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from typing import Any

import plain_rules
from common import Figure, Scale, Timing, say, timed

from pladvisor.advice.advisor import Advisor
from pladvisor.domain.base import to_json
from pladvisor.domain.profile import SchoolProfile
from pladvisor.engine.catalog import Catalog
from pladvisor.engine.evaluator import RuleEvaluator

WARM_UP = 1000
"""Schools assessed in process before anything is timed."""


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


IN_PROCESS_RATE = 6000
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
