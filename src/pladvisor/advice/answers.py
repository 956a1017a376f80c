"""A school's answers as the advisor reads them: by section as the engine is given them, by dotted path as
conditions, evidence and readiness read them, and with the answers that the answers given imply filled in."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from pladvisor.domain.assessment import Evidence
from pladvisor.domain.fields import NONE_ITEM, profile_fields, required_areas
from pladvisor.domain.profile import SchoolProfile, Section


def fact_of(profile: SchoolProfile) -> dict[str, Any]:
    """The profile's answers by section, unanswered fields and identity left out: what the engine is given."""
    return profile.model_dump(exclude_none=True, exclude={"school_id", "name"})


@cache
def _dotted() -> dict[str, dict[str, str]]:
    """Each field's dotted path by section and name, made once rather than formatted for every answer."""
    table: dict[str, dict[str, str]] = {}
    for path, info in profile_fields().items():
        table.setdefault(info.area, {})[path.partition(".")[2]] = path
    return table


def answers_of(fact: dict[str, Any]) -> dict[str, Any]:
    """Answered fields by dotted path, from a profile dumped without its unanswered fields."""
    return {
        f"{area}.{name}": value
        for area, section in fact.items()
        if isinstance(section, dict)
        for name, value in section.items()
    }


@cache
def _implied_parents() -> tuple[tuple[str, str, str, str, Any], ...]:
    """Each question whose answer implies its parent's: (its path, the parent's path, the parent's section and
    name, the answer implied)."""
    table = []
    for path, info in profile_fields().items():
        if info.asked_when is not None and info.implies_parent:
            parent, values = info.asked_when
            area, _, name = parent.partition(".")
            table.append((path, parent, area, name, values[0]))
    return tuple(table)


def infer_parents(asserted: dict[str, Any], answers: dict[str, Any]) -> tuple[Evidence, ...]:
    """Answers given with the question they depend on left blank, where they imply its answer: that answer,
    filled in (a definition's origin says a definition exists), so that no answer is dropped in silence."""
    inferred: dict[str, Evidence] = {}
    for path, parent, area, name, value in _implied_parents():
        if path in answers and parent not in answers:
            answers[parent] = value
            asserted.setdefault(area, {})[name] = value
            inferred[parent] = Evidence(field=parent, value=value)
    return tuple(inferred.values())


def read_profile(profile: SchoolProfile) -> tuple[dict[str, Any], dict[str, Any]]:
    """The answers two ways, in one pass over the profile: by section as the engine is given them
    (``engine_fact(fact_of(profile))``), and by dotted path (``answers_of``) with lists as tuples, hashable
    for evidence and remembered items; conditions read a tuple as they read a list.

    It reads the validated models' field values (their ``__dict__``, in field order), which is what
    ``model_dump`` copies, and sends an answered-but-empty list as ``engine_fact`` does.
    """
    dotted = _dotted()
    asserted: dict[str, Any] = {}
    answers: dict[str, Any] = {}
    for area, section in profile.__dict__.items():
        if not isinstance(section, Section):  # the identity, or an optional section left out
            continue
        paths = dotted[area]
        given: dict[str, Any] = {}
        asserted[area] = given
        for name, value in section.__dict__.items():
            if value is None:
                continue
            if isinstance(value, list):
                given[name] = value or [NONE_ITEM]
                answers[paths[name]] = tuple(value)
            else:
                given[name] = answers[paths[name]] = value
    return asserted, answers


def read_answers(answers: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The same two views built from answers by dotted path, lists as tuples, as ``read_profile`` gives them."""
    split = _split()
    asserted: dict[str, Any] = {area: {} for area in required_areas()}
    for path, value in answers.items():
        area, name = split[path]
        section = asserted.get(area)
        if section is None:
            section = asserted[area] = {}
        section[name] = (list(value) or [NONE_ITEM]) if isinstance(value, tuple) else value
    return asserted, dict(answers)


@cache
def _split() -> dict[str, tuple[str, str]]:
    """Each field's section and name by dotted path, split once."""
    return {path: (info.area, path.partition(".")[2]) for path, info in profile_fields().items()}
