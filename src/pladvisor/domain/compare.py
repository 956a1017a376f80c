"""Two assessments of the same school, side by side: what the work between them changed."""

from __future__ import annotations

from pydantic import Field

from .assessment import Model, Recommendation, Stage, Strength
from .profile import SchoolProfile


class ComparisonRequest(Model):
    before: SchoolProfile = Field(description="The school's answers at the earlier point.")
    after: SchoolProfile = Field(description="The school's answers now.")


class ScoreChange(Model):
    before: int | None = Field(description="Score before; null when nothing could be checked then.")
    after: int | None = Field(description="Score after; null when nothing can be checked now.")
    change: int | None = Field(description="after - before; null unless both were scored.")


class AreaChange(ScoreChange):
    area: str


class StageChange(Model):
    before: Stage
    after: Stage


class Comparison(Model):
    school_id: str | None = Field(description="From the after profile, else the before profile.")
    name: str | None = Field(description="From the after profile, else the before profile.")
    catalog_version: str
    overall: ScoreChange
    stage: StageChange
    areas: list[AreaChange] = Field(description="Every area, in profile order.")
    resolved: list[Recommendation] = Field(
        description="Advice given before that the later answers show no longer applies, as it read before (its "
        "rank is the earlier one)."
    )
    unconfirmed: list[Recommendation] = Field(
        description="Advice given before and not now, although not resolved: its questions were left blank, or "
        "the later answers contradict each other. As it read before."
    )
    no_longer_answered: list[str] = Field(description="Questions answered before and left blank now.")
    newly_answered: list[str] = Field(description="Questions answered now and left blank before.")
    new: list[Recommendation] = Field(description="Advice given now that was not given before, as it reads now.")
    still_open: list[Recommendation] = Field(description="Advice given both times, as it reads now.")
    strengths_gained: list[Strength]
    strengths_lost: list[Strength]
    improvements: list[str] = Field(description="What got better, in plain words, most important first.")
    setbacks: list[str] = Field(description="What got worse, in plain words.")
