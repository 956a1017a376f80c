"""What the storing routes take and answer: districts, schools and a school's dated assessments."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from msgspec import Meta
from pydantic import BeforeValidator, Field

from .assessment import Assessment, Stage
from .base import Model, Part
from .profile import MAX_TEXT, SchoolProfile

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


class StoredAssessmentOut(Part, frozen=True):
    id: str
    school_id: str
    assessed_on: date
    kind: Literal["single"]
    catalog_version: str
    stage: Stage
    score: int | None
    assessment: Assessment


class StoredSummary(Part, frozen=True):
    """An entry of a school's history: what a timeline needs, without the whole answer."""

    id: str
    assessed_on: date
    kind: Literal["single"]
    catalog_version: str
    stage: Stage
    score: int | None


class SchoolHistory(Part, frozen=True):
    school: SchoolOut
    assessments: Annotated[tuple[StoredSummary, ...], Meta(description="Oldest first.")]


class Deleted(Part, frozen=True):
    school_id: str
    assessments_deleted: Annotated[int, Meta(description="The school's stored assessments, deleted with it.")]
