"""What changed between two assessments of one school, and how to say it in plain words.

Only differences the advisor can stand behind are called out: a score change is
reported when both scores exist (an area that could not be scored before has no
"rise"), and a stage move is reported between determined stages only.
"""

from __future__ import annotations

from typing import get_args

from pladvisor.domain.assessment import Assessment, Stage
from pladvisor.domain.compare import AreaChange, Comparison, ScoreChange, StageChange

from .questionnaire import section_title

STAGE_ORDER = {stage: i for i, stage in enumerate(get_args(Stage))}


def _change(before: int | None, after: int | None) -> ScoreChange:
    return ScoreChange(before=before, after=after, change=None if before is None or after is None else after - before)


def _movement(what: str, change: ScoreChange) -> tuple[list[str], list[str]]:
    """(improvements, setbacks) for one score, at most one sentence in one of them."""
    if not change.change:
        return [], []
    verb = "rose" if change.change > 0 else "fell"
    sentence = f"{what} {verb} from {change.before} to {change.after} ({change.change:+d})."
    return ([sentence], []) if change.change > 0 else ([], [sentence])


def compare(before: Assessment, after: Assessment) -> Comparison:
    """Compare two assessments made with the same catalog, ``before`` the earlier one."""
    overall = _change(before.readiness.score, after.readiness.score)
    earlier_areas = {a.area: a.score for a in before.readiness.areas}
    areas = [AreaChange(area=a.area, **_change(earlier_areas.get(a.area), a.score).model_dump())
             for a in after.readiness.areas]

    advised_before = {r.rule_id for r in before.recommendations}
    advised_after = {r.rule_id for r in after.recommendations}
    resolved = [r for r in before.recommendations if r.rule_id not in advised_after]
    new = [r for r in after.recommendations if r.rule_id not in advised_before]
    still_open = [r for r in after.recommendations if r.rule_id in advised_before]
    strong_before = {s.rule_id for s in before.strengths}
    strong_after = {s.rule_id for s in after.strengths}
    gained = [s for s in after.strengths if s.rule_id not in strong_before]
    lost = [s for s in before.strengths if s.rule_id not in strong_after]

    improvements, setbacks = _movement("The overall score", overall)
    stages = before.readiness.stage, after.readiness.stage
    if "undetermined" not in stages and stages[0] != stages[1]:
        moved = f"The stage moved from {stages[0]} to {stages[1]}."
        (improvements if STAGE_ORDER[stages[1]] > STAGE_ORDER[stages[0]] else setbacks).append(moved)
    improvements += [f"Resolved: {r.title}." for r in resolved]
    improvements += [f"New strength: {s.title}." for s in gained]
    setbacks += [f"New advice: {r.title}." for r in new]
    setbacks += [f"No longer a strength: {s.title}." for s in lost]
    for area in areas:
        better, worse = _movement(f"The {section_title(area.area).lower()} score", area)
        improvements += better
        setbacks += worse

    return Comparison(
        school_id=after.school_id or before.school_id,
        name=after.name or before.name,
        catalog_version=after.catalog_version,
        overall=overall,
        stage=StageChange(before=stages[0], after=stages[1]),
        areas=areas,
        resolved=resolved,
        new=new,
        still_open=still_open,
        strengths_gained=gained,
        strengths_lost=lost,
        improvements=improvements,
        setbacks=setbacks,
    )
