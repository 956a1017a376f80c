"""Sequencing a district's schools into roll-out waves from their latest assessments.

Schools are grouped by how far their foundations are from being in place: proof points (every foundation
met), schools one or two foundations away, and schools that need foundations first. The readiness lens orders
by that group, then by score; the need lens orders by the district's own need figure first, so that the first
wave is not simply the most advantaged schools, and says for each school what it still needs. ``capacity``
bounds the schools in a wave.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from pladvisor.domain.stored import Dated, Lens, Placement, Readiness, Rollout, SchoolOut, Wave

from .advisor import Advisor
from .findings import current_findings

CLOSE = 2
"""Foundations a school may still lack and count as close: the roll-out plan's own judgement."""
GROUP_ORDER: dict[Readiness, int] = {"proof_point": 0, "close": 1, "foundations_first": 2}


def _placement(advisor: Advisor, titles: dict[str, str], school: SchoolOut, latest: Dated) -> Placement:
    readiness = current_findings(advisor, latest)
    missing = tuple(titles[f] for f in readiness.held_back_by)
    group: Readiness = "proof_point" if not missing else "close" if len(missing) <= CLOSE else "foundations_first"
    if group == "proof_point":
        why = "A proof point: every foundation is in place"
    elif group == "close":
        why = f"{len(missing)} {'foundation' if len(missing) == 1 else 'foundations'} away: {', '.join(missing)}"
    else:
        why = f"Foundations first: {', '.join(missing)}"
    scored = f"score {readiness.score}" if readiness.score is not None else "not scored"
    needs = f", need {school.need:g}" if school.need is not None else ""
    return Placement(
        school_id=school.id,
        name=school.name,
        group=group,
        stage=readiness.stage,
        score=readiness.score,
        need=school.need,
        foundations_missing=missing,
        assessed_on=latest.assessed_on,
        why=f"{why} ({readiness.stage}, {scored}{needs}; assessed {latest.assessed_on.isoformat()}).",
    )


def rollout(
    advisor: Advisor,
    district_id: str,
    schools: Sequence[tuple[SchoolOut, Dated | None]],
    lens: Lens,
    capacity: int | None,
) -> Rollout:
    titles = {f.id: f.title for f in advisor.catalog.foundations}
    placed = [_placement(advisor, titles, school, latest) for school, latest in schools if latest is not None]
    if lens == "readiness":
        placed.sort(key=lambda p: (GROUP_ORDER[p.group], -(p.score or 0), p.name))
    else:
        placed.sort(key=lambda p: (p.need is None, -(p.need or 0), GROUP_ORDER[p.group], -(p.score or 0), p.name))
    size = capacity or max(1, math.ceil(len(placed) / 3))
    waves = tuple(Wave(number=i // size + 1, schools=tuple(placed[i : i + size])) for i in range(0, len(placed), size))
    return Rollout(
        district_id=district_id,
        lens=lens,
        capacity=size,
        waves=waves,
        not_assessed=tuple(school.id for school, latest in schools if latest is None),
    )
