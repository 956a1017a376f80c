"""A school's progress over its stored assessments: the timeline, what changed between each two, and what the
school's own answers say about iterating its model (T2, T7) and revisiting its why (W2).

Every point is read as the catalog in use reads it (``findings.current_findings``): from the findings stored
with it while that catalog made them, else from a new assessment of its answers, so that two points of the
timeline are measured alike even when the catalog changed between them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pladvisor.domain.stored import Dated, ProgressPoint, ProgressStep, SchoolOut, SchoolProgress

from .advisor import Advisor, spoken
from .answers import answers_of, fact_of
from .compare import area_changes, changes, moves, score_change, stage_kept
from .findings import current_findings

MODEL_CHANGES = "mindset.model_changes_last_year"
WHY_WRITTEN = "vision.written_why"
WHY_REVISITED = "vision.months_since_why_revisited"


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
        kept = stage_kept(advisor, (before.stage, after.stage), answers[i - 1], answers[i])
        celebrate, setbacks = changes(advisor, overall, (before.stage, after.stage), areas, moved, kept)
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
    """The deliberate changes to its model the school reported, assessment by assessment (T2: iterate as you
    learn; T7: ask what changed year over year). Only its own count says this: answers that differ between two
    assessments may be corrections, or the same model described better."""
    said = [
        (entry.assessed_on, given[MODEL_CHANGES])
        for entry, given in zip(history, answers, strict=True)
        if MODEL_CHANGES in given
    ]
    if not said:
        return None
    if len(said) == 1:
        day, count = said[0]
        changes = (
            "no deliberate change" if count == 0 else f"{count} deliberate {'change' if count == 1 else 'changes'}"
        )
        text = f"The school made {changes} to its model in the year before its assessment of {day.isoformat()}"
    else:
        each = ", ".join(f"{count} ({day.isoformat()})" for day, count in said)
        text = f"Deliberate changes the school made to its model in the year before each assessment: {each}"
    if said[-1][1] == 0:
        return f"{text}; a journey means iterating the model as the school learns."
    return f"{text}."


def _why_revisited(history: Sequence[Dated], answers: Sequence[dict[str, Any]]) -> str | None:
    """When staff last revisited the why (W2), as the school said it in the latest assessment that says: answers
    about the why that differ between two assessments tell an edit of the form, not a revisit."""
    for entry, given in zip(reversed(history), reversed(answers), strict=True):
        day = entry.assessed_on.isoformat()
        if given.get(WHY_WRITTEN) is False:
            return (
                f"The assessment of {day} says the why is not written down yet: start there, then keep returning to it."
            )
        months = given.get(WHY_REVISITED)
        if months is None:
            continue
        latest = history[-1].assessed_on.isoformat()
        if entry is history[-1]:
            return (
                f"Staff last revisited the why together {spoken(months, 'month ago')}, as of the latest assessment "
                f"({day}): even far along, keep returning to it."
            )
        return (
            f"The latest assessment ({latest}) does not say when staff last revisited the why; as of the assessment "
            f"of {day}, it was {spoken(months, 'month ago')}: even far along, keep returning to it."
        )
    return None
