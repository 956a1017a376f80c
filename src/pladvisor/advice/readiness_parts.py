"""What the readiness model works out once for a catalog: each check (a gap or strength and its weight), each
area with its checks and the reading of an answer's part in it, each foundation's possible statuses, and each
question with its follow-up for every set of its readers left open."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from pladvisor.domain.assessment import (
    AreaReadiness,
    FollowUpQuestion,
    FoundationState,
    FoundationStatus,
    HeldDown,
    HeldDownKind,
)
from pladvisor.engine.conditions import Decider

from .stages import confidence, share


def positions(bits: int) -> Iterator[int]:
    """The positions of the bits set in ``bits``, lowest first."""
    while bits:
        lowest = bits & -bits
        yield lowest.bit_length() - 1
        bits ^= lowest


@dataclass(frozen=True, slots=True)
class Check:
    """What scoring needs of one gap or strength, taken out of the catalog once."""

    rule_id: str
    weight: int
    strength: bool
    decide: Decider
    cites: tuple[str, ...]
    bit: int
    """Its bit in the masks of checks (``1 << its place in the catalog's checks``)."""
    held: dict[HeldDownKind, HeldDown]
    """Every entry ``held_down_by`` can hold for it, made once and shared by every answer."""


@dataclass(frozen=True, slots=True)
class AreaReading:
    """An area's part of an answer: its readiness, and what the overall readiness adds up."""

    readiness: AreaReadiness
    points: int
    checked_points: int
    max_points: int
    open_points: int
    """Points of its checks left open."""
    missing: tuple[str, ...]
    """Its strengths the answers decide against."""


@dataclass(frozen=True, slots=True)
class Area:
    """One profile section: its checks heaviest first, so that ``held_down_by`` comes out in that order
    without sorting, and its questions."""

    index: int
    name: str
    checks: tuple[Check, ...]
    bits: int
    """The mask of its checks."""
    max_points: int
    questions: int
    skippable: tuple[str, ...]
    """Its skip-logic questions."""

    def reading(self, fired: int, decided: int, inapplicable: int, answered: int, questions: int) -> AreaReading:
        """The area's part of an answer, from masks of checks (fired; decided: not fired, and false;
        inapplicable; any other check is open) and the counts of its questions."""
        met = checked = open_points = 0
        most = self.max_points
        held: list[HeldDown] = []
        missing: list[str] = []
        for check in self.checks:
            if fired & check.bit:
                checked += check.weight
                if check.strength:
                    met += check.weight
                else:
                    held.append(check.held["gap"])
            elif decided & check.bit:
                checked += check.weight
                if check.strength:
                    held.append(check.held["next_level"])
                    missing.append(check.rule_id)
                else:
                    met += check.weight
            elif inapplicable & check.bit:
                most -= check.weight
            else:
                open_points += check.weight
        completeness = round(answered / questions, 3) if questions else 1.0
        readiness = AreaReadiness(
            area=self.name,
            score=share(met, most) if checked else None,
            ceiling=share(met + open_points, most) if checked else None,
            points=met,
            checked_points=checked,
            max_points=most,
            coverage=round(checked / most, 3) if most else 0.0,
            held_down_by=tuple(held),
            answered=answered,
            questions=questions,
            completeness=completeness,
            confidence=confidence(completeness),
        )
        return AreaReading(readiness, met, checked, most, open_points, tuple(missing))


@dataclass(frozen=True, slots=True)
class Foundation:
    bits: int
    """The mask of its rules."""
    by_status: dict[FoundationState, FoundationStatus]
    """Its three possible statuses, made once and shared by every answer."""


@dataclass(frozen=True, slots=True)
class Foundations:
    """The status of every foundation, for one combination of its rules that fired and that are not settled."""

    statuses: tuple[FoundationStatus, ...]
    not_met: tuple[FoundationStatus, ...]
    unknown: tuple[FoundationStatus, ...]
    held_back_by: tuple[str, ...]


WaitingQuestion = tuple[int, int, int, int, str, FollowUpQuestion]
"""An unanswered question as it sorts among the others: 0 for a question to ask first, else 1; the place of the
first foundation waiting on it, in the catalog's order of foundations (the articles' order: the why first),
past the last for a question no foundation waits on; minus the weight of all the checks waiting on it, and its
place in the form (no two questions share it, so sorting never compares further); then the question and its
follow-up."""


class Question:
    """A question, and its follow-up for each set of the checks reading it that can be left open.

    How a question ranks and what its follow-up says depend only on which of its readers are open, and a
    question has few readers, so each combination is worked out once, the first time a school needs it.
    """

    __slots__ = ("_foundation_rules", "_order", "_readers", "_waiting", "path", "question", "readers")

    def __init__(
        self, path: str, question: str, order: int, readers: list[Check], foundation_rules: Mapping[str, int]
    ) -> None:
        self.path = path
        self.question = question
        self.readers = sum(check.bit for check in readers)
        """The mask of the checks that read it."""
        self._readers = readers
        self._order = order
        self._foundation_rules = foundation_rules
        self._waiting: dict[tuple[int, bool], WaitingQuestion] = {}

    def waiting(self, open_bits: int, first: bool = False) -> WaitingQuestion:
        """The question as a follow-up, given the checks left open (at least one of them reading it, unless it
        is to be asked first)."""
        still_open = open_bits & self.readers
        entry = self._waiting.get((still_open, first))
        if entry is None:
            checks = [check for check in self._readers if check.bit & still_open]
            weight = sum(check.weight for check in checks)
            places = [self._foundation_rules[c.rule_id] for c in checks if c.rule_id in self._foundation_rules]
            foundation = min(places, default=len(self._foundation_rules))
            follow_up = FollowUpQuestion(
                field=self.path,
                question=self.question,
                informs=tuple(dict.fromkeys(point for check in checks for point in check.cites)),
                rules=tuple(check.rule_id for check in checks),
            )
            entry = (0 if first else 1, foundation, -weight, self._order, self.path, follow_up)
            self._waiting[still_open, first] = entry
        return entry
