"""The answerable fields of a SchoolProfile, derived from the model itself.

Rule validation, completeness, follow-up questions and every other consumer read this
one table, so a field added to the model is known everywhere without a second list.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from typing import Any, Literal, Union, get_args, get_origin

from annotated_types import Ge, Le

from .profile import AskedWhen, SchoolProfile, Section

Kind = Literal["bool", "int", "choice", "choices"]
NONE_ITEM = "none"
"""Rules may test a list answer for this item: it stands for an answered, empty list."""


@dataclass(frozen=True, slots=True)
class ProfileField:
    path: str
    area: str
    kind: Kind
    question: str
    options: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    asked_when: tuple[str, tuple[Any, ...]] | None = None
    """Skip logic: (parent path, answers of the parent under which this question applies)."""
    implies_parent: bool = False
    """Whether answering it says the parent's answer is the first of those answers (see ``AskedWhen``)."""

    def moot(self, answers: Mapping[str, Any]) -> bool:
        """Whether the parent's answer makes this question meaningless (so it is neither asked nor missing)."""
        if self.asked_when is None:
            return False
        parent, values = self.asked_when
        return parent in answers and answers[parent] not in values

    def accepts(self, value: Any) -> bool:
        """Whether a rule may compare this field with ``value`` without a type mismatch."""
        if self.kind == "bool":
            return isinstance(value, bool)
        if self.kind == "int":
            return isinstance(value, int | float) and not isinstance(value, bool)
        if self.kind == "choices" and value == NONE_ITEM:
            return True
        return isinstance(value, str) and value in self.options


def _strip_optional(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _unwrap_annotated(annotation: Any) -> Any:
    while hasattr(annotation, "__metadata__"):
        annotation = get_args(annotation)[0]
    return annotation


def _skip_logic(info: Any) -> AskedWhen | None:
    return next((m for m in info.metadata if isinstance(m, AskedWhen)), None)


def _leaf(path: str, area: str, info: Any) -> ProfileField:
    leaf = _bare_leaf(path, area, info)
    logic = _skip_logic(info)
    if logic is None:
        return leaf
    return replace(leaf, asked_when=(logic.parent, logic.values), implies_parent=logic.implies)


def _bare_leaf(path: str, area: str, info: Any) -> ProfileField:
    annotation = _unwrap_annotated(_strip_optional(info.annotation))
    question = info.description or path
    if annotation is bool:
        return ProfileField(path, area, "bool", question)
    if annotation is int:
        low = next((m.ge for m in info.metadata if isinstance(m, Ge)), None)
        high = next((m.le for m in info.metadata if isinstance(m, Le)), None)
        return ProfileField(
            path,
            area,
            "int",
            question,
            minimum=low if isinstance(low, int) else None,
            maximum=high if isinstance(high, int) else None,
        )
    if get_origin(annotation) is Literal:
        return ProfileField(path, area, "choice", question, options=get_args(annotation))
    if get_origin(annotation) is list:
        item = _unwrap_annotated(get_args(annotation)[0])
        return ProfileField(path, area, "choices", question, options=get_args(item))
    raise TypeError(f"{path}: unsupported annotation {annotation!r}")


def _section_type(annotation: Any) -> type[Section] | None:
    candidate = _strip_optional(annotation)
    if isinstance(candidate, type) and issubclass(candidate, Section):
        return candidate
    return None


@cache
def areas() -> tuple[str, ...]:
    """Profile sections in the order the model declares them (the intake-form order)."""
    return tuple(name for name, f in SchoolProfile.model_fields.items() if _section_type(f.annotation))


@cache
def section_models() -> dict[str, type[Section]]:
    """Each profile section's model, by section name, in form order."""
    models = {area: _section_type(SchoolProfile.model_fields[area].annotation) for area in areas()}
    return {area: model for area, model in models.items() if model is not None}


@cache
def required_areas() -> frozenset[str]:
    return frozenset(a for a in areas() if SchoolProfile.model_fields[a].is_required())


@cache
def profile_fields() -> dict[str, ProfileField]:
    """Every answerable leaf, keyed by its dotted path (``buy_in.approach``)."""
    table: dict[str, ProfileField] = {}
    for area in areas():
        section = _section_type(SchoolProfile.model_fields[area].annotation)
        assert section is not None
        for name, info in section.model_fields.items():
            table[f"{area}.{name}"] = _leaf(f"{area}.{name}", area, info)
    for leaf in table.values():
        if leaf.asked_when is not None:
            parent, values = leaf.asked_when
            if parent not in table or not all(table[parent].accepts(v) for v in values):
                raise TypeError(f"{leaf.path}: asked_when names {parent!r} with values it cannot take")
    return table


LABELS: dict[str, str] = {
    "buy_in": "buy-in",
    "competency_based": "competency-based progression",
    "adopted_model_as_is": "adopted from a published model as-is",
    "adapted_from_model": "adapted from a published model",
    "program": "a program to roll out",
    "philosophy": "a philosophy",
    "lms": "an LMS",
    "adaptive_software": "adaptive software",
    "learning_experiences": "students' learning experiences",
    "one_off": "a one-off event",
    "occasional": "occasional sessions",
    "ongoing": "an ongoing system",
    "mandate_all_by_date": "a mandate for all staff by a date",
    "phased_pilot": "a phased pilot",
    "voluntary": "voluntary participation",
    "readiness_based": "a start matched to each teacher's readiness",
    "state_summative_only": "the state summative test alone",
    "interim_adaptive": "an interim adaptive growth test",
    "other_interim": "another interim measure",
    "summative_and_interim": "the state test and an interim measure",
    "reference": "a reference",
    "template_to_copy": "a template to copy",
    "digital_content": "which digital content is used",
    "decisions_and_change": "how decisions are made and what changed",
    "few_classrooms": "a few classrooms",
    "many_classrooms": "many classrooms",
    "where": "where to learn",
    "how": "how to learn",
    "demonstration": "how to show learning",
    "direct_instruction": "direct instruction",
    "mixed": "a mix of leading and guiding",
    "facilitator": "a guide for students who lead their learning",
}
"""Wording for choices whose value does not read well in a sentence as it is."""


def profile_from_answers(answers: Mapping[str, Any], **identity: str) -> SchoolProfile:
    """A strictly validated profile from ``{"buy_in.approach": "voluntary", ...}``; required sections default
    to empty."""
    sections: dict[str, dict[str, Any]] = {area: {} for area in required_areas()}
    for path, value in answers.items():
        area, _, name = path.partition(".")
        sections.setdefault(area, {})[name] = value
    return SchoolProfile.model_validate({**identity, **sections}, strict=True)


def label(value: str) -> str:
    """Readable form of a closed-choice value, for explanations and forms."""
    return LABELS.get(value, value.replace("_", " "))
