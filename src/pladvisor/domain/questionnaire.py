"""The intake questionnaire: every profile question, in form order, as a client can render it.

It is generated from the SchoolProfile model and the rule catalog, never kept by hand,
so a form built from it asks exactly what the advisor can read and says which
documented points each answer bears on.
"""

from __future__ import annotations

from pydantic import Field

from .base import Model
from .fields import Kind
from .respondents import Role


class Option(Model):
    value: str = Field(description="What to send in the profile.")
    label: str = Field(description="How to show the option to a person.")


class SkipLogic(Model):
    field: str = Field(description="The question this one depends on.")
    values: list[bool | int | str] = Field(description="Answers to that question under which this one applies.")


class Question(Model):
    field: str = Field(description="Dotted profile path the answer goes to, e.g. buy_in.approach.")
    label: str = Field(description="Short name of the question.")
    help: str = Field(description="The question in full.")
    kind: Kind = Field(
        description="bool: true or false; int: a whole number within minimum and maximum; choice: one option's "
        "value; choices: a list of option values, [] meaning none of them."
    )
    minimum: int | None = Field(description="Smallest accepted number, for int questions.")
    maximum: int | None = Field(description="Largest accepted number, for int questions.")
    options: list[Option] = Field(description="Accepted values, for choice and choices questions.")
    required: bool = Field(
        description="Always false: any question may be left unanswered; leave the field out rather than guess."
    )
    informs: list[str] = Field(description="Documented point ids whose rules read this answer.")
    rules: list[str] = Field(description="Rules whose condition reads this answer.")
    asked_when: SkipLogic | None = Field(
        description="Ask this question only when another was answered so; null when it always applies. "
        "Otherwise it is moot: leave it out."
    )


class QuestionnaireSection(Model):
    area: str = Field(description="Profile section name, the key of the section in the profile.")
    title: str
    description: str
    required: bool = Field(
        description="The section must be present in the profile, as {} when none of its questions is answered."
    )
    questions: list[Question]


class Questionnaire(Model):
    catalog_version: str = Field(description="Catalog whose rules the informs and rules lists come from.")
    role: Role | None = Field(
        None,
        description="The respondent role the questions are worded for (POST /v1/assessments/combined); null for "
        "the single-respondent intake form. A teacher's questionnaire ends with a respondent section whose "
        "stage answer goes to the response's own stage member.",
    )
    sections: list[QuestionnaireSection] = Field(description="In the order a form should ask them.")
