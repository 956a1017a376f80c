"""Several respondents per school: what each sends, how their answers are declared in ``rules/respondents``,
and the combined answer.

One person rarely knows a whole school. Leaders state the system's facts; teachers, coaches,
students and families say what they experience. Their answers are combined into one profile,
and where groups see the school differently the answer says so: those perception gaps are
often what a readiness review most needs to surface.
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from msgspec import Meta
from pydantic import Field, model_validator

from .assessment import AnswerValue, Assessment, BasisOf, Confidence, Source
from .base import Model, Part
from .profile import MAX_TEXT
from .rules import Basis

Role = Literal["leader", "teacher", "coach", "student", "family"]
ROLES: tuple[Role, ...] = get_args(Role)
ATTRIBUTED: frozenset[Role] = frozenset({"leader"})
"""Roles whose answers are the school's stated position, reported as such: leaders answer for the school and
are few. Every other role is surveyed anonymously and is never shown below the anonymity floor."""
TeacherStage = Literal["not_started", "exploring", "trying", "practising", "leading"]
MAX_RESPONSES = 2_000
"""Respondents in one request: a large school's staff and a survey sample of its students. A bound keeps the
cost of any one request small."""

Scalar = bool | int | str
RespondentValue = bool | int | str | list[str]
"""One respondent's answer to one question, as it appears in JSON."""


# --- what a caller sends --------------------------------------------------------------------------------------


DEFAULT_MINIMUM_GROUP = 5
"""The anonymity floor unless the service is told otherwise (``PLADVISOR_MINIMUM_GROUP``): a practice
threshold, not the articles'."""


class Response(Model):
    """One respondent's answers, by profile section; any section and any question may be left out."""

    role: Role = Field(description="Who answers: leader, teacher, coach, student or family.")
    respondent_id: str | None = Field(
        None,
        max_length=MAX_TEXT,
        description="Optional, for the caller's own bookkeeping: the service neither reads nor echoes it.",
    )
    stage: TeacherStage | None = Field(
        None,
        description="Teachers only: where the teacher is in the shift (not_started, exploring, trying, practising, "
        "leading).",
    )
    answers: dict[str, dict[str, RespondentValue]] = Field(
        default_factory=dict,
        description="The respondent's answers by section, as in a school profile; a role may answer only the "
        "questions its questionnaire asks (GET /v1/questionnaire?role=...).",
    )

    @model_validator(mode="after")
    def _stage_for_teachers(self) -> Response:
        if self.stage is not None and self.role != "teacher":
            raise ValueError("only a teacher gives a stage")
        return self


class CombinedRequest(Model):
    """One school's responses, from every respondent who answered."""

    school_id: str | None = Field(None, max_length=MAX_TEXT, description="Echoed in the answer.")
    name: str | None = Field(None, max_length=MAX_TEXT, description="Echoed in the answer.")
    responses: list[Response] = Field(
        min_length=1, max_length=MAX_RESPONSES, description="One entry per respondent, at least one."
    )


# --- how the catalog declares them (rules/respondents/*.yaml) -------------------------------------------------


class RoleInfo(Model):
    title: str = Field(min_length=1, description="The role's name in the plural, as reports say it.")
    description: str = Field(min_length=1)


class Band(Model):
    below: float = Field(gt=0, le=1.01, description="Upper bound (exclusive) of the share of yes answers.")
    answer: str = Field(description="The school's answer on the field's scale for shares in this band.")


class FieldRoles(Model):
    """Who answers one profile field, in whose words, and whose answers make the school's."""

    counted: list[Role] = Field(alias="from", min_length=1, description="Roles whose answers are combined.")
    combine: Literal["breadth", "audience"] | None = Field(None, description="How, when not by the field's kind.")
    asked: dict[Role, str | None] = Field(
        min_length=1, description="Every role that may answer, with its wording (null: the form's own)."
    )


class StageInfo(Model):
    id: TeacherStage
    title: str = Field(min_length=1)
    support: str = Field(min_length=1, description="What teachers at this stage need, in one sentence.")


class GapExamples(Model):
    """Answers by role that make the gap show, and answers that keep it quiet: the tests run both."""

    fires: dict[Role, list[RespondentValue]] = Field(min_length=1)
    quiet: dict[Role, list[RespondentValue]] = Field(min_length=1)


