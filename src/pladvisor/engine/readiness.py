"""Readiness scores, confidence and follow-up questions, all derived from the catalog.

A rule can be *checked* when every field its condition reads was answered (or when it
fired anyway, as an ``$or`` can). A gap rule that was checked and did not fire, and a
strength rule that fired, are met. An area's score is the priority-weighted share of
its checked rules that are met, so an unanswered question never counts as a failure:
it only lowers the area's completeness and confidence.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Set
from functools import cache
from typing import Any

from pladvisor.domain.assessment import AreaReadiness, Confidence, FollowUpQuestion, Readiness, Stage
from pladvisor.domain.fields import profile_fields
from pladvisor.domain.rules import PRIORITY_WEIGHT

from .catalog import Catalog

MAX_FOLLOW_UPS = 5
STAGES: tuple[tuple[int, Stage], ...] = ((85, "sustaining"), (65, "implementing"), (40, "preparing"), (0, "exploring"))


def confidence(completeness: float) -> Confidence:
    if completeness >= 0.75:
        return "high"
    return "medium" if completeness >= 0.4 else "low"


def stage(score: int | None, has_critical_gap: bool) -> Stage:
    """Score bands; a school with a critical gap is at most preparing, whatever else it does well."""
    if score is None:
        return "undetermined"
    reached = next(name for floor, name in STAGES if score >= floor)
    if has_critical_gap and reached in ("implementing", "sustaining"):
        return "preparing"
    return reached


def _share(met: float, total: float) -> int | None:
    return round(100 * met / total) if total else None


@cache
def _questions_per_area() -> dict[str, int]:
    return dict(Counter(info.area for info in profile_fields().values()))


def measure(catalog: Catalog, answers: Mapping[str, Any], fired: Set[str]) -> Readiness:
    met: dict[str, float] = defaultdict(float)
    checked: dict[str, float] = defaultdict(float)
    critical_gap = False
    for compiled in catalog.rules:
        rule = compiled.rule
        did_fire = rule.id in fired
        if not did_fire and not all(path in answers for path in compiled.paths):
            continue
        weight = PRIORITY_WEIGHT[rule.priority]
        checked[rule.area] += weight
        if did_fire == (rule.kind == "strength"):
            met[rule.area] += weight
        critical_gap |= did_fire and rule.kind == "gap" and rule.priority == "critical"

    answered_in = Counter(path.partition(".")[0] for path in answers)
    per_area: list[AreaReadiness] = []
    for area, questions in _questions_per_area().items():
        completeness = round(answered_in[area] / questions, 3)
        per_area.append(
            AreaReadiness(
                area=area,
                score=_share(met[area], checked[area]),
                answered=answered_in[area],
                questions=questions,
                completeness=completeness,
                confidence=confidence(completeness),
            )
        )
    overall = _share(sum(met.values()), sum(checked.values()))
    completeness = round(len(answers) / len(profile_fields()), 3)
    return Readiness(
        score=overall,
        stage=stage(overall, critical_gap),
        completeness=completeness,
        confidence=confidence(completeness),
        areas=per_area,
    )


def follow_ups(catalog: Catalog, answers: Mapping[str, Any], fired: Set[str]) -> list[FollowUpQuestion]:
    """Unanswered fields ranked by how much advice hangs on them (the priority weight of unfired rules reading them)."""
    fields = profile_fields()
    impact: dict[str, int] = defaultdict(int)
    waiting = [c for c in catalog.rules if c.rule.id not in fired]
    for compiled in waiting:
        for path in compiled.paths:
            if path not in answers:
                impact[path] += PRIORITY_WEIGHT[compiled.rule.priority]
    order = {path: i for i, path in enumerate(fields)}
    best = sorted(impact, key=lambda path: (-impact[path], order[path]))[:MAX_FOLLOW_UPS]
    questions = []
    for path in best:
        readers = [c.rule for c in waiting if path in c.paths]
        points = list(dict.fromkeys(point for rule in readers for point in rule.cites))
        questions.append(
            FollowUpQuestion(field=path, question=fields[path].question, informs=points, rules=[r.id for r in readers])
        )
    return questions
