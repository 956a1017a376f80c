"""A rule of the catalog as the service exposes it (read from ``rules/``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from msgspec import Meta
from pydantic import Field, field_validator, model_validator

from .base import Model, Part
from .profile import AnswerValue

Priority = Literal["critical", "high", "medium", "low"]
RuleKind = Literal["gap", "strength", "inconsistency"]
Basis = Literal["documented", "practice"]
SCORED_KINDS = ("gap", "strength")
"""Inconsistencies ask the school to check its answers; they never count towards a score."""

PRIORITY_WEIGHT: dict[str, int] = {"critical": 4, "high": 3, "medium": 2, "low": 1}
"""How much a rule counts towards an area's readiness score."""


class Point(Model):
    """A documented point that rules cite (the ids of the domain brief)."""

    id: str = Field(description="Stable id such as M1 or T3.")
    title: str = Field(description="What the point says, in a few words.")
    source: str = Field(description="The article file the point comes from.")


class Foundation(Model):
    """Something a school must have in place before it can be implementing: the rules that show it."""

    id: str = Field(pattern=r"^[a-z_]+$", description="Stable id such as why or support.")
    title: str = Field(description="The foundation in a few words.")
    rules: list[str] = Field(min_length=1, description="Gap rules that must be checked and not fire.")


class Step(Model):
    """A next step said only under some answers, so that no step asks for what the school has already done.

    ``unless`` leaves the step out when the answers make its condition true; ``when`` gives it only when they
    do. Either condition may read any area (a step is advice, not a score); an answer left blank keeps a step
    with ``unless`` and drops one with ``when``.
    """

    say: str = Field(min_length=1, description="The step, in one sentence.")
    unless: dict[str, Any] | None = Field(
        None, description="Condition (durable-rules JSON syntax) under which the step is left out."
    )
    when: dict[str, Any] | None = Field(
        None, description="Condition (durable-rules JSON syntax) under which alone the step is given."
    )

    @model_validator(mode="after")
    def _one_condition(self) -> Step:
        if (self.unless is None) == (self.when is None):
            raise ValueError("a conditional step has exactly one of 'unless' and 'when'")
        return self


class RuleExamples(Model):
    """Answers (dotted path: value) that make the rule fire, and answers that keep it quiet.

    The test suite runs both through the engine for every rule, so a rule file carries its own tests.
    """

    fires: dict[str, AnswerValue] = Field(description="Answers, by dotted path, that fire the rule.")
    quiet: dict[str, AnswerValue] = Field(description="Answers, by dotted path, that keep it quiet.")

    @field_validator("fires", "quiet")
    @classmethod
    def _not_empty(cls, answers: dict[str, AnswerValue]) -> dict[str, AnswerValue]:
        # Checked here rather than with min_length, which the OpenAPI generator misreads as a list bound.
        if not answers:
            raise ValueError("give at least one answer")
        return answers


class Rule(Model):
    """One check of the catalog: a condition over profile answers and the advice it triggers."""

    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", description="Stable, unique rule id.")
    area: str = Field(description="The profile section this rule belongs to.")
    kind: RuleKind = Field(
        description="'gap' advises a change; 'strength' names something already done well; 'inconsistency' "
        "flags answers that contradict each other."
    )
    basis: Basis = Field(
        description="'documented': the cited article says this; 'practice': the catalog's own judgement, such as "
        "a threshold no article gives."
    )
    cites: dict[str, str] = Field(description="Documented point ids this rule encodes, each with its source file.")
    when: dict[str, Any] = Field(description="Condition in durable-rules JSON syntax over dotted profile paths.")
    examples: RuleExamples = Field(description="Answers that fire the rule and answers that do not.")
    priority: Priority = Field(description="How much this matters: critical, high, medium or low.")
    order: int = Field(0, ge=0, le=1000, description="Tie-break among rules of equal priority: lower comes first.")
    title: str = Field(min_length=1, description="The advice (or strength) in one line.")
    why: str = Field(
        min_length=1,
        description="Explanation template; {area.field} quotes the school's answer and {area.field:noun} a number "
        "with its noun (1 day, 3 days).",
    )
    why_not: str | None = Field(
        None, description="Strengths only: the explanation when the strength is not (yet) in place."
    )
    steps: list[str | Step] = Field(
        min_length=1,
        description="Concrete next steps: for a gap, to close it; for a strength, to reach it; for an "
        "inconsistency, to settle the answers. A step may be given only under some answers (see Step).",
    )
    sustain: list[str] = Field(
        default_factory=list, description="Strengths only: steps to keep the strength once it is in place."
    )
    withholds: list[str] = Field(
        default_factory=list,
        description="Inconsistencies only: rules whose advice or strength is held back while the answers disagree.",
    )
    after: list[str] = Field(
        default_factory=list, description="Rule ids whose advice should come before this one when both apply."
    )
    mirrors: list[str] = Field(
        default_factory=list,
        description="Strengths only: the gaps of its area that read the same answers the other way. The answer "
        "then counts once, through those gaps: the strength is named when in place but carries no points of its "
        "own, and is not offered as a next level while one of them is advice in the plan.",
    )

    @property
    def step_texts(self) -> list[str]:
        """Every step's words, whatever answers it is said under."""
        return [step if isinstance(step, str) else step.say for step in self.steps]

    @model_validator(mode="after")
    def _fields_of_its_kind(self) -> Rule:
        if self.kind == "strength" and (not self.why_not or not self.sustain):
            raise ValueError("a strength needs why_not (when it is missing) and sustain (steps to keep it)")
        if self.kind != "strength" and (self.why_not or self.sustain):
            raise ValueError("only a strength has why_not and sustain")
        if self.kind == "inconsistency" and not self.withholds:
            raise ValueError("an inconsistency names the rules it withholds")
        if self.kind != "inconsistency" and self.withholds:
            raise ValueError("only an inconsistency withholds other rules")
        if self.kind != "strength" and self.mirrors:
            raise ValueError("only a strength mirrors gaps")
        return self

    @field_validator("cites")
    @classmethod
    def _cites_something(cls, cites: dict[str, str]) -> dict[str, str]:
        # Checked here rather than with min_length, which the OpenAPI generator misreads as a list bound.
        if not cites:
            raise ValueError("cite at least one documented point")
        return cites


