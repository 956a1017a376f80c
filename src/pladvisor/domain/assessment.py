"""The advisor's answer: a readiness picture plus ranked, explained next steps."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta

from .base import Part
from .rules import Basis, Priority

Horizon = Literal["now", "next", "later"]
PlanItemKind = Literal["gap", "sustain", "question"]
HeldDownKind = Literal["gap", "next_level"]
FoundationState = Literal["met", "not_met", "unknown"]
Stage = Literal["undetermined", "exploring", "preparing", "implementing", "sustaining"]
Confidence = Literal["low", "medium", "high"]
AnswerValue = bool | int | str | tuple[str, ...]
"""An answer as the school gave it; a list of choices becomes a tuple, like every sequence of an answer."""


class Evidence(Part, frozen=True):
    field: Annotated[str, Meta(description="Dotted path of the answer that triggered the item.")]
    value: Annotated[AnswerValue, Meta(description="The answer as given.")]


class Source(Part, frozen=True):
    point: Annotated[str, Meta(description="Documented point id (see GET /v1/rules).")]
    title: Annotated[str, Meta(description="What the documented point says.")]
    file: Annotated[str, Meta(description="Article the point comes from.")]


BasisOf = Annotated[
    Basis,
    Meta(
        description="documented: the cited article says this; practice: the catalog's own judgement (for example "
        "a threshold that no article gives)."
    ),
]


class Recommendation(Part, frozen=True):
    rank: Annotated[int, Meta(ge=1, description="1 is the first thing to do.")]
    rule_id: str
    kind: Annotated[
        PlanItemKind,
        Meta(
            description="gap: advice to act on; sustain: keeping a strength, offered when every foundation is in "
            "place and there is no gap to close; question: a question the foundations wait on, asked first when "
            "too little is answered to name a stage."
        ),
    ]
    area: str
    priority: Priority
    horizon: Annotated[Horizon, Meta(description="now (at most 3), next (at most 5), or later.")]
    basis: BasisOf
    title: str
    why: Annotated[str, Meta(description="Why this applies, quoting the school's own answers.")]
    evidence: tuple[Evidence, ...]
    next_steps: tuple[str, ...]
    sources: tuple[Source, ...]


class Strength(Part, frozen=True):
    rule_id: str
    area: str
    basis: BasisOf
    title: str
    why: str
    evidence: tuple[Evidence, ...]
    sustain: Annotated[tuple[str, ...], Meta(description="Steps to keep the strength.")]
    sources: tuple[Source, ...]


class NextLevel(Part, frozen=True):
    """A strength the school does not have yet: the points it costs and how to reach it."""

    rule_id: str
    area: str
    priority: Priority
    basis: BasisOf
    title: Annotated[str, Meta(description="The strength to reach.")]
    why: Annotated[str, Meta(description="What is missing, quoting the school's own answers.")]
    evidence: tuple[Evidence, ...]
    next_steps: tuple[str, ...]
    sources: tuple[Source, ...]


class AnswerCheck(Part, frozen=True):
    """Answers that contradict each other; the advice they would give is held back until they are settled."""

    rule_id: str
    area: str
    basis: BasisOf
    title: str
    why: Annotated[str, Meta(description="Which answers disagree, quoted.")]
    evidence: tuple[Evidence, ...]
    next_steps: tuple[str, ...]
    withheld: Annotated[tuple[str, ...], Meta(description="Rule ids of the advice and strengths held back meanwhile.")]
    sources: tuple[Source, ...]


class HeldDown(Part, frozen=True):
    rule_id: str
    kind: Annotated[
        HeldDownKind,
        Meta(description="gap: an item of the plan; next_level: a strength not yet reached (see next_level)."),
    ]
    points: Annotated[int, Meta(ge=1, description="Points this rule costs the area (its priority weight).")]


class AreaReadiness(Part, frozen=True):
    area: str
    score: Annotated[
        int | None,
        Meta(
            description="0-100: the share of the points of this area's checks that apply that the answers show are "
            "met. A check left open earns nothing, so leaving a question blank never raises it; null when the "
            "answers decide none of its checks."
        ),
    ]
    ceiling: Annotated[
        int | None,
        Meta(description="The area's score if every check still open were met; null when none is decided."),
    ]
    points: Annotated[int, Meta(ge=0, description="Points met.")]
    checked_points: Annotated[int, Meta(ge=0, description="Points of the checks the answers decide.")]
    max_points: Annotated[
        int,
        Meta(
            ge=0, description="Points of every check in this area that applies (a gap about a moot question does not)."
        ),
    ]
    coverage: Annotated[float, Meta(ge=0, le=1, description="checked_points / max_points.")]
    held_down_by: Annotated[
        tuple[HeldDown, ...],
        Meta(description="Every check that costs this area points; their points add up to checked_points - points."),
    ]
    answered: Annotated[int, Meta(ge=0, description="Questions of this area that were answered and apply.")]
    questions: Annotated[int, Meta(ge=0, description="Questions of this area that apply, given the answers.")]
    completeness: Annotated[float, Meta(ge=0, le=1)]
    confidence: Confidence


class FoundationStatus(Part, frozen=True):
    id: str
    title: str
    status: Annotated[
        FoundationState,
        Meta(description="met: every rule is checked and none fires; not_met: one fires; unknown: not yet answered."),
    ]
    rules: tuple[str, ...]


class FollowUpQuestion(Part, frozen=True):
    field: Annotated[str, Meta(description="The unanswered profile field.")]
    question: str
    informs: Annotated[tuple[str, ...], Meta(description="Documented point ids the answer bears on.")]
    rules: Annotated[tuple[str, ...], Meta(description="Rules that need this answer.")]


class Readiness(Part, frozen=True):
    score: Annotated[
        int | None,
        Meta(
            description="0-100: the share of the points of every check that applies that the answers show are met. "
            "An unanswered check earns nothing, so leaving a question blank never raises it; null when no check is "
            "decided."
        ),
    ]
    ceiling: Annotated[
        int | None, Meta(description="The score if every check still open were met; null when no check is decided.")
    ]
    answered_score: Annotated[
        int | None,
        Meta(
            description="0-100: the share of the points of the checks the answers decide that are met: what the "
            "answered evidence shows, whose band the stage reads; null when no check is decided."
        ),
    ]
    stage: Annotated[
        Stage,
        Meta(
            description="What the answered evidence supports: the band of answered_score (exploring below 40, "
            "preparing to 64, implementing to 84, sustaining from 85), never sustaining while a foundation is not "
            "shown in place, and at most preparing while two or more are shown missing. undetermined while fewer "
            "than half of the foundations' checks are answered."
        ),
    ]
    provisional: Annotated[
        bool,
        Meta(
            description="True when answering the open questions could still change the stage, or answers contradict "
            "each other."
        ),
    ]
    lowest_stage: Annotated[
        Stage, Meta(description="The stage if every question still open were answered against the school.")
    ]
    possible_stage: Annotated[
        Stage, Meta(description="The highest stage the open questions could still lead to: every open check met.")
    ]
    stage_held_by: Annotated[
        tuple[str, ...],
        Meta(description="Ids of the foundations that keep the stage below the band of answered_score."),
    ]
    verdict: Annotated[str, Meta(description="The stage in plain words: what it rests on and what holds it there.")]
    coverage: Annotated[
        float, Meta(ge=0, le=1, description="Share of the points of every check that applies that the answers decide.")
    ]
    completeness: Annotated[
        float, Meta(ge=0, le=1, description="Share of the questions that apply that were answered.")
    ]
    confidence: Confidence
    foundations: Annotated[
        tuple[FoundationStatus, ...], Meta(description="What implementing and sustaining require: each must be met.")
    ]
    held_back_by: Annotated[tuple[str, ...], Meta(description="Ids of the foundations not (yet) shown to be met.")]
    to_settle: Annotated[
        tuple[str, ...],
        Meta(
            description="Unanswered questions whose answers could change the stage, most weight first; empty when "
            "the stage is settled."
        ),
    ]
    areas: tuple[AreaReadiness, ...]


class Assessment(Part, frozen=True):
    school_id: str | None
    name: str | None
    catalog_version: str
    readiness: Readiness
    recommendations: Annotated[
        tuple[Recommendation, ...],
        Meta(
            description="The plan: gaps in rank order; a school with no gap gets a short plan to sustain its strengths."
        ),
    ]
    strengths: tuple[Strength, ...]
    next_level: Annotated[tuple[NextLevel, ...], Meta(description="Strengths not reached yet, most weight first.")]
    check_answers: Annotated[
        tuple[AnswerCheck, ...], Meta(description="Answers that contradict each other; check these first.")
    ]
    follow_up_questions: tuple[FollowUpQuestion, ...]
    answers_inferred: Annotated[
        tuple[Evidence, ...],
        Meta(
            description="Answers left blank but implied by others: a definition's components, origin or audience say "
            "that a definition is written. The advice they call for is given; they earn no points, and no strength "
            "is claimed on them."
        ),
    ] = ()
    answers_not_used: Annotated[
        tuple[str, ...],
        Meta(
            description="Answered questions that could not be used because the question they depend on is blank "
            "(how professional development is delivered, before whether there is any); that question is asked first."
        ),
    ] = ()


class PlanStep(Part, frozen=True):
    rank: Annotated[int, Meta(ge=1, description="1 is the first thing to do.")]
    rule_id: str
    kind: PlanItemKind
    priority: Priority
    horizon: Horizon
    title: str


class AreaSummary(Part, frozen=True):
    """An area's score in the summary: what a district roll-up spreads across schools."""

    area: str
    score: Annotated[int | None, Meta(description="As readiness.areas[].score gives it.")]


class AssessmentSummary(Part, frozen=True):
    """What a portal or a batch script most often reads of an assessment: the stage and its range, the scores,
    the verdict and the plan's steps by title, without the explanations, evidence and sources. Every member is
    the full assessment's own (``readiness.stage``, ``recommendations[].title``, ...)."""

    school_id: str | None
    name: str | None
    catalog_version: str
    stage: Stage
    provisional: bool
    lowest_stage: Stage
    possible_stage: Stage
    score: int | None
    ceiling: int | None
    answered_score: int | None
    confidence: Confidence
    verdict: str
    areas: Annotated[
        tuple[AreaSummary, ...],
        Meta(description="Each area's score, in the order of readiness.areas."),
    ]
    plan: Annotated[tuple[PlanStep, ...], Meta(description="The plan's items in rank order, by title.")]
    rules_fired: Annotated[
        int,
        Meta(
            ge=0,
            description="How many rules the answers fired: the plan's gaps, the strengths, the answer checks and "
            "what those hold back.",
        ),
    ]
