"""Two assessments of the same school, side by side: what the work between them changed."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta
from pydantic import Field

from .assessment import Recommendation, Stage, Strength
from .base import Model, Part
from .profile import SchoolProfile


class ComparisonRequest(Model):
    before: SchoolProfile = Field(description="The school's answers at the earlier point.")
    after: SchoolProfile = Field(description="The school's answers now.")


class ScoreChange(Part, frozen=True):
    before: Annotated[int | None, Meta(description="Score before; null when nothing could be checked then.")]
    after: Annotated[int | None, Meta(description="Score after; null when nothing can be checked now.")]
    change: Annotated[int | None, Meta(description="after - before; null unless both were scored.")]


class AreaChange(ScoreChange, frozen=True):
    area: str


class StageChange(Part, frozen=True):
    before: Stage
    after: Stage


class Comparison(Part, frozen=True):
    school_id: Annotated[str | None, Meta(description="From the after profile, else the before profile.")]
    name: Annotated[str | None, Meta(description="From the after profile, else the before profile.")]
    catalog_version: str
    overall: ScoreChange
    stage: StageChange
    areas: Annotated[tuple[AreaChange, ...], Meta(description="Every area, in profile order.")]
    resolved: Annotated[
        tuple[Recommendation, ...],
        Meta(
            description="Advice given before that the later answers show no longer applies, as it read before (its "
            "rank is the earlier one)."
        ),
    ]
    unconfirmed: Annotated[
        tuple[Recommendation, ...],
        Meta(
            description="Advice given before and not now, although not resolved: its questions were left blank, or "
            "the later answers contradict each other. As it read before."
        ),
    ]
    no_longer_answered: Annotated[tuple[str, ...], Meta(description="Questions answered before and left blank now.")]
    newly_answered: Annotated[tuple[str, ...], Meta(description="Questions answered now and left blank before.")]
    new: Annotated[
        tuple[Recommendation, ...], Meta(description="Advice given now that was not given before, as it reads now.")
    ]
    still_open: Annotated[tuple[Recommendation, ...], Meta(description="Advice given both times, as it reads now.")]
    strengths_gained: tuple[Strength, ...]
    strengths_lost: tuple[Strength, ...]
    improvements: Annotated[tuple[str, ...], Meta(description="What got better, in plain words, most important first.")]
    setbacks: Annotated[tuple[str, ...], Meta(description="What got worse, in plain words.")]
