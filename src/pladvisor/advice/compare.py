"""What changed between two assessments of one school, and how to say it in plain words.

Only differences the advisor can stand behind are called out: a score change is
reported when both scores exist (an area that could not be scored before has no
"rise"), a stage move between determined stages only, and advice is resolved only
when the later answers decide that it no longer applies; advice that disappeared
because its questions were left blank is reported as such, never as progress.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import get_args

import msgspec

from pladvisor.domain.assessment import Assessment, Stage
from pladvisor.domain.compare import AreaChange, Comparison, ScoreChange, StageChange
from pladvisor.domain.fields import profile_from_answers
from pladvisor.domain.profile import SchoolProfile

from .advisor import Advisor
from .answers import answers_of, fact_of
from .questionnaire import section_title

STAGE_ORDER = {stage: i for i, stage in enumerate(get_args(Stage))}


def score_change(before: int | None, after: int | None) -> ScoreChange:
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


@dataclass(frozen=True)
class Moves:
    """How a school's advice moved between two readings, by rule id, in the later reading's order."""

    resolved: list[str]
    unconfirmed: list[str]
    new: list[str]
    still_open: list[str]
    gained: list[str]
    lost: list[str]


def moves(
    advisor: Advisor,
    gaps: tuple[Sequence[str], Sequence[str]],
    strengths: tuple[Sequence[str], Sequence[str]],
    later: dict[str, object],
) -> Moves:
    """Sustaining a strength is not advice to resolve: only gaps are compared, and a gap that went away is
    resolved only when the ``later`` answers decide it no longer applies."""
    (gaps_before, gaps_after), (strong_before, strong_after) = gaps, strengths
    advised_before, advised_after = set(gaps_before), set(gaps_after)
    held_before, held_after = set(strong_before), set(strong_after)
    gone = [r for r in gaps_before if r not in advised_after]
    decided_false = {r for r in gone if advisor.catalog.by_id[r].decide(later) is False}
    return Moves(
        resolved=[r for r in gone if r in decided_false],
        unconfirmed=[r for r in gone if r not in decided_false],
        new=[r for r in gaps_after if r not in advised_before],
        still_open=[r for r in gaps_after if r in advised_before],
        gained=[r for r in strong_after if r not in held_before],
        lost=[r for r in strong_before if r not in held_after],
    )


def stage_kept(
    advisor: Advisor, stages: tuple[Stage, Stage], earlier: Mapping[str, object], later: Mapping[str, object]
) -> Stage:
    """The later stage, or the stage of the later answers with the answers they dropped given back, whichever
    is lower: a stage that rose only because an earlier answer went unanswered has not risen. The stage reads
    what the answers show, so leaving out an answer against the school could otherwise lift it."""
    before, stage = stages
    dropped = {path: value for path, value in earlier.items() if path not in later}
    if not dropped or STAGE_ORDER[stage] <= STAGE_ORDER[before]:
        return stage
    restored = advisor.assess(profile_from_answers({**later, **dropped})).readiness.stage
    return min(stage, restored, key=STAGE_ORDER.__getitem__)


def changes(
    advisor: Advisor,
    overall: ScoreChange,
    stages: tuple[Stage, Stage],
    areas: Sequence[AreaChange],
    moved: Moves,
    kept: Stage | None = None,
) -> tuple[list[str], list[str]]:
    """The improvements and the setbacks, in plain sentences. ``kept`` is the later stage as ``stage_kept``
    reads it; a rise is claimed only as far as it goes."""

    def title(rule_id: str) -> str:
        return advisor.catalog.by_id[rule_id].rule.title

    improvements, setbacks = _movement("The overall score", overall)
    before, after = stages
    if "undetermined" not in stages and before != after:
        if STAGE_ORDER[after] < STAGE_ORDER[before]:
            setbacks.append(f"The stage moved from {before} to {after}.")
        elif kept is None or STAGE_ORDER[kept] > STAGE_ORDER[before]:
            improvements.append(f"The stage moved from {before} to {kept or after}.")
    improvements += [f"Resolved: {title(r)}." for r in moved.resolved]
    improvements += [f"New strength: {title(r)}." for r in moved.gained]
    setbacks += [f"New advice: {title(r)}." for r in moved.new]
    setbacks += [f"No longer a strength: {title(r)}." for r in moved.lost]
    for area in areas:
        better, worse = _movement(f"The {section_title(area.area).lower()} score", area)
        improvements += better
        setbacks += worse
    return improvements, setbacks


def area_changes(before: Sequence[tuple[str, int | None]], after: Sequence[tuple[str, int | None]]) -> list[AreaChange]:
    earlier = dict(before)
    return [
        AreaChange(area=area, **msgspec.structs.asdict(score_change(earlier.get(area), score))) for area, score in after
    ]


def compare(
    before: Assessment, after: Assessment, advisor: Advisor, earlier: dict[str, object], later: dict[str, object]
) -> Comparison:
    """Compare two assessments made with the same catalog from the answers behind them."""
    overall = score_change(before.readiness.score, after.readiness.score)
    areas = area_changes(
        [(a.area, a.score) for a in before.readiness.areas], [(a.area, a.score) for a in after.readiness.areas]
    )
    gaps_before = {r.rule_id: r for r in before.recommendations if r.kind == "gap"}
    gaps_after = {r.rule_id: r for r in after.recommendations if r.kind == "gap"}
    strong_before = {s.rule_id: s for s in before.strengths}
    strong_after = {s.rule_id: s for s in after.strengths}
    moved = moves(advisor, (list(gaps_before), list(gaps_after)), (list(strong_before), list(strong_after)), later)
    stages = before.readiness.stage, after.readiness.stage
    kept = stage_kept(advisor, stages, earlier, later)
    improvements, setbacks = changes(advisor, overall, stages, areas, moved, kept)
    return Comparison(
        school_id=after.school_id or before.school_id,
        name=after.name or before.name,
        catalog_version=after.catalog_version,
        overall=overall,
        stage=StageChange(before=stages[0], after=stages[1]),
        areas=tuple(areas),
        resolved=tuple(gaps_before[r] for r in moved.resolved),
        unconfirmed=tuple(gaps_before[r] for r in moved.unconfirmed),
        no_longer_answered=tuple(path for path in earlier if path not in later),
        newly_answered=tuple(path for path in later if path not in earlier),
        new=tuple(gaps_after[r] for r in moved.new),
        still_open=tuple(gaps_after[r] for r in moved.still_open),
        strengths_gained=tuple(strong_after[r] for r in moved.gained),
        strengths_lost=tuple(strong_before[r] for r in moved.lost),
        improvements=tuple(improvements),
        setbacks=tuple(setbacks),
    )
