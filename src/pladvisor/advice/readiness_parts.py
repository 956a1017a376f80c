"""What the readiness model works out once for a catalog: each check (a gap or strength and its weight), each
area with its checks and the reading of an answer's part in it, each foundation's possible statuses, and each
question with its follow-up for every set of its readers left open."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

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


MAX_DECISIONS = 1_024
"""Decisions a rule keeps (see ``RememberedDecider``); a bound, since numeric answers make the combinations
unbounded, set well above what the closed choices of a few fields make."""


class RememberedDecider:
    """A rule's three-valued condition, its verdict remembered for each combination of the answers it reads.

    A school's answers come from closed choices, so the same few combinations of a rule's fields come back
    school after school, and building the key costs a fraction of walking the condition again.
    """

    __slots__ = ("_decide", "_paths", "_seen")

    def __init__(self, decide: Decider, paths: tuple[str, ...]) -> None:
        self._decide = decide
        self._paths = paths
        """Every field the condition reads: its verdict depends on nothing else."""
        self._seen: dict[tuple[Any, ...], bool | None] = {}

    def __call__(self, answers: Mapping[str, Any]) -> bool | None:
        key = tuple(map(answers.get, self._paths))
        try:
            return self._seen[key]
        except KeyError:  # the first school with these answers: rare once a server has run a while
            pass
        found = self._decide(answers)
        if len(self._seen) < MAX_DECISIONS:
            self._seen[key] = found
        return found


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


@dataclass(frozen=True, slots=True, eq=False)
class Asked:
    """Which of an area's questions an answer leaves blank, and what that means for the checks reading them.

    Compared and hashed by identity (``eq=False``): each combination is made once (``Area.asked``), so the
    object stands for it in other keys without hashing its questions."""

    answered: int
    """How many of its questions are answered."""
    reads_answered: int
    """The mask of the checks reading one of its answered questions."""
    reads_unanswered: int
    """The same for its unanswered questions."""
    unanswered: tuple[Question, ...]


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
    form: tuple[Question, ...]
    """Its questions."""
    asked_bits: int
    """The mask of its questions (``Question.bit``)."""
    seen: dict[int, Asked] = field(default_factory=dict)
    """``asked`` by the mask of its questions answered: 2 ** its questions at most, a few hundred for any
    section of the form."""

    def asked(self, answered: int) -> Asked:
        """Its part of the mask of questions answered (a bit a question, ``Question.bit``), worked out once."""
        found = self.seen.get(answered)
        if found is None:
            reads_answered = reads_unanswered = 0
            for question in self.form:
                if question.bit & answered:
                    reads_answered |= question.readers
                else:
                    reads_unanswered |= question.readers
            found = Asked(
                answered=answered.bit_count(),
                reads_answered=reads_answered,
                reads_unanswered=reads_unanswered,
                unanswered=tuple(question for question in self.form if not question.bit & answered),
            )
            self.seen[answered] = found
        return found

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


WaitingQuestion = tuple[int, str, FollowUpQuestion]
"""An unanswered question as it sorts among the others, then the question and its follow-up. It sorts by
whether it is to be asked first (first if so); the place of the first foundation waiting on it, in the
catalog's order of foundations (the articles' order: the why first), past the last for a question no
foundation waits on; the weight of all the checks waiting on it, most first; and its place in the form, which
no two questions share. Those four are packed into one integer, digit by digit in a base larger than any of
them (the ``span`` a ``Question`` is given), so that sorting compares one number instead of four."""


class Question:
    """A question, and its follow-up for each set of the checks reading it that can be left open.

    How a question ranks and what its follow-up says depend only on which of its readers are open, and a
    question has few readers, so each combination is worked out once, the first time a school needs it.
    """

    __slots__ = ("_foundation_rules", "_order", "_readers", "_span", "_waiting", "bit", "path", "question", "readers")

    def __init__(
        self,
        path: str,
        question: str,
        order: int,
        readers: list[Check],
        foundation_rules: Mapping[str, int],
        span: int,
    ) -> None:
        self.path = path
        self.question = question
        self.readers = sum(check.bit for check in readers)
        """The mask of the checks that read it."""
        self.bit = 1 << order
        """Its bit in a mask of questions: its place in the form."""
        self._readers = readers
        self._order = order
        self._foundation_rules = foundation_rules
        self._span = span
        """The base of the packed sort key: more than the questions, foundation rules or points of the catalog."""
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
            span = self._span
            rank = (((0 if first else 1) * span + foundation) * span + span - 1 - weight) * span + self._order
            entry = (rank, self.path, follow_up)
            self._waiting[still_open, first] = entry
        return entry
