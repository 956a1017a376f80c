"""Why one rule fires or not for one school: its condition part by part, and where the assessment shows it.

A check reads the answers exactly as ``Advisor.assess`` does (an answer implied by others filled in, see
``answers_inferred``), takes ``fires`` from the advisor's own rule engine, and decides every part of the
condition with the same three-valued logic as readiness (``engine.trace``). Where the rule is shown is read off
the school's assessment itself, so the check cannot drift from what ``POST /v1/assessments`` answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pladvisor.domain.assessment import Assessment
from pladvisor.domain.fields import NONE_ITEM, label
from pladvisor.domain.profile import SchoolProfile
from pladvisor.domain.rules import ConditionCheck, RuleCheck, ShownAs
from pladvisor.engine.catalog import CompiledRule
from pladvisor.engine.conditions import LIST_OPERATORS
from pladvisor.engine.trace import Traced, deciding, trace

from .advisor import Advisor, spoken

_RELATION = {
    "equals": "is",
    "$neq": "is not",
    "$lt": "is less than",
    "$lte": "is at most",
    "$gt": "is more than",
    "$gte": "is at least",
}


@dataclass(frozen=True, slots=True)
class _Reading:
    """One school's answers as the advisor reads them, what fired, and where its assessment shows each rule."""

    answers: dict[str, Any]
    inferred: frozenset[str]
    fired: frozenset[str]
    shown: dict[str, ShownAs]
    withheld_by: dict[str, tuple[str, ...]]
    titles: dict[str, str]
    """The title of each answer check that fired, by rule id."""


def _shown(assessment: Assessment) -> dict[str, ShownAs]:
    """Where each rule's item is in the assessment. A strength kept going in a plan with no gap is named as a
    strength: the plan item only repeats it."""
    members: tuple[tuple[ShownAs, list[str]], ...] = (
        ("check_answers", [item.rule_id for item in assessment.check_answers]),
        ("strengths", [item.rule_id for item in assessment.strengths]),
        ("next_level", [item.rule_id for item in assessment.next_level]),
        ("recommendations", [item.rule_id for item in assessment.recommendations]),
    )
    shown: dict[str, ShownAs] = {}
    for member, rule_ids in members:
        for rule_id in rule_ids:
            shown.setdefault(rule_id, member)
    return shown


def _read_school(advisor: Advisor, profile: SchoolProfile) -> _Reading:
    """The school read as ``Advisor.assess`` reads it: the same answers, implied ones filled in, asserted into the
    advisor's own engine; and its assessment, for where each rule is shown."""
    assessment = advisor.assess(profile)
    reading = advisor.read(profile)
    answers = reading.answers
    inferred = frozenset(evidence.field for evidence in reading.inferred)
    fired = frozenset(reading.fired)
    withheld_by: dict[str, list[str]] = {}
    titles: dict[str, str] = {}
    for compiled in advisor.catalog.rules:
        if compiled.rule.kind == "inconsistency" and compiled.rule.id in fired:
            titles[compiled.rule.id] = compiled.rule.title
            for rule_id in compiled.rule.withholds:
                withheld_by.setdefault(rule_id, []).append(compiled.rule.id)
    return _Reading(
        answers=answers,
        inferred=inferred,
        fired=fired,
        shown=_shown(assessment),
        withheld_by={rule_id: tuple(ids) for rule_id, ids in withheld_by.items()},
        titles=titles,
    )


_SUBJECTS = {
    "definition.written": "written definition",
    "definition.components": "definition's components",
    "definition.shared_with": "people who use the definition",
    "definition.origin": "definition's origin",
    "definition.framed_as": "definition's framing",
    "tools.purchased_before_goals": "tools bought before the goals",
    "professional_development.methods": "professional development methods",
    "student_agency.choices": "students' choices",
}
"""Fields whose name does not read as what it asks about."""


def _subject(path: str) -> str:
    """A field in words: its name, and its section's too when the name is a single word ("measurement baseline")."""
    if path in _SUBJECTS:
        return _SUBJECTS[path]
    area, _, name = path.partition(".")
    return label(name) if "_" in name else f"{label(area)} {label(name)}"


def _answer(part: Traced) -> str:
    value = part.answer
    return spoken(list(value) if isinstance(value, tuple) else value)


def _says(part: Traced) -> str:
    """One part of a condition in words."""
    if part.operator == "$and":
        return "all of these hold"
    if part.operator == "$or":
        return "at least one of these holds"
    assert part.field is not None
    subject = _subject(part.field)
    if part.operator in LIST_OPERATORS:  # a list answer reads as plural: its items
        negated, item = part.item
        if item == NONE_ITEM:  # the engine's stand-in for "none of these": any and all agree on it
            return f"{subject} include at least one choice" if negated else f"{subject} are none of these"
        every = part.operator == "$iall"
        if negated:
            return f"{subject} {'do not include' if every else 'include something other than'} {label(item)}"
        return f"{subject} {'include only' if every else 'include'} {label(item)}"
    return f"{subject} {_RELATION[part.operator]} {spoken(part.expected)}"


