"""Readiness: scores, foundations, the stage the evidence supports, and the questions that would settle it.

Every gap and strength of the catalog is a *check* worth its priority weight. The answers
decide a check or leave it open (see ``conditions.decider``): a decided gap that does not
fire is met, a strength is met when it fires. Three rules follow from that, and the
property tests hold the model to them:

* An area's score counts only the checks its own answers decide, so a blank area has no
  score, and every point it lacks is a rule listed in ``held_down_by``.
* The overall score counts every check that applies: an open check earns nothing there.
  An answer can only decide open checks, never undo a decided one, so removing an
  answer never raises the overall score, the foundations met, or the stage built on
  them. A gap about a question made moot (how stale is a why that does not exist) does
  not apply; a check reading such a question waits for the parent's answer.
* The stage is a lower bound, and the ``possible_stage`` an upper one (every open check
  met). When they differ, or answers contradict each other, the stage is provisional and
  ``to_settle`` names the questions that could move it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, get_args

from pladvisor.domain.assessment import (
    AreaReadiness,
    Confidence,
    FollowUpQuestion,
    FoundationState,
    FoundationStatus,
    HeldDown,
    HeldDownKind,
    Readiness,
    Stage,
)
from pladvisor.domain.fields import profile_fields
from pladvisor.domain.rules import PRIORITY_WEIGHT, SCORED_KINDS
from pladvisor.engine.catalog import Catalog
from pladvisor.engine.conditions import Decider

MAX_FOLLOW_UPS = 5
SCORE_BANDS: tuple[tuple[int, Stage], ...] = (
    (85, "sustaining"),
    (65, "implementing"),
    (40, "preparing"),
    (0, "exploring"),
)
GATED: frozenset[Stage] = frozenset({"implementing", "sustaining"})
"""Stages that need every foundation met, whatever the score."""


def confidence(completeness: float) -> Confidence:
    if completeness >= 0.75:
        return "high"
    return "medium" if completeness >= 0.4 else "low"


def stage(score: int | None, foundations_met: bool) -> Stage:
    """The score's band, held at preparing until every foundation is met."""
    if score is None:
        return "undetermined"
    reached = next(name for floor, name in SCORE_BANDS if score >= floor)
    return "preparing" if reached in GATED and not foundations_met else reached


def _share(met: int, total: int) -> int | None:
    return round(100 * met / total) if total else None


MAX_READINGS = 8_192
"""Area readings and foundation statuses kept for reuse (see ``ReadinessModel``); a bound, though far fewer
occur: each holds a few numbers and entries shared with the catalog, so even the bound is a few megabytes."""


def _positions(bits: int) -> Iterator[int]:
    """The positions of the bits set in ``bits``, lowest first."""
    while bits:
        lowest = bits & -bits
        yield lowest.bit_length() - 1
        bits ^= lowest


@dataclass(frozen=True, slots=True)
class _Check:
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
class _AreaReading:
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
class _Area:
    """One profile section: its checks heaviest first, so that ``held_down_by`` comes out in that order
    without sorting, and its questions."""

    index: int
    name: str
    checks: tuple[_Check, ...]
    bits: int
    """The mask of its checks."""
    max_points: int
    questions: int
    skippable: tuple[str, ...]
    """Its skip-logic questions."""

    def reading(
        self, fired: int, decided: int, inapplicable: int, withheld: int, answered: int, questions: int
    ) -> _AreaReading:
        """The area's part of an answer, from masks of checks (fired; decided: not fired, and false;
        inapplicable; fired but withheld; any other check is open) and the counts of its questions."""
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
                    held.append(check.held["check_answers" if withheld & check.bit else "gap"])
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
            score=_share(met, checked),
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
        return _AreaReading(readiness, met, checked, most, open_points, tuple(missing))


@dataclass(frozen=True, slots=True)
class _Foundation:
    bits: int
    """The mask of its rules."""
    by_status: dict[FoundationState, FoundationStatus]
    """Its three possible statuses, made once and shared by every answer."""


@dataclass(frozen=True, slots=True)
class _Foundations:
    """The status of every foundation, for one combination of its rules that fired and that are not settled."""

    statuses: tuple[FoundationStatus, ...]
    all_met: bool
    may_be_met: bool
    held_back_by: tuple[str, ...]


WaitingQuestion = tuple[int, int, int, str, FollowUpQuestion]
"""An unanswered question as it sorts among the others: minus the weight of the foundation checks waiting on
it, minus the weight of all the checks waiting on it, and its place in the form (no two questions share it,
so sorting never compares further); then the question and its follow-up."""


