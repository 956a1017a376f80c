"""The advisor's answer: a readiness picture plus ranked, explained next steps."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .profile import AnswerValue
from .rules import Priority

Horizon = Literal["now", "next", "later"]
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


class Recommendation(Model):
    rank: int = Field(ge=1, description="1 is the first thing to do.")
    rule_id: str
    area: str
    priority: Priority
    horizon: Horizon = Field(description="now (a handful at most), next, or later.")
    title: str
    why: str = Field(description="Why this applies, quoting the school's own answers.")
    evidence: list[Evidence]
    next_steps: list[str]
    sources: list[Source]


class Strength(Model):
    rule_id: str
    area: str
    title: str
    why: str
    evidence: list[Evidence]
    sources: list[Source]


class AreaReadiness(Model):
    area: str
    score: int | None = Field(
        description="0-100 share of this area's documented checks the answers meet; null when none could be checked."
    )
    answered: int = Field(ge=0, description="Questions of this area that were answered.")
    questions: int = Field(ge=1, description="Questions this area has.")
    completeness: float = Field(ge=0, le=1)
    confidence: Confidence


class FollowUpQuestion(Model):
    field: str = Field(description="The unanswered profile field.")
    question: str
    informs: list[str] = Field(description="Documented point ids the answer bears on.")
    rules: list[str] = Field(description="Rules that need this answer.")


class Readiness(Model):
    score: int | None = Field(description="0-100 overall; null when no check could be made from the answers.")
    stage: Stage
    completeness: float = Field(ge=0, le=1, description="Share of all questions answered.")
    confidence: Confidence
    areas: list[AreaReadiness]


class Assessment(Model):
    school_id: str | None
    name: str | None
    catalog_version: str
    readiness: Readiness
    recommendations: list[Recommendation]
    strengths: list[Strength]
    follow_up_questions: list[FollowUpQuestion]