class GapRule(Model):
    """A perception gap worth its own words: where two roles disagree about one field."""

    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    field: str
    between: tuple[Role, Role] = Field(description="The role whose answer is compared, then the role compared.")
    threshold: float = Field(gt=0, le=1, description="Share of the second role answering otherwise.")
    basis: Basis
    cites: dict[str, str] = Field(min_length=1)
    title: str = Field(min_length=1)
    why: str = Field(
        min_length=1,
        description="Template: {first} and {second} are the roles, {first_answer}, {second_answer}, "
        "{second_count} and {second_respondents} what they said.",
    )
    steps: list[str] = Field(min_length=1)
    examples: GapExamples


# --- the combined answer --------------------------------------------------------------------------------------


class RoleCount(Part, frozen=True):
    role: Role
    respondents: int


class ValueCount(Part, frozen=True):
    value: Annotated[Scalar, Meta(description="An answer (for a list question: one item, or 'none').")]
    count: int


class RoleAnswers(Part, frozen=True):
    """One role's answers to one question; shown only from the anonymity floor up (leaders always)."""

    role: Role
    respondents: Annotated[int, Meta(description="Respondents of this role who answered the question.")]
    answer: Annotated[AnswerValue | None, Meta(description="The role's answer, combined as the field says.")]
    counts: Annotated[
        tuple[ValueCount, ...], Meta(description="How many gave each answer; empty for numbers (answer: median).")
    ]


CombineRule = Literal["most_common", "median", "items", "breadth", "audience"]


class CombinedField(Part, frozen=True):
    field: str
    rule: Annotated[
        CombineRule,
        Meta(
            description="most_common: the most common answer, a tie leaves it open; median: the median number; "
            "items: the items more than half name; breadth: the share of yes answers placed on the field's scale; "
            "audience: each role counts as sharing the definition when more than half of it says so."
        ),
    ]
    combined_from: Annotated[tuple[Role, ...], Meta(description="The roles whose answers make the school's.")]
    value: Annotated[AnswerValue | None, Meta(description="The school's combined answer; null when left open.")]
    respondents: Annotated[int, Meta(description="Respondents counted toward the combined answer.")]
    explanation: Annotated[str, Meta(description="How the answer was reached, with the counts behind it.")]
    by_role: Annotated[
        tuple[RoleAnswers, ...],
        Meta(description="Each role that answered, from the anonymity floor up (leaders always)."),
    ]


class PerceptionGap(Part, frozen=True):
    rank: Annotated[int, Meta(ge=1)]
    gap_id: Annotated[str, Meta(description="The gap rule, or perception-gap for the generic finding.")]
    field: str
    area: str
    first_role: Annotated[Role, Meta(description="The role whose answer the other is compared with.")]
    second_role: Annotated[Role, Meta(description="The role compared.")]
    disagreement: Annotated[
        float, Meta(ge=0, le=1, description="Share of the second role whose answer differs from the first's.")
    ]
    basis: BasisOf
    title: str
    why: Annotated[str, Meta(description="The gap in words, with the answers and counts behind it.")]
    next_steps: tuple[str, ...]
    sources: Annotated[tuple[Source, ...], Meta(description="The documented points the field bears on.")]
    sides: Annotated[
        tuple[RoleAnswers, ...], Meta(description="Both roles' answers: the first role's, then the second's.")
    ]


class StageCount(Part, frozen=True):
    stage: TeacherStage
    title: str
    teachers: int
    support: str


class TeacherStages(Part, frozen=True):
    """Where teachers say they are in the shift, so support can meet each group (M4, B2)."""

    respondents: int
    shown: Annotated[bool, Meta(description="False below the anonymity floor: the stages are then not reported.")]
    stages: tuple[StageCount, ...]


class AreaAgreement(Part, frozen=True):
    area: str
    respondents: Annotated[tuple[RoleCount, ...], Meta(description="Respondents who answered any of its questions.")]
    agreement: Annotated[
        float | None,
        Meta(description="1 minus the mean disagreement over the area's comparisons; null when nothing compared."),
    ]
    compared: Annotated[int, Meta(description="Comparisons between roles behind the agreement.")]
    confidence: Annotated[
        Confidence,
        Meta(
            description="high: every question counted from at least twice the floor of respondents (or leaders); "
            "medium: from at least the floor; low: otherwise."
        ),
    ]


class CombinedAssessment(Part, frozen=True):
    school_id: str | None
    name: str | None
    respondents: tuple[RoleCount, ...]
    minimum_group: Annotated[int, Meta(description="The anonymity floor: no role is shown by role below it.")]
    assessment: Annotated[Assessment, Meta(description="The usual assessment, of the combined profile.")]
    combined: tuple[CombinedField, ...]
    perception_gaps: tuple[PerceptionGap, ...]
    teacher_stages: TeacherStages
    agreement: tuple[AreaAgreement, ...]