class CatalogView(Model):
    """The whole catalog, as served to people who want to read what the advisor checks."""

    version: str
    points: list[Point]
    foundations: list[Foundation]
    opening: list[str] = Field(
        description="The gap rules that open every plan, in the order the articles give the first moves."
    )
    rules: list[Rule]


ConditionOperator = Literal["$and", "$or", "equals", "$neq", "$lt", "$lte", "$gt", "$gte", "$iany", "$iall"]
"""A part of a rule's ``when``: ``$and``/``$or`` join parts, ``equals`` is the bare ``{field: value}``, and the
others compare one answer as the catalog writes them."""
ShownAs = Literal["recommendations", "strengths", "next_level", "check_answers", "withheld"]
CheckedAnswer = bool | int | str | tuple[str, ...]
"""An answer as a condition read it; a list of choices is a tuple, like every sequence of an answer."""
Expected = bool | int | str | dict[str, Any]
"""What a condition compares its answer with, as the catalog writes it; for a list answer, the item condition
(``{"$i": value}`` or ``{"$neq": {"$i": value}}``)."""


class ConditionCheck(Part, frozen=True):
    """One part of a rule's condition, with the answer it read and whether it holds for these answers."""

    operator: Annotated[
        ConditionOperator,
        Meta(
            description="$and / $or: the parts must all hold / one must hold; equals: the answer is the expected "
            "value; $neq, $lt, $lte, $gt, $gte: not equal, less than, at most, more than, at least; $iany / $iall: "
            "some / every item of a list answer meets the item condition."
        ),
    ]
    says: Annotated[str, Meta(description="The part in words.")]
    holds: Annotated[
        bool | None,
        Meta(
            description="Whether it holds for these answers: null when the answers do not decide it yet. $and is "
            "false once a part is false and $or true once a part is true, whatever else is unanswered."
        ),
    ]
    field: Annotated[str | None, Meta(description="Dotted path of the answer it reads; null for $and and $or.")]
    expected: Annotated[
        Expected | None, Meta(description="The value it compares the answer with, as the catalog writes it.")
    ]
    answer: Annotated[
        CheckedAnswer | None, Meta(description="The school's answer it read; null when it is unanswered.")
    ]
    inferred: Annotated[
        bool,
        Meta(
            description="Whether the answer was left blank but is implied by others (see the assessment's "
            "answers_inferred): a definition's components, origin or audience say that a definition is written."
        ),
    ]
    parts: Annotated[
        tuple[ConditionCheck, ...], Meta(description="For $and and $or, the parts joined, in the catalog's order.")
    ]


class RuleCheck(Part, frozen=True):
    """Why one rule fires or not for one school's answers, and where the assessment shows it; ``conditions`` is the
    rule's condition (its ``when``), part by part."""

    rule_id: str
    kind: RuleKind
    catalog_version: str
    fires: Annotated[
        bool, Meta(description="Whether the rule engine fired the rule for these answers, held back or not.")
    ]
    shown_as: Annotated[
        ShownAs | None,
        Meta(
            description="Where POST /v1/assessments shows the rule for the same answers: the member of the "
            "assessment its item is in, or withheld while answers that disagree are checked. A strength not in "
            "place may be a next_level item, and a gap not yet decided a question the plan asks first. Null when "
            "it is shown nowhere: a rule that does not fire, or a strength that rests on an inferred answer."
        ),
    ]
    withheld_by: Annotated[
        tuple[str, ...], Meta(description="Rule ids of the fired answer checks that hold this rule back.")
    ]
    summary: Annotated[str, Meta(description="The outcome and what settles it, in one sentence.")]
    conditions: ConditionCheck
