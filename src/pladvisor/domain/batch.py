"""Many schools at once: per-item outcomes and the district roll-up a leader reads first."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .assessment import Assessment, Model, Stage


class ItemError(Model):
    field: str = Field(description="Dotted path inside the item ('body' for the item as a whole).")
    message: str


class ItemProblem(Model):
    """Why one item of a batch could not be assessed; the other items are unaffected."""

    index: int = Field(ge=0, description="Position of the item in the request, from 0.")
    school_id: str | None = Field(description="The item's school_id, when it had a readable one.")
    errors: list[ItemError] = Field(description="The item's errors: the first 20 at most.")
    error_count: int = Field(ge=1, description="How many errors the item had in all.")


class BatchItem(Model):
    index: int = Field(ge=0)
    status: Literal["ok", "invalid"]
    assessment: Assessment | None = None
    problem: ItemProblem | None = None


class Spread(Model):
    scored: int = Field(ge=0, description="Schools with a score in this area.")
    mean: float | None
    stdev: float | None = Field(description="Population standard deviation.")
    min: int | None
    max: int | None


class AreaSpread(Spread):
    area: str


class RuleFrequency(Model):
    rule_id: str
    title: str
    priority: str
    count: int = Field(ge=1, description="Schools this recommendation was made to.")
    share: float = Field(ge=0, le=1, description="count / schools assessed.")
    impact: float = Field(
        ge=0, le=4, description="Priority weight (critical 4, high 3, medium 2, low 1) times share: the ranking key."
    )


class CriticalSchool(Model):
    index: int
    school_id: str | None
    name: str | None
    critical: list[str] = Field(description="Rule ids of the school's critical items.")


class Rollup(Model):
    schools: int = Field(ge=0, description="Items received.")
    assessed: int = Field(ge=0)
    invalid: int = Field(ge=0)
    catalog_version: str
    stages: dict[Stage, int]
    provisional: int = Field(ge=0, description="Schools whose stage is provisional (see Readiness.provisional).")
    overall: Spread
    areas: list[AreaSpread]
    top_recommendations: list[RuleFrequency] = Field(
        description="The district's priorities: recommendations ranked by priority weight times the share of "
        "schools they apply to."
    )
    schools_with_critical: list[CriticalSchool]


class BatchResult(Model):
    results: list[BatchItem] = Field(description="One entry per item, in input order.")
    rollup: Rollup
