"""What changed between two assessments of one school, and how to say it in plain words.

Only differences the advisor can stand behind are called out: a score change is
reported when both scores exist (an area that could not be scored before has no
"rise"), a stage move between determined stages only, and advice is resolved only
when the later answers decide that it no longer applies; advice that disappeared
because its questions were left blank is reported as such, never as progress.
"""

from __future__ import annotations

from typing import get_args

import msgspec

from pladvisor.domain.assessment import Assessment, Stage
from pladvisor.domain.compare import AreaChange, Comparison, ScoreChange, StageChange
from pladvisor.domain.profile import SchoolProfile

from .advisor import Advisor, answers_of, fact_of
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


def compare_profiles(advisor: Advisor, before: SchoolProfile, after: SchoolProfile) -> Comparison:
    """Assess both profiles and compare them, ``before`` the earlier one."""
    earlier, later = answers_of(fact_of(before)), answers_of(fact_of(after))
    return compare(advisor.assess(before), advisor.assess(after), advisor, earlier, later)


def compare(
    before: Assessment, after: Assessment, advisor: Advisor, earlier: dict[str, object], later: dict[str, object]
) -> Comparison:
    """Compare two assessments made with the same catalog from the answers behind them."""
    overall = _change(before.readiness.score, after.readiness.score)
    earlier_areas = {a.area: a.score for a in before.readiness.areas}
    areas = [
        AreaChange(area=a.area, **msgspec.structs.asdict(_change(earlier_areas.get(a.area), a.score)))
        for a in after.readiness.areas
    ]

    # Sustaining a strength is not advice to resolve: only gaps are compared.
    gaps_before = [r for r in before.recommendations if r.kind == "gap"]
    gaps_after = [r for r in after.recommendations if r.kind == "gap"]
    advised_before = {r.rule_id for r in gaps_before}
    advised_after = {r.rule_id for r in gaps_after}
    gone = [r for r in gaps_before if r.rule_id not in advised_after]
    decided_false = {r.rule_id for r in gone if advisor.catalog.by_id[r.rule_id].decide(later) is False}
    resolved = [r for r in gone if r.rule_id in decided_false]
    unconfirmed = [r for r in gone if r.rule_id not in decided_false]
    new = [r for r in gaps_after if r.rule_id not in advised_before]
    still_open = [r for r in gaps_after if r.rule_id in advised_before]
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
        areas=tuple(areas),
        resolved=tuple(resolved),
        unconfirmed=tuple(unconfirmed),
        no_longer_answered=tuple(path for path in earlier if path not in later),
        newly_answered=tuple(path for path in later if path not in earlier),
        new=tuple(new),
        still_open=tuple(still_open),
        strengths_gained=tuple(gained),
        strengths_lost=tuple(lost),
        improvements=tuple(improvements),
        setbacks=tuple(setbacks),
    )
