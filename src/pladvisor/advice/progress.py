"""A school's progress over its stored assessments: the timeline, what changed between each two, and what the
history says about iterating the model (T2, T7) and revisiting the why (W2) without asking.

Every point is read as the catalog in use reads it (``findings.current_findings``): from the findings stored
with it while that catalog made them, else from a new assessment of its answers, so that two points of the
timeline are measured alike even when the catalog changed between them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from pladvisor.domain.stored import Dated, ProgressPoint, ProgressStep, SchoolOut, SchoolProgress

from .advisor import Advisor, answers_of, fact_of
from .compare import area_changes, changes, moves, score_change
from .findings import current_findings

MODEL_AREAS = ("mindset", "classroom_practice", "student_agency", "tools")
"""Where a school's answers describe how it works: a change there is a change of its model."""
WHY_FIELDS = ("vision.written_why", "vision.why_names_learners_and_community")


def _months(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def _changed(before: dict[str, Any], after: dict[str, Any], paths: Sequence[str] | None, areas: Sequence[str]) -> bool:
    keys = set(before) | set(after)
    chosen = [k for k in keys if (paths is not None and k in paths) or k.partition(".")[0] in areas]
    return any(before.get(k) != after.get(k) for k in chosen if k in before and k in after)


def progress(advisor: Advisor, school: SchoolOut, history: Sequence[Dated]) -> SchoolProgress:
    readings = [current_findings(advisor, entry) for entry in history]
    answers = [answers_of(fact_of(entry.profile)) for entry in history]
    timeline = tuple(
        ProgressPoint(
            assessment_id=entry.id,
            assessed_on=entry.assessed_on,
            stage=reading.stage,
            score=reading.score,
            areas=reading.areas,
        )
        for entry, reading in zip(history, readings, strict=True)
    )
    steps = []
    for i in range(1, len(history)):
        before, after = readings[i - 1], readings[i]
        moved = moves(advisor, (before.gaps, after.gaps), (before.strengths, after.strengths), answers[i])
        overall = score_change(before.score, after.score)
        areas = area_changes([(a.area, a.score) for a in before.areas], [(a.area, a.score) for a in after.areas])
        celebrate, setbacks = changes(advisor, overall, (before.stage, after.stage), areas, moved)
        steps.append(
            ProgressStep(
                assessment_from=history[i - 1].id,
                assessment_to=history[i].id,
                from_date=history[i - 1].assessed_on,
                to_date=history[i].assessed_on,
                resolved=tuple(moved.resolved),
                new=tuple(moved.new),
                no_longer_answered=tuple(path for path in answers[i - 1] if path not in answers[i]),
                celebrate=tuple(celebrate),
                setbacks=tuple(setbacks),
            )
        )
    return SchoolProgress(
        school=school,
        catalog_version=advisor.catalog.version,
        timeline=timeline,
        steps=tuple(steps),
        model_changes=_model_changes(history, answers),
        why_revisited=_why_revisited(history, answers),
    )


def _model_changes(history: Sequence[Dated], answers: Sequence[dict[str, Any]]) -> str | None:
    """How many of the intervals saw the school change how it works (T2: iterate as you learn; T7: ask what
    changed)."""
    if len(history) < 2:
        return None
    changed = sum(_changed(answers[i - 1], answers[i], None, MODEL_AREAS) for i in range(1, len(history)))
    span = _months(history[0].assessed_on, history[-1].assessed_on)
    intervals = len(history) - 1
    if not changed:
        return (
            f"Its answers about how the school works (mindset, classroom practice, student agency, tools) did not "
            f"change over {span} months and {intervals} {'interval' if intervals == 1 else 'intervals'}: a journey "
            "means iterating the model as the school learns."
        )
    return (
        f"Its answers about how the school works changed in {changed} of {intervals} "
        f"{'interval' if intervals == 1 else 'intervals'} over {span} months."
    )


def _why_revisited(history: Sequence[Dated], answers: Sequence[dict[str, Any]]) -> str | None:
    """Months from the last assessment at which the why changed (or was first answered) to the latest one."""
    touched = [
        i
        for i in range(len(history))
        if any(path in answers[i] for path in WHY_FIELDS)
        and (
            i == 0
            or _changed(answers[i - 1], answers[i], WHY_FIELDS, ())
            or not any(p in answers[i - 1] for p in WHY_FIELDS)
        )
    ]
    if not touched:
        return None
    months = _months(history[touched[-1]].assessed_on, history[-1].assessed_on)
    when = history[touched[-1]].assessed_on.isoformat()
    if months == 0:
        return f"The why was last revised in the latest assessment ({when})."
    return (
        f"The why was last revised in the assessment of {when}, {months} {'month' if months == 1 else 'months'} "
        "before the latest: even far along, keep returning to it."
    )
