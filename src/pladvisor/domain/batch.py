"""Many schools at once: per-item outcomes and the district roll-up a leader reads first."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta

from .assessment import Assessment, AssessmentSummary, Stage
from .base import Part
from .problems import FieldError

View = Literal["full", "summary"]
"""How much of each assessment an answer carries: all of it, or its summary (``AssessmentSummary``)."""
ItemStatus = Literal["ok", "invalid"]
"""Whether a batch item was a valid profile, and so assessed."""


class ItemProblem(Part, frozen=True):
    """Why one item of a batch could not be assessed; the other items are unaffected."""

    index: Annotated[int, Meta(ge=0, description="Position of the item in the request, from 0.")]
    school_id: Annotated[str | None, Meta(description="The item's school_id, when it had a readable one.")]
    errors: Annotated[tuple[FieldError, ...], Meta(description="The item's errors: the first 20 at most.")]
    error_count: Annotated[int, Meta(ge=1, description="How many errors the item had in all.")]


class BatchItem(Part, frozen=True):
    index: Annotated[int, Meta(ge=0)]
    status: ItemStatus
    assessment: Assessment | None = None
    problem: ItemProblem | None = None


class BatchSummaryItem(Part, frozen=True):
    """An item of a batch asked for with ``view=summary``: the assessment as its summary."""

    index: Annotated[int, Meta(ge=0)]
    status: ItemStatus
    summary: AssessmentSummary | None = None
    problem: ItemProblem | None = None


class Spread(Part, frozen=True):
    scored: Annotated[int, Meta(ge=0, description="Schools with a score in this area.")]
    mean: float | None
    stdev: Annotated[float | None, Meta(description="Population standard deviation.")]
    min: int | None
    max: int | None


class AreaSpread(Spread, frozen=True):
    area: str


class RuleFrequency(Part, frozen=True):
    rule_id: str
    title: str
    priority: str
    count: Annotated[int, Meta(ge=1, description="Schools this recommendation was made to.")]
    share: Annotated[float, Meta(ge=0, le=1, description="count / schools assessed.")]
    impact: Annotated[
        float,
        Meta(
            ge=0,
            le=4,
            description="Priority weight (critical 4, high 3, medium 2, low 1) times share: the ranking key.",
        ),
    ]


class CriticalSchool(Part, frozen=True):
    index: int
    school_id: str | None
    name: str | None
    critical: Annotated[tuple[str, ...], Meta(description="Rule ids of the school's critical items.")]


class Rollup(Part, frozen=True):
    schools: Annotated[int, Meta(ge=0, description="Items received.")]
    assessed: Annotated[int, Meta(ge=0)]
    invalid: Annotated[int, Meta(ge=0)]
    catalog_version: str
    stages: dict[Stage, int]
    provisional: Annotated[
        int, Meta(ge=0, description="Schools whose stage is provisional (see Readiness.provisional).")
    ]
    overall: Spread
    areas: tuple[AreaSpread, ...]
    top_recommendations: Annotated[
        tuple[RuleFrequency, ...],
        Meta(
            description="The district's priorities: recommendations ranked by priority weight times the share of "
            "schools they apply to."
        ),
    ]
    schools_with_critical: tuple[CriticalSchool, ...]


class BatchResult(Part, frozen=True, kw_only=True):
    view: Annotated[Literal["full"], Meta(description="Each item carries its whole assessment.")] = "full"
    results: Annotated[tuple[BatchItem, ...], Meta(description="One entry per item, in input order.")]
    rollup: Rollup


class BatchSummaryResult(Part, frozen=True, kw_only=True):
    """A batch asked for with ``view=summary``: the same roll-up as the full answer's, each assessment as its
    summary."""

    view: Annotated[Literal["summary"], Meta(description="Each item carries its assessment's summary.")] = "summary"
    results: Annotated[tuple[BatchSummaryItem, ...], Meta(description="One entry per item, in input order.")]
    rollup: Rollup