def _and(phrases: list[str]) -> str:
    return phrases[0] if len(phrases) == 1 else f"{', '.join(phrases[:-1])} and {phrases[-1]}"


def _answered(part: Traced) -> str:
    return f"answer: {_answer(part)}{', inferred from other answers' if part.inferred else ''}"


def _holding(part: Traced) -> str:
    """A comparison that holds, with the answer when its words do not already say it."""
    if part.operator in ("equals", *LIST_OPERATORS):
        return f"{_says(part)} (inferred from other answers)" if part.inferred else _says(part)
    return f"{_says(part)} ({_answered(part)})"


def _outcome(root: Traced) -> str:
    leaves = deciding(root)
    if root.holds is True:
        return f"Fires: {_and(list(dict.fromkeys(_holding(leaf) for leaf in leaves)))}"
    if root.holds is False:
        # The parts that failed, those with the same answer together and that answer said once.
        by_answer: dict[str, list[str]] = {}
        for leaf in leaves:
            quoted = by_answer.setdefault(_answered(leaf), [])
            if f"“{_says(leaf)}”" not in quoted:
                quoted.append(f"“{_says(leaf)}”")
        (answered, quoted), *rest = by_answer.items()
        nor = "".join(f", nor did {_and(others)} ({answer})" for answer, others in rest)
        return f"Does not fire: {_and(quoted)} did not hold ({answered}){nor}"
    unanswered = list(dict.fromkeys(_subject(leaf.field) for leaf in leaves if leaf.field is not None))
    questions = "question on" if len(unanswered) == 1 else "questions on"
    return f"Cannot tell yet: the {questions} {_and(unanswered)} {'is' if len(unanswered) == 1 else 'are'} unanswered"


def _summary(compiled: CompiledRule, root: Traced, fires: bool, shown_as: ShownAs | None, reading: _Reading) -> str:
    """The outcome, and when the assessment does not show it as the outcome suggests, why, in one sentence."""
    held = reading.withheld_by.get(compiled.rule.id, ())
    if held:
        checks = _and([f"“{reading.titles[rule_id]}”" for rule_id in held])
        aside = f"it is held back until the answers in {checks} agree"
    elif fires and shown_as is None and compiled.rule.kind == "strength":
        aside = "it is not named as a strength, since it rests on an answer inferred from others"
    elif not fires and shown_as == "next_level":
        aside = "it is listed as a way to reach the next level"
    elif not fires and shown_as == "recommendations":
        aside = "the plan asks about it first"
    else:
        aside = ""
    return f"{_outcome(root)}{'; ' + aside if aside else ''}."


def _condition(part: Traced) -> ConditionCheck:
    return ConditionCheck(
        operator=part.operator,
        says=_says(part),
        holds=part.holds,
        field=part.field,
        expected=part.expected,
        answer=part.answer,
        inferred=part.inferred,
        parts=tuple(_condition(p) for p in part.parts),
    )


def _check(advisor: Advisor, reading: _Reading, compiled: CompiledRule) -> RuleCheck:
    rule = compiled.rule
    root = trace(rule.when, reading.answers, reading.inferred)
    fires = rule.id in reading.fired
    withheld_by = reading.withheld_by.get(rule.id, ())
    shown_as = reading.shown.get(rule.id) or ("withheld" if withheld_by else None)
    return RuleCheck(
        rule_id=rule.id,
        kind=rule.kind,
        catalog_version=advisor.catalog.version,
        fires=fires,
        shown_as=shown_as,
        withheld_by=withheld_by,
        summary=_summary(compiled, root, fires, shown_as, reading),
        conditions=_condition(root),
    )


def check(advisor: Advisor, profile: SchoolProfile, rule_id: str) -> RuleCheck:
    """Why the rule ``rule_id`` fires or not for ``profile``; a ``KeyError`` when no rule has that id."""
    compiled = advisor.catalog.by_id[rule_id]
    return _check(advisor, _read_school(advisor, profile), compiled)


def check_all(advisor: Advisor, profile: SchoolProfile) -> tuple[RuleCheck, ...]:
    """The check of every rule of the catalog for ``profile``, in catalog order, reading the school once."""
    reading = _read_school(advisor, profile)
    return tuple(_check(advisor, reading, compiled) for compiled in advisor.catalog.rules)
