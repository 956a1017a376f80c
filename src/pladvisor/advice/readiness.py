"""Readiness: scores, foundations, the stage the evidence supports, and the questions that would settle it.

Every gap and strength of the catalog is a *check* worth its priority weight. The answers
decide a check or leave it open (see ``conditions.decider``): a decided gap that does not
fire is met, a strength is met when it fires. Three rules follow from that, and the
property tests hold the model to them:

* Scores count every check that applies, overall and per area: an open check earns nothing.
  An answer can only decide open checks, never undo a decided one, so removing an answer
  never raises a score. An area none of whose checks is decided has no score, and every
  decided point an area lacks is a rule listed in ``held_down_by``. A gap about a question
  made moot (how stale is a why that does not exist) does not apply; a check reading such a
  question waits for the parent's answer. A check held back by contradictory answers is open.
* Each answer counts once: a strength that mirrors gaps (the same answers read the other way)
  carries no points of its own.
* The stage is what the answered evidence supports: the band of the share of the decided
  points that are met, held below sustaining while any foundation is not shown in place,
  and at preparing once two are shown missing. Beside it, ``lowest_stage`` assumes every
  open check goes against the school and ``possible_stage`` that every one is met; the
  stage always lies between them. When they differ, or answers contradict each other, the
  stage is provisional and ``to_settle`` names the questions that could move it.

The rules of placing a school by its score and foundations are in ``stages``; what is worked out once per
catalog (checks, areas, foundations, questions) in ``readiness_parts``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, get_args

from pladvisor.domain.assessment import (
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

from .readiness_parts import (
    Area,
    AreaReading,
    Asked,
    Check,
    Foundation,
    Foundations,
    Question,
    RememberedDecider,
    WaitingQuestion,
    positions,
)
from .stages import STAGE_RANK, band, confidence, share, stage, verdict

MAX_FOLLOW_UPS = 5
MIN_FOUNDATION_SHARE = 0.5
"""The catalog's practice threshold for placing a school at all: at least half of the foundations' checks
decided. With less, the answers say too little about what holds the work up to name a stage."""
MAX_READINGS = 8_192
"""Area readings, follow-ups and foundation statuses kept for reuse (see ``ReadinessModel``); a bound, though
far fewer occur: each holds a few numbers and entries shared with the catalog, so even the bound is a few
megabytes."""


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

    A school's checks are settled all at once, as integer bit masks (a bit a check, and a bit a question of
    the form) built from the rules that fired and the questions answered; only a check with some of its
    questions answered and some not asks its three-valued condition. An area's reading then depends only on
    those masks' bits for its own checks and on how many of its questions apply and were answered; its
    follow-ups on its questions answered and the open checks reading the others; the foundations' statuses
    only on the bits of their rules. Few such combinations occur, so each is worked out once and shared.
    """

    def __init__(self, catalog: Catalog) -> None:
        fields = profile_fields()
        scored = [c for c in catalog.rules if c.rule.kind in SCORED_KINDS and not c.rule.mirrors]
        checks = [
            Check(
                rule_id=c.rule.id,
                weight=PRIORITY_WEIGHT[c.rule.priority],
                strength=c.rule.kind == "strength",
                decide=RememberedDecider(c.decide, c.paths),
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
        self._major = sum(check.bit for check in checks if check.weight >= PRIORITY_WEIGHT["high"])
        """Checks of high priority or more: while such a gap is open or such a strength missing, a school is not
        yet sustaining."""

        area_names = list(dict.fromkeys(info.area for info in fields.values()))
        readers: dict[str, list[Check]] = {path: [] for path in fields}
        for compiled, check in zip(scored, checks, strict=True):
            for path in sorted(compiled.paths):
                readers[path].append(check)
        foundation_rules = {rule_id: i for i, f in enumerate(catalog.foundations) for rule_id in f.rules}
        span = max(len(fields), len(foundation_rules), sum(check.weight for check in checks)) + 1
        questions = [
            Question(path, info.question, order, readers[path], foundation_rules, span)
            for order, (path, info) in enumerate(fields.items())
        ]
        self._question_bit = {question.path: question.bit for question in questions}
        self._questions = len(questions)
        heaviest_first = sorted(checks, key=lambda check: -check.weight)
        self._areas: list[Area] = []
        for index, area in enumerate(area_names):
            in_area = tuple(check for check in heaviest_first if catalog.by_id[check.rule_id].rule.area == area)
            form = tuple(q for q, info in zip(questions, fields.values(), strict=True) if info.area == area)
            self._areas.append(
                Area(
                    index=index,
                    name=area,
                    checks=in_area,
                    bits=sum(check.bit for check in in_area),
                    max_points=sum(check.weight for check in in_area),
                    questions=len(form),
                    form=form,
                    asked_bits=sum(question.bit for question in form),
                )
            )
        self._readings: dict[tuple[int, ...], AreaReading] = {}
        self._waiting: dict[tuple[Asked, int, int, int], tuple[WaitingQuestion, ...]] = {}
        self._skip_logic = [
            (self._question_bit[path], sum(check.bit for check in readers[path]), *info.asked_when)
            for path, info in fields.items()
            if info.asked_when is not None
        ]
        """Every skip-logic question: its bit, the mask of its readers, its parent and the answers it is asked
        for."""

        self._foundations = [
            Foundation(
                bits=self._mask(f.rules),
                by_status={
                    status: FoundationStatus(id=f.id, title=f.title, status=status, rules=tuple(f.rules))
                    for status in get_args(FoundationState)
                },
            )
            for f in catalog.foundations
        ]
        self._foundation_bits = self._mask(foundation_rules)
        self._foundations_seen: dict[tuple[int, int], Foundations] = {}

    def _mask(self, rule_ids: Iterable[str]) -> int:
        """The mask of the checks among ``rule_ids``, ids of the catalog's rules."""
        return sum(map(self._bit.__getitem__, rule_ids))

    def _foundations_for(self, fired: int, unsettled: int) -> Foundations:
        """The foundations' statuses, from the masks of the checks that fired and that are open or do not
        apply."""
        key = (fired & self._foundation_bits, unsettled & self._foundation_bits)
        seen = self._foundations_seen.get(key)
        if seen is None:
            statuses = tuple(
                f.by_status["not_met" if fired & f.bits else "unknown" if unsettled & f.bits else "met"]
                for f in self._foundations
            )
            seen = Foundations(
                statuses=statuses,
                not_met=tuple(f for f in statuses if f.status == "not_met"),
                unknown=tuple(f for f in statuses if f.status == "unknown"),
                held_back_by=tuple(f.id for f in statuses if f.status != "met"),
            )
            if len(self._foundations_seen) < MAX_READINGS:
                self._foundations_seen[key] = seen
        return seen

    def measure(
        self,
        answers: Mapping[str, Any],
        fired: AbstractSet[str],
        withheld: AbstractSet[str],
        contradicted: bool,
        first: AbstractSet[str] = frozenset(),
    ) -> Measured:
        """The readiness of an answer and the questions worth asking next, from the rules the engine fired.

        ``withheld`` names every rule that contradictory answers hold back, fired or not: such a check is
        open, costing and earning nothing until the answers agree. ``first`` names questions to ask before
        any other (parents of answers that could not be used).

        A check whose rule did not fire is decided (its condition is false), open, or does not apply. A
        check reading a skip-logic question waits for the parent's answer, even when the other answers would
        decide it: otherwise an answer given to a moot question could earn points once the parent is left
        blank, and skipping would pay. Once the parent's answer makes the question moot, a gap about it does
        not apply and a strength needing it is decided against.
        """
        # The questions answered as a mask (the answers name only questions of the form), each area's part of
        # it read once for every combination: no question is looked up by its path.
        asked = sum(map(self._question_bit.__getitem__, answers))
        parts = [area.asked(asked & area.asked_bits) for area in self._areas]
        reads_answered = reads_unanswered = 0
        for part in parts:
            reads_answered |= part.reads_answered
            reads_unanswered |= part.reads_unanswered
        moot = reads_moot = reads_unasked = 0
        for bit, readers, parent, values in self._skip_logic:
            if parent not in answers:
                reads_unasked |= readers
            elif answers[parent] not in values:
                moot |= bit
                reads_moot |= readers

        withheld_bits = self._mask(withheld)
        fired_all = self._mask(fired)
        fired_bits = fired_all & ~withheld_bits
        not_fired = self._all & ~fired_all & ~withheld_bits
        inapplicable = not_fired & reads_moot & self._gaps
        decided = not_fired & reads_moot & self._strengths
        settling = not_fired & ~reads_moot & ~reads_unasked
        decided |= settling & ~reads_unanswered
        # Checks with some questions answered and some not: the three-valued condition tells. One with no
        # question answered is open without asking: its condition is unknown.
        for position in positions(settling & reads_unanswered & reads_answered):
            check = self._checks[position]
            if check.decide(answers) is False:
                decided |= check.bit
        open_bits = self._all & ~fired_bits & ~decided & ~inapplicable

        per_area = []
        missing: list[str] = []
        points = decided_points = open_points = total = 0
        for area, part in zip(self._areas, parts, strict=True):
            questions, answered = area.questions, part.answered
            if moot & area.asked_bits:
                questions -= (moot & area.asked_bits).bit_count()
                answered -= (moot & asked & area.asked_bits).bit_count()
            bits = area.bits
            key = (area.index, fired_bits & bits, decided & bits, inapplicable & bits, answered, questions)
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

        foundations = self._foundations_for(fired_bits, open_bits | inapplicable)
        not_met, unknown = len(foundations.not_met), len(foundations.unknown)
        score = share(points, total) if decided_points else None
        ceiling = share(points + open_points, total) if decided_points else None
        answered_score = share(points, decided_points)
        settled_foundation_checks = (self._foundation_bits & ~open_bits).bit_count()
        enough = settled_foundation_checks >= MIN_FOUNDATION_SHARE * self._foundation_bits.bit_count()
        major = bool((fired_bits & self._gaps | decided & self._strengths) & self._major)
        central = stage(answered_score, not_met, unknown, major) if enough else "undetermined"
        if total:
            lowest = stage(share(points, total), not_met + unknown, 0, major or bool(open_bits & self._major))
            highest = stage(share(points + open_points, total), not_met, 0, major)
        else:
            lowest = highest = "undetermined"
        held_at = _held_at(answered_score, central, foundations)
        waiting: list[WaitingQuestion] = []
        first_bits = sum(map(self._question_bit.__getitem__, first))
        for area, part in zip(self._areas, parts, strict=True):
            # An area's follow-ups depend only on which of its questions are answered (``part``: one object for
            # each combination, kept for good, so keyed by identity), which of their readers are open, and which
            # of its questions are moot or to be asked first.
            asking = (part, open_bits & part.reads_unanswered, moot & area.asked_bits, first_bits & area.asked_bits)
            found = self._waiting.get(asking)
            if found is None:
                found = tuple(
                    question.waiting(open_bits, question.path in first)
                    for question in part.unanswered
                    if (open_bits & question.readers or question.path in first) and not moot & question.bit
                )
                if len(self._waiting) < MAX_READINGS:
                    self._waiting[asking] = found
            waiting += found
        waiting.sort()
        applicable = self._questions - moot.bit_count()
        completeness = round((asked & ~moot).bit_count() / applicable, 3) if applicable else 1.0
        settled = lowest == highest and central != "undetermined"
        readiness = Readiness(
            score=score,
            ceiling=ceiling,
            answered_score=answered_score,
            stage=central,
            provisional=not settled or contradicted,
            lowest_stage=lowest,
            possible_stage=highest,
            stage_held_by=tuple(f.id for f in held_at),
            verdict=verdict(central, answered_score, held_at, lowest, highest, contradicted),
            coverage=round(decided_points / total, 3) if total else 0.0,
            completeness=completeness,
            confidence=confidence(completeness),
            foundations=foundations.statuses,
            held_back_by=foundations.held_back_by,
            to_settle=tuple(map(itemgetter(1), waiting)) if not settled else (),
            areas=tuple(per_area),
        )
        follow_ups = tuple(map(itemgetter(2), waiting[:MAX_FOLLOW_UPS]))
        return Measured(readiness, follow_ups, frozenset(missing))


def _held_at(answered_score: int | None, central: Stage, foundations: Foundations) -> tuple[FoundationStatus, ...]:
    """The foundations that keep the stage below the band of the answered score: every one not shown in place,
    but for a school held at preparing by two or more missing, those."""
    if answered_score is None or central == "undetermined" or STAGE_RANK[band(answered_score)] <= STAGE_RANK[central]:
        return ()
    if central == "preparing" and len(foundations.not_met) >= 2:
        return foundations.not_met
    return foundations.not_met + foundations.unknown
