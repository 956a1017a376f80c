"""What the storing routes take and answer: districts, schools and a school's dated assessments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import Annotated, Literal

import msgspec
from msgspec import Meta
from pydantic import BeforeValidator, Field

from .assessment import Assessment, Stage
from .base import Model, Part
from .profile import MAX_TEXT, SchoolProfile
from .respondents import CombinedAssessment

Name = Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]


def _iso_day(value: object) -> object:
    """JSON has no date type: a day is its ISO text, which strict validation would otherwise refuse."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError("expected a day as YYYY-MM-DD") from None
    return value


Day = Annotated[date, BeforeValidator(_iso_day)]


class NewDistrict(Model):
    name: Name = Field(description="The district's name.")


class NewSchool(Model):
    name: Name = Field(description="The school's name.")
    external_id: str | None = Field(None, max_length=MAX_TEXT, description="The district's own id for the school.")
    need: float | None = Field(
        None,
        ge=0,
        le=100,
        description="Optional need figure supplied by the district, for example the share of students below "
        "proficiency (0-100); roll-out by need uses it.",
    )


class NewStoredAssessment(Model):
    assessed_on: Day = Field(description="The day the answers describe (YYYY-MM-DD).")
    profile: SchoolProfile = Field(description="The school's answers, as for POST /v1/assessments.")


class SchoolOut(Part, frozen=True):
    id: str
    district_id: str
    name: str
    external_id: str | None
    need: float | None
    created_at: datetime
    assessments: Annotated[int, Meta(description="Assessments stored for the school.")]


class DistrictOut(Part, frozen=True):
    id: str
    name: str
    created_at: datetime
    schools: tuple[SchoolOut, ...]


StoredKind = Literal["single", "combined"]


class StoredAssessmentOut(Part, frozen=True):
    id: str
    school_id: str
    assessed_on: date
    kind: Annotated[StoredKind, Meta(description="single: one profile; combined: several respondents.")]
    catalog_version: str
    stage: Stage
    score: int | None
    assessment: Assessment
    combined: Annotated[
        CombinedAssessment | None, Meta(description="For a combined assessment: the whole combined answer.")
    ] = None


class StoredSummary(Part, frozen=True):
    """An entry of a school's history: what a timeline needs, without the whole answer."""

    id: str
    assessed_on: date
    kind: StoredKind
    catalog_version: str
    stage: Stage
    score: int | None


class SchoolHistory(Part, frozen=True):
    school: SchoolOut
    assessments: Annotated[tuple[StoredSummary, ...], Meta(description="Oldest first.")]


class Deleted(Part, frozen=True):
    school_id: str
    assessments_deleted: Annotated[int, Meta(description="The school's stored assessments, deleted with it.")]


class AreaScore(Part, frozen=True):
    area: str
    score: int | None


class ProgressPoint(Part, frozen=True):
    assessment_id: str
    assessed_on: date
    stage: Stage
    score: int | None
    areas: tuple[AreaScore, ...]


class ProgressStep(Part, frozen=True):
    """What changed between two consecutive assessments."""

    assessment_from: str
    assessment_to: str
    from_date: date
    to_date: date
    resolved: Annotated[tuple[str, ...], Meta(description="Rule ids of advice the later answers show resolved.")]
    new: Annotated[tuple[str, ...], Meta(description="Rule ids of advice given at the later one only.")]
    no_longer_answered: Annotated[tuple[str, ...], Meta(description="Questions answered before, blank later.")]
    celebrate: Annotated[
        tuple[str, ...], Meta(description="Growth to celebrate (W3), in plain sentences, most important first.")
    ]
    setbacks: tuple[str, ...]


ActionStatus = Literal["open", "done", "dropped"]
RuleState = Literal["open", "resolved", "unconfirmed", "not_reassessed"]


class NewAction(Model):
    assessment_id: str = Field(max_length=64, description="The stored assessment whose plan the item comes from.")
    rule_id: str = Field(max_length=100, description="A 'now' item of that assessment's plan, by its rule id.")
    owner: Name = Field(description="Who carries the action.")
    due_on: Day = Field(description="When it is due (YYYY-MM-DD).")


class ActionChange(Model):
    status: ActionStatus | None = Field(None, description="open, done or dropped.")
    owner: str | None = Field(None, min_length=1, max_length=MAX_TEXT, description="Who carries the action.")
    due_on: Day | None = Field(None, description="When it is due (YYYY-MM-DD).")


class ActionOut(Part, frozen=True):
    id: str
    school_id: str
    assessment_id: str
    rule_id: str
    title: str
    owner: str
    due_on: date
    status: ActionStatus
    rule_state: Annotated[
        RuleState,
        Meta(
            description="What the latest assessment after the adopted one says of the rule: open (still advised), "
            "resolved (its answers settle it), unconfirmed (no longer advised, but its questions went unanswered), "
            "or not_reassessed."
        ),
    ]
    checked_in: Annotated[str | None, Meta(description="The assessment that decided rule_state, when there is one.")]
    overdue: Annotated[bool, Meta(description="Open, its rule not resolved, and past its due date.")]


