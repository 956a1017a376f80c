"""The advisor: a school profile in, an explained assessment out. Usable without any HTTP. How it reads the
answers (by section, by dotted path, with the answers they imply) is in ``answers``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Generic, NamedTuple, TypeVar

from msgspec.structs import replace

from pladvisor.domain.assessment import (
    AnswerCheck,
    AreaSummary,
    Assessment,
    AssessmentSummary,
    Evidence,
    FollowUpQuestion,
    Horizon,
    NextLevel,
    PlanItemKind,
    PlanStep,
    Readiness,
    Recommendation,
    Source,
    Strength,
)
from pladvisor.domain.fields import areas, label, profile_fields
from pladvisor.domain.profile import SchoolProfile
from pladvisor.domain.rules import Priority
from pladvisor.engine.catalog import PLACEHOLDER, Catalog, CompiledRule, default_rules_dir, load_catalog
from pladvisor.engine.evaluator import RuleEvaluator

from . import ranking
from .answers import infer_parents, read_answers, read_profile
from .readiness import Measured, ReadinessModel
from .readiness_parts import RememberedDecider


def _question_title(question: FollowUpQuestion) -> str:
    return f"Find out first: {question.question}"


MAX_SUSTAIN = 3
"""Items in the plan of a school with no gap: a short list of what to keep doing."""
SUSTAIN_HORIZON: Horizon = "next"
MAX_REMEMBERED = 16_384
"""Explained items kept for reuse; a bound, since free numbers make the combinations unbounded. Each holds an item's
whole text, so the bound is set where a server's first few thousand schools fill it: a server's memory then
stops growing early instead of creeping up over hundreds of thousands of assessments."""


def spoken(value: Any, noun: str | None = None) -> str:
    """An answer in words; a number given a noun agrees with it (1 day, 3 days). A noun followed by "ago"
    tells a time past, where 0 means within the last one: "0 months ago" is not how anyone says it; one
    followed by "from now" a time to come, where 0 means right away."""
    if value is None:
        return "not answered"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(label(v) for v in value) if value else "none"
    if isinstance(value, str):
        return label(value)
    if noun:
        unit, _, when = noun.partition(" ")
        if when and value == 0:
            return f"within the last {unit}" if when == "ago" else "right away"
        return f"{value} {unit if value == 1 else unit + 's'}{' ' + when if when else ''}"
    return str(value)


def render(parts: tuple[str | None, ...], answers: dict[str, Any]) -> str:
    """A template split by ``PLACEHOLDER`` (text, path, noun, text, ...) with the school's answers in words; a
    list answer may be given as a tuple."""
    out = [parts[0] or ""]
    for i in range(1, len(parts), 3):
        path, noun, text = parts[i], parts[i + 1], parts[i + 2]
        value = answers.get(path or "")
        out.append(spoken(list(value) if isinstance(value, tuple) else value, noun))
        out.append(text or "")
    return "".join(out)


def explain(compiled: CompiledRule, answers: dict[str, Any], template: str | None = None) -> str:
    """``template`` (by default the rule's ``why``) with each ``{area.field}`` replaced by the school's answer."""
    parts = compiled.template if template is None else tuple(PLACEHOLDER.split(template))
    return render(parts, answers)


Item = TypeVar("Item", Recommendation, Strength, NextLevel, AnswerCheck)
Maker = Callable[[CompiledRule, dict[str, Any]], Item]
"""Makes one kind of item for a rule from the school's answers (by dotted path, lists as tuples)."""


class _Remembered(Generic[Item]):
    """One kind of item by rule and the answers it quotes, made once for each combination.

    Answers are closed choices, so across many schools the same few combinations come back again and again,
    and an item is immutable, so answers share it safely. Every kind keeps its items in one dictionary,
    which ``MAX_REMEMBERED`` bounds.
    """

    def __init__(self, kind: str, make: Maker[Item], items: dict[tuple[Any, ...], Any]) -> None:
        self._kind = kind
        self._make: Maker[Item] = make
        self._items = items

    def get(self, compiled: CompiledRule, answers: dict[str, Any]) -> Item:
        quoted: tuple[str, ...] = compiled.quoted
        if len(quoted) == 1:  # most rules quote one answer: the same key, made faster
            key: tuple[Any, ...] = (self._kind, compiled.rule.id, answers.get(quoted[0]))
        else:
            key = (self._kind, compiled.rule.id, *map(answers.get, quoted))
        item: Item | None = self._items.get(key)
        if item is None:
            item = self._make(compiled, answers)
            if len(self._items) < MAX_REMEMBERED:
                self._items[key] = item
        return item


class Reading(NamedTuple):
    """A profile as the advisor reads it, before it writes the answer."""

    answers: dict[str, Any]
    inferred: tuple[Evidence, ...]
    not_used: tuple[str, ...]
    fired: set[str]
    contradictions: list[CompiledRule]
    held: set[str]
    measured: Measured


class _Outline(NamedTuple):
    """The plan's shape before any of its sentences are written: what the full answer and its summary share."""

    questions: list[FollowUpQuestion]
    gaps: list[tuple[CompiledRule, Horizon]]
    claimed: list[CompiledRule]
    """Strengths claimed, in plan order."""
    sustaining: bool
    """No gap to close and every foundation met: the plan keeps the weightiest strengths going."""


class Advisor:
    """Holds one validated catalog and its compiled durable-rules ruleset for the life of the process."""

    def __init__(self, catalog: Catalog) -> None:
        ranking.check_tiers(areas())
        self.catalog = catalog
        self._evaluator = RuleEvaluator(catalog)
        self._readiness = ReadinessModel(catalog)
        self._sources = {
            c.rule.id: tuple(
                Source(point=p, title=catalog.points[p].title, file=catalog.points[p].source) for p in c.rule.cites
            )
            for c in catalog.rules
        }
        self._sustain = {c.rule.id: tuple(c.rule.sustain) for c in catalog.rules}
        self._plan_order = ranking.PlanOrder([c.rule for c in catalog.rules if c.rule.kind == "gap"], catalog.opening)
        self._foundation_rules = frozenset(rule_id for f in catalog.foundations for rule_id in f.rules)
        self._foundation_titles = {rule_id: f.title for f in catalog.foundations for rule_id in f.rules}
        self._set_aside_parents = tuple(
            (path, info.asked_when[0])
            for path, info in profile_fields().items()
            if info.asked_when is not None and not info.implies_parent
        )
        strengths = ranking.rank([c.rule for c in catalog.rules if c.rule.kind == "strength"])
        self._strengths = [(rule.id, catalog.by_id[rule.id]) for rule in strengths]
        """In plan order: most weight first, foundations before practice before tools."""
        self._reachable = [
            (rule_id, c, tuple(c.rule.mirrors), RememberedDecider(c.decide, c.paths)) for rule_id, c in self._strengths
        ]
        """The same with the gaps each mirrors and its condition, remembered: what ``next_level`` reads."""
        self._inconsistencies = [(c.rule.id, c) for c in catalog.rules if c.rule.kind == "inconsistency"]
        remembered: dict[tuple[Any, ...], Any] = {}
        self._remembered = remembered
        self._plan_item = _Remembered("plan", self._new_plan_item, remembered)
        self._strength = _Remembered("strength", self._new_strength, remembered)
        self._next_level = _Remembered("next_level", self._new_next_level, remembered)
        self._check = _Remembered("check", self._new_check, remembered)

    @classmethod
    def from_directory(cls, directory: Path | str | None = None) -> Advisor:
        return cls(load_catalog(directory or default_rules_dir()))

    def _about(self, compiled: CompiledRule, answers: dict[str, Any], met: bool = True) -> dict[str, Any]:
        """The members every kind of item has for one rule and these answers: its explanation (``why``, or
        ``why_not`` for a strength not in place), evidence and sources."""
        rule = compiled.rule
        return {
            "rule_id": rule.id,
            "area": rule.area,
            "basis": rule.basis,
            "title": rule.title,
            "why": render(compiled.template if met else compiled.template_not, answers),
            "evidence": tuple(Evidence(field=p, value=answers[p]) for p in compiled.paths if p in answers),
            "sources": self._sources[rule.id],
        }

    def _new_plan_item(self, compiled: CompiledRule, answers: dict[str, Any]) -> Recommendation:
        """A gap's plan item, ranked first and for now: the plan gives each item its own rank and horizon."""
        rule = compiled.rule
        return Recommendation(
            **self._about(compiled, answers),
            rank=1,
            kind="gap",
            priority=rule.priority,
            horizon="now",
            next_steps=compiled.steps_for(answers),
        )

    def _new_strength(self, compiled: CompiledRule, answers: dict[str, Any]) -> Strength:
        return Strength(**self._about(compiled, answers), sustain=self._sustain[compiled.rule.id])

    def _new_next_level(self, compiled: CompiledRule, answers: dict[str, Any]) -> NextLevel:
        rule = compiled.rule
        return NextLevel(
            **self._about(compiled, answers, met=False), priority=rule.priority, next_steps=compiled.steps_for(answers)
        )

    def _new_check(self, compiled: CompiledRule, answers: dict[str, Any]) -> AnswerCheck:
        """An inconsistency's item, withholding nothing: each school's fired rules say what it holds back from
        its plan and strengths (every rule it names, fired or not, counts nothing meanwhile)."""
        return AnswerCheck(**self._about(compiled, answers), next_steps=compiled.steps_for(answers), withheld=())

    def _sustain_item(self, strength: Strength, rank: int) -> Recommendation:
        """A plan item keeping a strength going, for a school with no gap to close."""
        return Recommendation(
            rule_id=strength.rule_id,
            area=strength.area,
            basis=strength.basis,
            title=strength.title,
            why=strength.why,
            evidence=strength.evidence,
            sources=strength.sources,
            rank=rank,
            kind="sustain",
            priority=self.catalog.by_id[strength.rule_id].rule.priority,
            horizon=SUSTAIN_HORIZON,
            next_steps=strength.sustain,
        )

    def _question_rule(self, question: FollowUpQuestion) -> str:
        """The foundation rule a question decides, which its plan item is filed under."""
        return next(r for r in question.rules if r in self._foundation_rules)

    def _question_item(self, question: FollowUpQuestion, rank: int) -> Recommendation:
        """A plan item asking a question the foundations wait on, for a school whose answers are too few to
        advise on yet: settling what holds the work up comes before any other step.

        Made once for each follow-up, which the readiness model itself shares between schools, then ranked."""
        key = ("question", question)
        item: Recommendation | None = self._remembered.get(key)
        if item is None:
            item = self._new_question_item(question)
            if len(self._remembered) < MAX_REMEMBERED:
                self._remembered[key] = item
        return replace(item, rank=rank)

    def _new_question_item(self, question: FollowUpQuestion) -> Recommendation:
        rule_id = self._question_rule(question)
        compiled = self.catalog.by_id[rule_id]
        return Recommendation(
            rule_id=rule_id,
            area=compiled.rule.area,
            basis="practice",
            title=_question_title(question),
            why=(
                f"The answer decides whether one foundation, {self._foundation_titles[rule_id].lower()}, is in "
                "place. Too little is answered yet to name a stage, and the first moves depend on the foundations."
            ),
            evidence=(),
            sources=tuple(dict.fromkeys(s for r in question.rules for s in self._sources[r])),
            rank=1,
            kind="question",
            priority=compiled.rule.priority,
            horizon="now",
            next_steps=("Answer it with the people who know, then assess the school again.",),
        )

    def read(self, profile: SchoolProfile) -> Reading:
        """The answers, what they imply and leave unused, the rules fired, the contradictions among them, the
        rules those hold back, and the readiness measured."""
        return self._read(*read_profile(profile))

    def _read(self, asserted: dict[str, Any], answers: dict[str, Any]) -> Reading:
        given = dict(answers)
        inferred = infer_parents(asserted, answers)
        not_used = tuple(path for path, parent in self._set_aside_parents if path in answers and parent not in answers)
        fired = set(self._evaluator.fired_as_asserted(asserted))
        contradictions = [c for rule_id, c in self._inconsistencies if rule_id in fired]
        held = {rule_id for c in contradictions for rule_id in c.rule.withholds}
        # Readiness reads only the answers given: an implied answer lets the advice it calls for fire, and so
        # cost points, but never earns any, so that leaving the parent blank can never pay.
        measured = self._readiness.measure(
            given,
            fired,
            held,
            bool(contradictions),
            first=frozenset(parent for path, parent in self._set_aside_parents if path in not_used),
        )
        return Reading(answers, inferred, not_used, fired, contradictions, held, measured)

    def readiness(self, profile: SchoolProfile) -> Readiness:
        """The readiness of ``profile`` alone, without the plan and its sentences: what a search over many
        changed profiles needs."""
        return self.read(profile).measured.readiness

    def readiness_of(self, answers: Mapping[str, Any]) -> Readiness:
        """The readiness of answers by dotted path (lists as tuples), each already a valid answer to its own
        question: a search that builds thousands of changed profiles from the catalog's own choices skips the
        profile model's validation, and validates only the profiles it offers."""
        return self._read(*read_answers(answers)).measured.readiness

    def _outline(self, reading: Reading) -> _Outline:
        _, inferred, _, fired, _, held, measured = reading
        questions: list[FollowUpQuestion] = []
        if measured.readiness.stage == "undetermined":
            foundation_questions = [q for q in measured.follow_ups if not self._foundation_rules.isdisjoint(q.rules)]
            questions = foundation_questions[: ranking.MAX_NOW]
        gaps = self._plan_order.rank(fired - held)
        by_id = self.catalog.by_id
        horizons = ranking.horizons(gaps, now_taken=len(questions))
        implied = {evidence.field for evidence in inferred}
        claimed = [
            c
            for rule_id, c in self._strengths
            if rule_id in fired and rule_id not in held and implied.isdisjoint(c.paths)
        ]
        sustaining = not questions and not gaps and all(f.status == "met" for f in measured.readiness.foundations)
        return _Outline(
            questions, [(by_id[rule.id], h) for rule, h in zip(gaps, horizons, strict=True)], claimed, sustaining
        )

    def summarize(self, profile: SchoolProfile) -> AssessmentSummary:
        """The summary of ``profile``'s assessment, without writing the sentences it leaves out."""
        reading = self.read(profile)
        questions, gaps, claimed, sustaining = self._outline(reading)
        steps: list[tuple[str, PlanItemKind, Priority, Horizon, str]] = [
            (rule_id, "question", self.catalog.by_id[rule_id].rule.priority, "now", _question_title(q))
            for q in questions
            for rule_id in (self._question_rule(q),)
        ] + [(c.rule.id, "gap", c.rule.priority, horizon, c.rule.title) for c, horizon in gaps]
        if sustaining:
            steps = [(c.rule.id, "sustain", c.rule.priority, SUSTAIN_HORIZON, c.rule.title) for c in claimed]
            steps = steps[:MAX_SUSTAIN]
        r = reading.measured.readiness
        fired = {c.rule.id for c, _ in gaps} | {c.rule.id for c in claimed}
        for c in reading.contradictions:
            fired.add(c.rule.id)
            fired.update(rule_id for rule_id in c.rule.withholds if rule_id in reading.fired)
        return AssessmentSummary(
            school_id=profile.school_id,
            name=profile.name,
            catalog_version=self.catalog.version,
            stage=r.stage,
            provisional=r.provisional,
            lowest_stage=r.lowest_stage,
            possible_stage=r.possible_stage,
            score=r.score,
            ceiling=r.ceiling,
            answered_score=r.answered_score,
            confidence=r.confidence,
            verdict=r.verdict,
            areas=tuple(AreaSummary(area=a.area, score=a.score) for a in r.areas),
            plan=tuple(
                PlanStep(rank=rank, rule_id=rule_id, kind=kind, priority=priority, horizon=horizon, title=title)
                for rank, (rule_id, kind, priority, horizon, title) in enumerate(steps, start=1)
            ),
            rules_fired=len(fired),
        )

    def assess(self, profile: SchoolProfile) -> Assessment:
        """The assessment of ``profile``: readiness, the plan, strengths, what would reach the next level,
        answers to check and the questions worth asking next."""
        reading = self.read(profile)
        answers, inferred, not_used, fired, contradictions, held, measured = reading
        questions, gaps, claimed, sustaining = self._outline(reading)
        plan = [self._question_item(q, rank) for rank, q in enumerate(questions, start=1)] + [
            replace(self._plan_item.get(c, answers), rank=rank, horizon=horizon)
            for rank, (c, horizon) in enumerate(gaps, start=len(questions) + 1)
        ]
        strengths = [self._strength.get(c, answers) for c in claimed]
        advised = {c.rule.id for c, _ in gaps}
        next_level = [
            self._next_level.get(c, answers)
            for rule_id, c, mirrors, decide in self._reachable
            if rule_id not in held
            and rule_id not in fired
            and (rule_id in measured.missing or (mirrors and advised.isdisjoint(mirrors) and decide(answers) is False))
        ]
        if sustaining:
            # With no gap to close, the journey goes on (T2): keep the weightiest strengths going.
            plan = [
                self._sustain_item(strength, rank) for rank, strength in enumerate(strengths[:MAX_SUSTAIN], start=1)
            ]
        checks = [
            replace(
                self._check.get(c, answers),
                withheld=tuple(rule_id for rule_id in c.rule.withholds if rule_id in fired),
            )
            for c in contradictions
        ]
        return Assessment(
            school_id=profile.school_id,
            name=profile.name,
            catalog_version=self.catalog.version,
            readiness=measured.readiness,
            recommendations=tuple(plan),
            strengths=tuple(strengths),
            next_level=tuple(next_level),
            check_answers=tuple(checks),
            follow_up_questions=measured.follow_ups,
            answers_inferred=inferred,
            answers_not_used=not_used,
        )
