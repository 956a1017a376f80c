"""The advisor's answer: a readiness picture plus ranked, explained next steps."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .profile import AnswerValue
from .rules import Basis, Priority

Horizon = Literal["now", "next", "later"]
PlanItemKind = Literal["gap", "sustain"]
HeldDownKind = Literal["gap", "next_level", "check_answers"]
FoundationState = Literal["met", "not_met", "unknown"]
Stage = Literal["undetermined", "exploring", "preparing", "implementing", "sustaining"]
Confidence = Literal["low", "medium", "high"]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Evidence(Model):
    field: str = Field(description="Dotted path of the answer that triggered the item.")
    value: AnswerValue = Field(description="The answer as given.")


class Source(Model):
    point: str = Field(description="Documented point id (see GET /v1/rules).")
    title: str = Field(description="What the documented point says.")
    file: str = Field(description="Article the point comes from.")


BASIS = Field(
    description="documented: the cited article says this; practice: the catalog's own judgement (for example a "
    "threshold that no article gives)."
)


class Recommendation(Model):
    rank: int = Field(ge=1, description="1 is the first thing to do.")
    rule_id: str
    kind: PlanItemKind = Field(
        description="gap: advice to act on; sustain: keeping a strength, offered when there is no gap to close."
    )
    area: str
    priority: Priority
    horizon: Horizon = Field(description="now (at most 3), next (at most 5), or later.")
    basis: Basis = BASIS
    title: str
    why: str = Field(description="Why this applies, quoting the school's own answers.")
    evidence: list[Evidence]
    next_steps: list[str]
    sources: list[Source]


class Strength(Model):
    rule_id: str
    area: str
    basis: Basis = BASIS
    title: str
    why: str
    evidence: list[Evidence]
    sustain: list[str] = Field(description="Steps to keep the strength.")
    sources: list[Source]


class NextLevel(Model):
    """A strength the school does not have yet: the points it costs and how to reach it."""

    rule_id: str
    area: str
    priority: Priority
    basis: Basis = BASIS
    title: str = Field(description="The strength to reach.")
    why: str = Field(description="What is missing, quoting the school's own answers.")
    evidence: list[Evidence]
    next_steps: list[str]
    sources: list[Source]


class AnswerCheck(Model):
    """Answers that contradict each other; the advice they would give is held back until they are settled."""

    rule_id: str
    area: str
    basis: Basis = BASIS
    title: str
    why: str = Field(description="Which answers disagree, quoted.")
    evidence: list[Evidence]
    next_steps: list[str]
    withheld: list[str] = Field(description="Rule ids of the advice and strengths held back meanwhile.")
    sources: list[Source]


class HeldDown(Model):
    rule_id: str
    kind: HeldDownKind = Field(
        description="gap: an item of the plan; next_level: a strength not yet reached (see next_level); "
        "check_answers: a gap held back while contradictory answers are checked (see check_answers)."
    )
    points: int = Field(ge=1, description="Points this rule costs the area (its priority weight).")


class AreaReadiness(Model):
    area: str
    score: int | None = Field(
        description="0-100: the share of this area's checked points that are met; null when the answers decide "
        "none of its checks."
    )
    points: int = Field(ge=0, description="Points met.")
    checked_points: int = Field(ge=0, description="Points of the checks the answers decide.")
    max_points: int = Field(
        ge=0, description="Points of every check in this area that applies (a gap about a moot question does not)."
    )
    coverage: float = Field(ge=0, le=1, description="checked_points / max_points.")
    held_down_by: list[HeldDown] = Field(
        description="Every check that costs this area points; their points add up to checked_points - points."
    )
    answered: int = Field(ge=0, description="Questions of this area that were answered and apply.")
    questions: int = Field(ge=0, description="Questions of this area that apply, given the answers.")
    completeness: float = Field(ge=0, le=1)
    confidence: Confidence


class FoundationStatus(Model):
    id: str
    title: str
    status: FoundationState = Field(
        description="met: every rule is checked and none fires; not_met: one fires; unknown: not yet answered."
    )
    rules: list[str]


class FollowUpQuestion(Model):
    field: str = Field(description="The unanswered profile field.")
    question: str
    informs: list[str] = Field(description="Documented point ids the answer bears on.")
    rules: list[str] = Field(description="Rules that need this answer.")


class Readiness(Model):
    score: int | None = Field(
        description="0-100: the share of the points of every check that applies that the answers show are met. "
        "An unanswered check earns nothing, so leaving a question blank never raises it; null when no check is "
        "decided."
    )
    ceiling: int | None = Field(
        description="The score if every check still open were met; null when no check is decided."
    )
    stage: Stage = Field(description="The highest stage the answers support.")
    provisional: bool = Field(
        description="True when answering the open questions could still change the stage, or answers contradict "
        "each other."
    )
    possible_stage: Stage = Field(description="The highest stage the open questions could still lead to.")
    coverage: float = Field(
        ge=0, le=1, description="Share of the points of every check that applies that the answers decide."
    )
    completeness: float = Field(ge=0, le=1, description="Share of the questions that apply that were answered.")
    confidence: Confidence
    foundations: list[FoundationStatus] = Field(
        description="What implementing and sustaining require: each must be met."
    )
    held_back_by: list[str] = Field(description="Ids of the foundations not (yet) shown to be met.")
    to_settle: list[str] = Field(
        description="Unanswered questions whose answers could change the stage, most weight first; empty when "
        "the stage is settled."
    )
    areas: list[AreaReadiness]


class Assessment(Model):
    school_id: str | None
    name: str | None
    catalog_version: str
    readiness: Readiness
    recommendations: list[Recommendation] = Field(
        description="The plan: gaps in rank order; a school with no gap gets a short plan to sustain its strengths."
    )
    strengths: list[Strength]
    next_level: list[NextLevel] = Field(description="Strengths not reached yet, most weight first.")
    check_answers: list[AnswerCheck] = Field(description="Answers that contradict each other; check these first.")
    follow_up_questions: list[FollowUpQuestion]