class _Question:
    """A question, and its follow-up for each set of the checks reading it that can be left open.

    How a question ranks and what its follow-up says depend only on which of its readers are open, and a
    question has few readers, so each combination is worked out once, the first time a school needs it.
    """

    __slots__ = ("_foundation_rules", "_order", "_readers", "_waiting", "path", "question", "readers")

    def __init__(
        self, path: str, question: str, order: int, readers: list[_Check], foundation_rules: AbstractSet[str]
    ) -> None:
        self.path = path
        self.question = question
        self.readers = sum(check.bit for check in readers)
        """The mask of the checks that read it."""
        self._readers = readers
        self._order = order
        self._foundation_rules = foundation_rules
        self._waiting: dict[int, WaitingQuestion] = {}

    def waiting(self, open_bits: int) -> WaitingQuestion:
        """The question as a follow-up, given the checks left open (at least one of them reading it)."""
        still_open = open_bits & self.readers
        entry = self._waiting.get(still_open)
        if entry is None:
            checks = [check for check in self._readers if check.bit & still_open]
            weight = sum(check.weight for check in checks)
            foundation = sum(check.weight for check in checks if check.rule_id in self._foundation_rules)
            follow_up = FollowUpQuestion(
                field=self.path,
                question=self.question,
                informs=tuple(dict.fromkeys(point for check in checks for point in check.cites)),
                rules=tuple(check.rule_id for check in checks),
            )
            entry = self._waiting[still_open] = (-foundation, -weight, self._order, self.path, follow_up)
        return entry


@dataclass(frozen=True, slots=True)
class Measured:
    """What the answers show: the readiness, the questions worth asking next, and the strengths they decide
    against (the items of ``next_level``)."""

    readiness: Readiness
    follow_ups: tuple[FollowUpQuestion, ...]
    missing: frozenset[str]


