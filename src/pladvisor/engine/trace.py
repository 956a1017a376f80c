"""A rule's condition taken apart for one set of answers: each part with the answer it reads and whether it holds.

Every part, the whole condition included, is decided by ``conditions.decider``: the three-valued logic the
readiness model uses and a property test holds equal to the engine, so a trace never tells a different story
from the verdict it explains.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, cast

from pladvisor.domain.rules import ConditionOperator

from .conditions import LOGICAL, Answers, decider


@dataclass(frozen=True, slots=True)
class Traced:
    """One part of a validated condition, evaluated."""

    operator: ConditionOperator
    holds: bool | None
    """True or false, or None when the answers leave it open."""
    field: str | None = None
    """The dotted path a comparison reads; None for ``$and`` and ``$or``."""
    expected: Any = None
    """What the comparison is against, as written: a value, or for a list answer its item condition."""
    answer: Any = None
    """The answer read, None when unanswered."""
    inferred: bool = False
    """Whether that answer was implied by others rather than given."""
    parts: tuple[Traced, ...] = ()
    """For ``$and`` and ``$or``, the parts joined, in the order written."""

    @property
    def item(self) -> tuple[bool, Any]:
        """For ``$iany``/``$iall``: whether the item condition is negated, and the item it names."""
        negated = "$neq" in self.expected
        return negated, (self.expected["$neq"]["$i"] if negated else self.expected["$i"])


def trace(node: Any, answers: Answers, inferred: Collection[str] = ()) -> Traced:
    """``node``, a condition the catalog has validated, evaluated part by part over ``answers`` (by dotted path;
    unanswered fields left out). ``inferred`` names the answers that were implied rather than given."""
    key, body = next(iter(node.items()))
    holds = decider(node)(answers)
    if key in LOGICAL:
        parts = tuple(trace(child, answers, inferred) for child in body)
        return Traced(operator=cast(ConditionOperator, key), holds=holds, parts=parts)
    if key.startswith("$"):
        path, expected = next(iter(body.items()))
        operator = cast(ConditionOperator, key)
    else:
        path, expected, operator = key, body, "equals"
    return Traced(
        operator=operator,
        holds=holds,
        field=path,
        expected=expected,
        answer=answers.get(path),
        inferred=path in inferred,
    )


def deciding(part: Traced) -> tuple[Traced, ...]:
    """The comparisons that settle ``part``'s result: for one that holds, those that make it hold; for one that
    does not, those that fail; for one left open, the unanswered ones that keep it open.

    ``$and`` holds through all its parts, fails through each failing part, and is open through its open parts
    (none fails). ``$or`` holds through its first part that holds (one reason is enough), fails through all its
    parts, and is open through its open parts (none holds).
    """
    if not part.parts:
        return (part,)
    if part.holds is None:
        chosen = [p for p in part.parts if p.holds is None]
    elif part.holds is (part.operator == "$and"):
        chosen = list(part.parts)
    elif part.holds:
        chosen = [next(p for p in part.parts if p.holds)]
    else:
        chosen = [p for p in part.parts if p.holds is False]
    return tuple(leaf for p in chosen for leaf in deciding(p))
