"""A school's survey: what a school opens, the links its respondents answer through, how many answered, and the
consensus its team reaches where the groups disagree.

A combined assessment needs every respondent's answers in one request; a survey collects them one person at a
time, through single-use links, in the respondent's language, and keeps them until the team has looked at the
answers together and agreed what the school's answer is.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from msgspec import Meta
from pydantic import Field

from .assessment import AnswerValue
from .base import Model, Part
from .profile import MAX_TEXT
from .respondents import CombinedAssessment, PerceptionGap, RespondentValue, Role
from .stored import Day, StoredAssessmentOut

MAX_ROSTER = 2_000
"""Places for one role of one survey: a large school's staff, or its students or families, as many respondents
as one combined request takes. The catalog's practice judgement, to keep the links of a survey and the work of
combining its answers bounded."""
MAX_LANGUAGES = 10
LONGEST_SURVEY_DAYS = 366
"""A survey closes within a year of being opened: a readiness survey describes one moment of a school."""
LANGUAGE_PATTERN = r"^[a-z]{2,3}$"
SurveyStatusName = Literal["open", "closed"]


# --- what a school sends --------------------------------------------------------------------------------------


class RoleRoster(Model):
    roster: int = Field(
        ge=1,
        le=MAX_ROSTER,
        description="How many people of this role are asked to answer: one link is made per person (at most 2,000).",
    )
    shared_link: bool = Field(
        False,
        description="One link for the whole role instead of one per person: simpler to hand out, but one person "
        "can then answer more than once. Answers are taken up to the roster.",
    )


class NewSurvey(Model):
    roles: dict[Role, RoleRoster] = Field(
        min_length=1, description="The roles asked, each with its roster (leader, teacher, coach, student, family)."
    )
    closes_on: Day = Field(description="The last day answers are taken (YYYY-MM-DD, until midnight UTC).")
    languages: list[Annotated[str, Field(pattern=LANGUAGE_PATTERN)]] = Field(
        default_factory=lambda: ["en"],
        min_length=1,
        max_length=MAX_LANGUAGES,
        description="The languages respondents may answer in, among those the service has wording for (en, es).",
    )


class AgreedAnswer(Model):
    field: str = Field(max_length=MAX_TEXT, description="A disputed field, as the survey's status lists it.")
    value: RespondentValue | None = Field(
        description="The team's answer, in the field's own kind; null when the team agrees it stays open."
    )
    note: str = Field(min_length=1, max_length=MAX_TEXT, description="Why the team settled on it, in a sentence.")


class NewConsensus(Model):
    assessed_on: Day = Field(description="The day the stored assessment describes (YYYY-MM-DD).")
    answers: list[AgreedAnswer] = Field(
        default_factory=list, max_length=200, description="One entry per disputed field, each with a note."
    )
    note: str | None = Field(None, max_length=MAX_TEXT, description="Anything the team wants kept with the consensus.")


# --- what the service answers ---------------------------------------------------------------------------------


class RoleLinks(Part, frozen=True):
    role: Role
    roster: int
    shared_link: bool
    languages: Annotated[
        tuple[str, ...], Meta(description="The languages this role's questionnaire is offered in, English first.")
    ]
    note: Annotated[str, Meta(description="How the links work, in a sentence to pass on.")]
    links: Annotated[tuple[str, ...], Meta(description="One single-use link per place, or the one shared link.")]


class SurveyOut(Part, frozen=True):
    id: str
    school_id: str
    status: SurveyStatusName
    closes_on: date
    expires_at: Annotated[datetime, Meta(description="When every link of the survey stops working.")]
    languages: tuple[str, ...]
    created_at: datetime
    roles: tuple[RoleLinks, ...]


class RoleRate(Part, frozen=True):
    role: Role
    roster: int
    shared_link: bool
    responses: int
    response_rate: Annotated[float, Meta(ge=0, description="Responses divided by the roster, unrounded.")]
    threshold: Annotated[
        float, Meta(description="The response rate from which the role counts toward the school's answer.")
    ]
    counted: Annotated[bool, Meta(description="Whether the role's answers count toward the school's answer.")]
    shown_by_role: Annotated[
        bool, Meta(description="Whether the role has reached the anonymity floor, so its answers can be shown.")
    ]
    note: str


class Settled(Part, frozen=True):
    field: str
    surveyed: Annotated[AnswerValue | None, Meta(description="The respondents' combined answer; null when open.")]
    agreed: Annotated[AnswerValue | None, Meta(description="The team's answer; null when the team left it open.")]
    note: str
    gaps: Annotated[tuple[str, ...], Meta(description="The perception gaps on this field, by gap id.")]


class ConsensusOut(Part, frozen=True):
    assessment_id: Annotated[str, Meta(description="The school's stored assessment made from the consensus.")]
    assessed_on: date
    decided_at: datetime
    note: str | None
    settled: Annotated[tuple[Settled, ...], Meta(description="Each disputed field, as surveyed and as agreed.")]
    perception_gaps: Annotated[
        tuple[PerceptionGap, ...], Meta(description="The disagreements between groups, kept as they were found.")
    ]
    low_confidence_gaps: Annotated[
        tuple[PerceptionGap, ...], Meta(description="Gaps with a role below its response-rate threshold.")
    ]


class SurveyStatus(Part, frozen=True):
    id: str
    school_id: str
    status: SurveyStatusName
    closes_on: date
    closed_at: Annotated[datetime | None, Meta(description="When the consensus closed the survey, if it did.")]
    languages: tuple[str, ...]
    minimum_group: Annotated[int, Meta(description="The anonymity floor: no role is shown by role below it.")]
    roles: tuple[RoleRate, ...]
    combined: Annotated[
        CombinedAssessment | None,
        Meta(description="As POST /v1/assessments/combined gives it, from the counted roles; null before any."),
    ]
    low_confidence_gaps: Annotated[
        tuple[PerceptionGap, ...],
        Meta(description="Gaps with a role below its response-rate threshold: shown, not counted, low confidence."),
    ]
    disputed: Annotated[
        tuple[str, ...],
        Meta(description="Fields the team settles in the consensus: a perception gap, or an answer left open."),
    ]
    consensus: ConsensusOut | None


class ConsensusStored(Part, frozen=True):
    consensus: ConsensusOut
    assessment: Annotated[
        StoredAssessmentOut, Meta(description="The school's stored assessment, as its history has it.")
    ]


# --- how the catalog declares them (rules/respondents) --------------------------------------------------------


class Thresholds(Model):
    """``rules/respondents/surveys.yaml``: the response rate from which each role counts."""

    basis: Literal["practice"]
    response_rate_thresholds: dict[Role, float] = Field(min_length=1)


class Translation(Model):
    """One file of ``rules/respondents/translations``: a language's wording of the form and of the questionnaires
    of the roles it claims."""

    language: str = Field(pattern=LANGUAGE_PATTERN)
    name: str = Field(min_length=1, description="The language's name in itself (Español).")
    status: Literal["draft", "reviewed"]
    draft_notice: str | None = Field(None, min_length=1, description="Shown on every form while status is draft.")
    roles: list[Role] = Field(min_length=1)
    form: dict[str, str]
    questions: dict[Role, dict[str, str]]
    choices: dict[str, dict[str, str]] = Field(default_factory=dict)
