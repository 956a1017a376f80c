"""Readiness scores, confidence and follow-up questions, all derived from the catalog.

A rule can be *checked* when every field its condition reads was answered (or when it
fired anyway, as an ``$or`` can). A gap rule that was checked and did not fire, and a
strength rule that fired, are met. An area's score is the priority-weighted share of
its checked rules that are met, so an unanswered question never counts as a failure:
it only lowers the area's completeness and confidence.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Set
from typing import Any

from pladvisor.domain.assessment import AreaReadiness, Confidence, FollowUpQuestion, Readiness, Stage
from pladvisor.domain.fields import areas, profile_fields
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


def measure(catalog: Catalog, answers: Mapping[str, Any], fired: Set[str]) -> Readiness:
    fields = profile_fields()
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

    per_area: list[AreaReadiness] = []
    for area in areas():
        questions = sum(1 for info in fields.values() if info.area == area)
        answered = sum(1 for path, info in fields.items() if info.area == area and path in answers)
        completeness = round(answered / questions, 3)
        per_area.append(
            AreaReadiness(
                area=area,
                score=_share(met[area], checked[area]),
                answered=answered,
                questions=questions,
                completeness=completeness,
                confidence=confidence(completeness),
            )
        )
    overall = _share(sum(met.values()), sum(checked.values()))
    completeness = round(len(answers) / len(fields), 3)
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
    rules: dict[str, list[str]] = defaultdict(list)
    points: dict[str, list[str]] = defaultdict(list)
    for compiled in catalog.rules:
        if compiled.rule.id in fired:
            continue
        for path in compiled.paths:
            if path in answers:
                continue
            impact[path] += PRIORITY_WEIGHT[compiled.rule.priority]
            rules[path].append(compiled.rule.id)
            points[path] += [p for p in compiled.rule.cites if p not in points[path]]
    order = {path: i for i, path in enumerate(fields)}
    best = sorted(impact, key=lambda path: (-impact[path], order[path]))[:MAX_FOLLOW_UPS]
    return [
        FollowUpQuestion(field=path, question=fields[path].question, informs=points[path], rules=rules[path])
        for path in best
    ]
