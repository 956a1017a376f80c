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

from collections import Counter
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class _Check:
    """What scoring needs of one gap or strength, taken out of the catalog once."""

    rule_id: str
    area: str
    weight: int
    strength: bool
    paths: frozenset[str]
    decide: Decider
    cites: tuple[str, ...]
    guards: tuple[tuple[str, tuple[Any, ...]], ...]
    """Skip logic of the questions it reads: (parent, answers under which they apply)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """Each check's state for one school's answers: True fired, False decided not to fire, None open.

    A gap that reads a question made moot by its parent's answer does not apply at all (it is in
    ``inapplicable``, neither met nor lost): with no written why, "the why is stale" is neither true
    nor a credit. A strength in that case is decided against: a why kept alive is missing too.
    """

    decided: dict[str, bool | None]
    inapplicable: frozenset[str]


class ReadinessModel:
    """Scores and follow-up questions for one catalog, with everything per-rule worked out in advance."""

    def __init__(self, catalog: Catalog) -> None:
        fields = profile_fields()
        self._checks = [
            _Check(
                rule_id=c.rule.id,
                area=c.rule.area,
                weight=PRIORITY_WEIGHT[c.rule.priority],
                strength=c.rule.kind == "strength",
                paths=frozenset(c.paths),
                decide=c.decide,
                cites=tuple(c.rule.cites),
                guards=tuple(
                    skip for skip in dict.fromkeys(fields[path].asked_when for path in c.paths) if skip is not None
                ),
            )
            for c in catalog.rules
            if c.rule.kind in SCORED_KINDS
        ]
        self._scoring = [
            (c.rule_id, c.area, c.weight, c.strength) for c in sorted(self._checks, key=lambda c: -c.weight)
        ]
        """Heaviest first, so that each area's ``held_down_by`` comes out in that order without sorting."""
        self._held: dict[tuple[str, HeldDownKind], HeldDown] = {
            (c.rule_id, kind): HeldDown(rule_id=c.rule_id, kind=kind, points=c.weight)
            for c in self._checks
            for kind in get_args(HeldDownKind)
        }
        """Every entry ``held_down_by`` can hold, made once and shared by every answer."""
        self._foundations = [
            (
                tuple(f.rules),
                {
                    status: FoundationStatus(id=f.id, title=f.title, status=status, rules=tuple(f.rules))
                    for status in get_args(FoundationState)
                },
            )
            for f in catalog.foundations
        ]
        self._foundation_rules = {rule_id for f in catalog.foundations for rule_id in f.rules}
        self._readers: dict[str, list[_Check]] = {}
        for check in self._checks:
            for path in sorted(check.paths):
                self._readers.setdefault(path, []).append(check)
        self._fields = fields
        self._skippable = [info for info in fields.values() if info.asked_when is not None]
        self._questions = {path: info.question for path, info in fields.items()}
        order = {path: i for i, path in enumerate(fields)}
        self._question_table = [
            (path, order[path], [(check, check.rule_id in self._foundation_rules) for check in readers])
            for path, readers in self._readers.items()
        ]
        self._per_area = dict(Counter(info.area for info in fields.values()))
        self._max_points = dict.fromkeys(self._per_area, 0)
        for check in self._checks:
            self._max_points[check.area] += check.weight

    def outcome(self, answers: Mapping[str, Any], fired: AbstractSet[str]) -> Outcome:
        """Decide every check: the engine says what fired; skip logic and three-valued logic settle the rest.

        A check reading a skip-logic question waits for the parent's answer, even when the other answers
        would decide it: otherwise an answer given to a moot question could earn points once the parent
        is left blank, and skipping would pay.
        """
        answered = set(answers)
        decided: dict[str, bool | None] = {}
        inapplicable: set[str] = set()
        for check in self._checks:
            rule_id = check.rule_id
            if rule_id in fired:
                decided[rule_id] = True
                continue
            state: bool | None = None
            guarded = False
            for parent, values in check.guards:
                if parent not in answers:
                    guarded = True
                elif answers[parent] not in values:
                    guarded = True
                    if check.strength:
                        state = False
                    else:
                        inapplicable.add(rule_id)
                    break
            if not guarded and (check.paths <= answered or check.decide(answers) is False):
                state = False
            decided[rule_id] = state
        return Outcome(decided, frozenset(inapplicable))

    def moot(self, answers: Mapping[str, Any]) -> set[str]:
        """Questions whose parent's answer makes them meaningless."""
        return {info.path for info in self._skippable if info.moot(answers)}

    def measure(
        self, answers: Mapping[str, Any], outcome: Outcome, withheld: AbstractSet[str], contradicted: bool
    ) -> tuple[Readiness, tuple[FollowUpQuestion, ...]]:
        """The readiness of an answer and the questions worth asking next."""
        decided = outcome.decided
        met = dict.fromkeys(self._per_area, 0)
        checked = dict.fromkeys(self._per_area, 0)
        held: dict[str, list[HeldDown]] = {area: [] for area in self._per_area}
        open_points = 0
        inapplicable = outcome.inapplicable
        maximum = dict(self._max_points)
        for rule_id, area, weight, strength in self._scoring:
            state = decided[rule_id]
            if state is None:
                if rule_id in inapplicable:
                    maximum[area] -= weight
                else:
                    open_points += weight
                continue
            checked[area] += weight
            if state is strength:
                met[area] += weight
            else:
                kind: HeldDownKind = "next_level" if strength else "check_answers" if rule_id in withheld else "gap"
                held[area].append(self._held[rule_id, kind])

        moot = self.moot(answers)
        applies = dict(self._per_area)
        for path in moot:
            applies[self._fields[path].area] -= 1
        answered_in = dict.fromkeys(self._per_area, 0)
        for path in answers:
            if path not in moot:
                answered_in[path.partition(".")[0]] += 1
        per_area = []
        for area, questions in applies.items():
            completeness = round(answered_in[area] / questions, 3) if questions else 1.0
            most = maximum[area]
            per_area.append(
                AreaReadiness(
                    area=area,
                    score=_share(met[area], checked[area]),
                    points=met[area],
                    checked_points=checked[area],
                    max_points=most,
                    coverage=round(checked[area] / most, 3) if most else 0.0,
                    held_down_by=tuple(held[area]),
                    answered=answered_in[area],
                    questions=questions,
                    completeness=completeness,
                    confidence=confidence(completeness),
                )
            )

        foundations = []
        for rules, by_status in self._foundations:
            states = [decided[rule_id] for rule_id in rules]
            foundations.append(by_status["not_met" if True in states else "unknown" if None in states else "met"])
        all_met = all(f.status == "met" for f in foundations)
        may_be_met = all(f.status != "not_met" for f in foundations)

        decided_points = sum(checked.values())
        points = sum(met.values())
        total = sum(maximum.values())
        score = _share(points, total) if decided_points else None
        ceiling = _share(points + open_points, total) if decided_points else None
        lower = stage(score, all_met)
        upper = stage(_share(points + open_points, total), may_be_met)
        waiting = self._ranked_questions(answers, outcome, moot)
        applicable = sum(applies.values())
        completeness = round(sum(answered_in.values()) / applicable, 3) if applicable else 1.0
        readiness = Readiness(
            score=score,
            ceiling=ceiling,
            stage=lower,
            provisional=lower != upper or contradicted,
            possible_stage=upper,
            coverage=round(decided_points / total, 3) if total else 0.0,
            completeness=completeness,
            confidence=confidence(completeness),
            foundations=tuple(foundations),
            held_back_by=tuple(f.id for f in foundations if f.status != "met"),
            to_settle=tuple(path for path, _ in waiting) if lower != upper else (),
            areas=tuple(per_area),
        )
        follow_ups = tuple(
            FollowUpQuestion(
                field=path,
                question=self._questions[path],
                informs=tuple(dict.fromkeys(point for check in checks for point in check.cites)),
                rules=tuple(check.rule_id for check in checks),
            )
            for path, checks in waiting[:MAX_FOLLOW_UPS]
        )
        return readiness, follow_ups

    def _ranked_questions(
        self, answers: Mapping[str, Any], outcome: Outcome, moot: AbstractSet[str]
    ) -> list[tuple[str, list[_Check]]]:
        """Unanswered questions that apply, with the open checks waiting on them: those bearing on a
        foundation first, then by the weight waiting, then in form order. A moot question is never asked."""
        decided, inapplicable = outcome.decided, outcome.inapplicable
        ranked = []
        for path, order, readers in self._question_table:
            if path in answers or path in moot:
                continue
            still_open = []
            foundation = weight = 0
            for check, in_foundation in readers:
                if decided[check.rule_id] is None and check.rule_id not in inapplicable:
                    still_open.append(check)
                    weight += check.weight
                    if in_foundation:
                        foundation += check.weight
            if still_open:
                ranked.append((-foundation, -weight, order, path, still_open))
        ranked.sort(key=lambda entry: entry[:3])
        return [(entry[3], entry[4]) for entry in ranked]