class ReadinessModel:
    """Scores and follow-up questions for one catalog, with everything that does not depend on the school
    worked out in advance.

    A school's checks are settled all at once, as integer bit masks (a bit a check) built from the rules
    that fired and the questions answered; only a check with some of its questions answered and some not
    asks its three-valued condition. An area's reading then depends only on those masks' bits for its own
    checks and on how many of its questions apply and were answered; the foundations' statuses only on the
    bits of their rules. Few such combinations occur, so each is worked out once and shared.
    """

    def __init__(self, catalog: Catalog) -> None:
        fields = profile_fields()
        scored = [c for c in catalog.rules if c.rule.kind in SCORED_KINDS]
        checks = [
            _Check(
                rule_id=c.rule.id,
                weight=PRIORITY_WEIGHT[c.rule.priority],
                strength=c.rule.kind == "strength",
                decide=c.decide,
                cites=tuple(c.rule.cites),
                bit=1 << index,
                held={
                    kind: HeldDown(rule_id=c.rule.id, kind=kind, points=PRIORITY_WEIGHT[c.rule.priority])
                    for kind in get_args(HeldDownKind)
                },
            )
            for index, c in enumerate(scored)
        ]
        self._checks = checks
        """By the position of their bit."""
        self._bit = dict.fromkeys(catalog.by_id, 0) | {check.rule_id: check.bit for check in checks}
        """Every rule's bit; 0 for one that is not a check."""
        self._all = (1 << len(checks)) - 1
        self._strengths = sum(check.bit for check in checks if check.strength)
        self._gaps = self._all & ~self._strengths

        area_names = list(dict.fromkeys(info.area for info in fields.values()))
        heaviest_first = sorted(checks, key=lambda check: -check.weight)
        self._areas: list[_Area] = []
        for index, area in enumerate(area_names):
            in_area = tuple(check for check in heaviest_first if catalog.by_id[check.rule_id].rule.area == area)
            self._areas.append(
                _Area(
                    index=index,
                    name=area,
                    checks=in_area,
                    bits=sum(check.bit for check in in_area),
                    max_points=sum(check.weight for check in in_area),
                    questions=sum(info.area == area for info in fields.values()),
                    skippable=tuple(
                        path for path, info in fields.items() if info.area == area and info.asked_when is not None
                    ),
                )
            )
        self._readings: dict[tuple[int, ...], _AreaReading] = {}

        readers: dict[str, list[_Check]] = {path: [] for path in fields}
        for compiled, check in zip(scored, checks, strict=True):
            for path in sorted(compiled.paths):
                readers[path].append(check)
        foundation_rules = frozenset(rule_id for f in catalog.foundations for rule_id in f.rules)
        self._fields = [
            (path, area_names.index(info.area), _Question(path, info.question, order, readers[path], foundation_rules))
            for order, (path, info) in enumerate(fields.items())
        ]
        """Every question, with the index of its area."""
        self._skip_logic = [
            (path, sum(check.bit for check in readers[path]), *info.asked_when)
            for path, info in fields.items()
            if info.asked_when is not None
        ]
        """Every skip-logic question with the mask of its readers, its parent and the answers it is asked for."""

        self._foundations = [
            _Foundation(
                bits=self._mask(f.rules),
                by_status={
                    status: FoundationStatus(id=f.id, title=f.title, status=status, rules=tuple(f.rules))
                    for status in get_args(FoundationState)
                },
            )
            for f in catalog.foundations
        ]
        self._foundation_bits = self._mask(foundation_rules)
        self._foundations_seen: dict[tuple[int, int], _Foundations] = {}

    def _mask(self, rule_ids: Iterable[str]) -> int:
        """The mask of the checks among ``rule_ids``, ids of the catalog's rules."""
        return sum(map(self._bit.__getitem__, rule_ids))

    def _foundations_for(self, fired: int, unsettled: int) -> _Foundations:
        """The foundations' statuses, from the masks of the checks that fired and that are open or do not
        apply."""
        key = (fired & self._foundation_bits, unsettled & self._foundation_bits)
        seen = self._foundations_seen.get(key)
        if seen is None:
            statuses = tuple(
                f.by_status["not_met" if fired & f.bits else "unknown" if unsettled & f.bits else "met"]
                for f in self._foundations
            )
            seen = _Foundations(
                statuses=statuses,
                all_met=all(f.status == "met" for f in statuses),
                may_be_met=all(f.status != "not_met" for f in statuses),
                held_back_by=tuple(f.id for f in statuses if f.status != "met"),
            )
            if len(self._foundations_seen) < MAX_READINGS:
                self._foundations_seen[key] = seen
        return seen

    def measure(
        self, answers: Mapping[str, Any], fired: AbstractSet[str], withheld: AbstractSet[str], contradicted: bool
    ) -> Measured:
        """The readiness of an answer and the questions worth asking next, from the rules the engine fired.

        A check whose rule did not fire is decided (its condition is false), open, or does not apply. A
        check reading a skip-logic question waits for the parent's answer, even when the other answers would
        decide it: otherwise an answer given to a moot question could earn points once the parent is left
        blank, and skipping would pay. Once the parent's answer makes the question moot, a gap about it does
        not apply and a strength needing it is decided against.
        """
        answered_in = [0] * len(self._areas)
        reads_answered = reads_unanswered = 0
        unanswered = []
        for path, area_index, question in self._fields:
            if path in answers:
                answered_in[area_index] += 1
                reads_answered |= question.readers
            else:
                reads_unanswered |= question.readers
                unanswered.append(question)
        moot: set[str] = set()
        reads_moot = reads_unasked = 0
        for path, readers, parent, values in self._skip_logic:
            if parent not in answers:
                reads_unasked |= readers
            elif answers[parent] not in values:
                moot.add(path)
                reads_moot |= readers

        fired_bits, withheld_bits = self._mask(fired), self._mask(withheld)
        not_fired = self._all & ~fired_bits
        inapplicable = not_fired & reads_moot & self._gaps
        decided = not_fired & reads_moot & self._strengths
        settling = not_fired & ~reads_moot & ~reads_unasked
        decided |= settling & ~reads_unanswered
        # Checks with some questions answered and some not: the three-valued condition tells. One with no
        # question answered is open without asking: its condition is unknown.
        for position in _positions(settling & reads_unanswered & reads_answered):
            check = self._checks[position]
            if check.decide(answers) is False:
                decided |= check.bit
        open_bits = not_fired & ~decided & ~inapplicable

        per_area = []
        missing: list[str] = []
        points = decided_points = open_points = total = applicable = answered_total = 0
        for area in self._areas:
            questions, answered = area.questions, answered_in[area.index]
            for path in area.skippable:
                if path in moot:
                    questions -= 1
                    if path in answers:
                        answered -= 1
            bits = area.bits
            key = (
                area.index,
                fired_bits & bits,
                decided & bits,
                inapplicable & bits,
                withheld_bits & bits,
                answered,
                questions,
            )
            reading = self._readings.get(key)
            if reading is None:
                reading = area.reading(*key[1:])
                if len(self._readings) < MAX_READINGS:
                    self._readings[key] = reading
            per_area.append(reading.readiness)
            missing += reading.missing
            points += reading.points
            decided_points += reading.checked_points
            open_points += reading.open_points
            total += reading.max_points
            applicable += questions
            answered_total += answered

        foundations = self._foundations_for(fired_bits, open_bits | inapplicable)
        score = _share(points, total) if decided_points else None
        ceiling = _share(points + open_points, total) if decided_points else None
        lower = stage(score, foundations.all_met)
        upper = stage(_share(points + open_points, total), foundations.may_be_met)
        waiting = [
            question.waiting(open_bits)
            for question in unanswered
            if open_bits & question.readers and question.path not in moot
        ]
        waiting.sort()
        completeness = round(answered_total / applicable, 3) if applicable else 1.0
        readiness = Readiness(
            score=score,
            ceiling=ceiling,
            stage=lower,
            provisional=lower != upper or contradicted,
            possible_stage=upper,
            coverage=round(decided_points / total, 3) if total else 0.0,
            completeness=completeness,
            confidence=confidence(completeness),
            foundations=foundations.statuses,
            held_back_by=foundations.held_back_by,
            to_settle=tuple(map(itemgetter(3), waiting)) if lower != upper else (),
            areas=tuple(per_area),
        )
        follow_ups = tuple(map(itemgetter(4), waiting[:MAX_FOLLOW_UPS]))
        return Measured(readiness, follow_ups, frozenset(missing))