class SchoolProgress(Part, frozen=True):
    school: SchoolOut
    catalog_version: Annotated[
        str, Meta(description="Every stored answer is assessed again with this catalog, so the timeline compares like.")
    ]
    timeline: Annotated[tuple[ProgressPoint, ...], Meta(description="Oldest first.")]
    steps: tuple[ProgressStep, ...]
    model_changes: Annotated[
        str | None,
        Meta(
            description="The deliberate changes to its model the school reported in each assessment (T2, T7); "
            "null when no assessment answers it."
        ),
    ]
    why_revisited: Annotated[
        str | None,
        Meta(
            description="When staff last revisited the why, as the latest assessment that says puts it (W2); null "
            "when no assessment says."
        ),
    ]
    overdue_actions: Annotated[
        tuple[ActionOut, ...], Meta(description="Adopted actions past their due date whose rule is not resolved.")
    ] = ()


Readiness = Literal["proof_point", "close", "foundations_first"]
Lens = Literal["readiness", "need"]


class Placement(Part, frozen=True):
    school_id: str
    name: str
    group: Annotated[
        Readiness,
        Meta(
            description="proof_point: every foundation met; close: one or two foundations away; foundations_first: "
            "more."
        ),
    ]
    stage: Stage
    score: int | None
    need: float | None
    foundations_missing: Annotated[tuple[str, ...], Meta(description="The foundations not yet shown to be in place.")]
    assessed_on: date
    why: Annotated[str, Meta(description="Why the school is in this wave, in a sentence.")]


class Wave(Part, frozen=True):
    number: int
    schools: tuple[Placement, ...]


class Rollout(Part, frozen=True):
    district_id: str
    lens: Lens
    capacity: Annotated[int, Meta(description="Most schools in one wave.")]
    waves: tuple[Wave, ...]
    not_assessed: Annotated[tuple[str, ...], Meta(description="Ids of the district's schools with no assessment.")]


class Findings(msgspec.Struct, frozen=True):
    """What lists, roll-outs and action check-ins read of an answer, kept beside the stored answer so that they
    need neither the answer (tens of kilobytes) nor a new assessment while the catalog is the one that made it."""

    stage: Stage
    score: int | None
    areas: tuple[AreaScore, ...]
    gaps: tuple[str, ...]
    """The rules advised as gaps."""
    strengths: tuple[str, ...]
    held_back_by: tuple[str, ...]
    """The foundations not met."""


class _Item(msgspec.Struct):
    rule_id: str
    kind: str


class _Strength(msgspec.Struct):
    rule_id: str


class _Readiness(msgspec.Struct):
    stage: Stage
    score: int | None
    areas: tuple[AreaScore, ...]
    held_back_by: tuple[str, ...]


class _Answer(msgspec.Struct):
    readiness: _Readiness
    recommendations: tuple[_Item, ...]
    strengths: tuple[_Strength, ...]


class _Combined(msgspec.Struct):
    assessment: _Answer


_read_answer = msgspec.json.Decoder(_Answer).decode
_read_combined = msgspec.json.Decoder(_Combined).decode
_write_findings = msgspec.json.Encoder().encode
_read_findings = msgspec.json.Decoder(Findings).decode


def findings_of(answer_json: bytes | str, combined: bool = False) -> Findings:
    """The findings of an answer, read from its JSON without decoding the rest of it."""
    answer = _read_combined(answer_json).assessment if combined else _read_answer(answer_json)
    readiness = answer.readiness
    return Findings(
        stage=readiness.stage,
        score=readiness.score,
        areas=readiness.areas,
        gaps=tuple(item.rule_id for item in answer.recommendations if item.kind == "gap"),
        strengths=tuple(strength.rule_id for strength in answer.strengths),
        held_back_by=readiness.held_back_by,
    )


def findings_json(findings: Findings) -> str:
    return _write_findings(findings).decode()


def findings_of_assessment(assessment: Assessment) -> Findings:
    readiness = assessment.readiness
    return Findings(
        stage=readiness.stage,
        score=readiness.score,
        areas=tuple(AreaScore(area=a.area, score=a.score) for a in readiness.areas),
        gaps=tuple(r.rule_id for r in assessment.recommendations if r.kind == "gap"),
        strengths=tuple(s.rule_id for s in assessment.strengths),
        held_back_by=readiness.held_back_by,
    )


@dataclass(frozen=True)
class Dated:
    """One stored assessment as progress, roll-outs and check-ins read it: its day, the catalog that assessed it,
    and its answers and findings as stored, decoded only when read (a roll-out of a thousand schools reads
    findings alone)."""

    id: str
    assessed_on: date
    catalog_version: str
    profile_json: str
    findings_json: str | None
    """None for a row stored without findings (imported without them): it is assessed again when read."""

    @cached_property
    def profile(self) -> SchoolProfile:
        return SchoolProfile.model_validate_json(self.profile_json)

    @cached_property
    def findings(self) -> Findings | None:
        return None if self.findings_json is None else _read_findings(self.findings_json)
