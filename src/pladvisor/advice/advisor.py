"""The advisor: a school profile in, an explained assessment out. Usable without any HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pladvisor.domain.assessment import (
    AnswerCheck,
    Assessment,
    Evidence,
    NextLevel,
    Recommendation,
    Source,
    Strength,
)
from pladvisor.domain.fields import areas, label
from pladvisor.domain.profile import SchoolProfile
from pladvisor.engine.catalog import PLACEHOLDER, Catalog, CompiledRule, default_rules_dir, load_catalog
from pladvisor.engine.evaluator import RuleEvaluator

from . import ranking
from .readiness import ReadinessModel


def fact_of(profile: SchoolProfile) -> dict[str, Any]:
    """The profile's answers by section, unanswered fields and identity left out: what the engine is given."""
    return profile.model_dump(exclude_none=True, exclude={"school_id", "name"})


def answers_of(fact: dict[str, Any]) -> dict[str, Any]:
    """Answered fields by dotted path, from a profile dumped without its unanswered fields."""
    return {
        f"{area}.{name}": value
        for area, section in fact.items()
        if isinstance(section, dict)
        for name, value in section.items()
    }


MAX_SUSTAIN = 3
"""Items in the plan of a school with no gap: a short list of what to keep doing."""
MAX_REMEMBERED = 16_384
"""Explanations kept for reuse; a bound, since free numbers make the combinations unbounded. Each holds an item's
whole text, so the bound is set where a server's first few thousand schools fill it: a server's memory then
stops growing early instead of creeping up over hundreds of thousands of assessments."""


def spoken(value: Any, noun: str | None = None) -> str:
    """An answer in words; a number given a noun agrees with it (1 day, 3 days)."""
    if value is None:
        return "not answered"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(label(v) for v in value) if value else "none"
    if isinstance(value, str):
        return label(value)
    if noun:
        return f"{value} {noun if value == 1 else noun + 's'}"
    return str(value)


def render(parts: tuple[str | None, ...], answers: dict[str, Any]) -> str:
    """A template split by ``PLACEHOLDER`` (text, path, noun, text, ...) with the school's answers in words."""
    out = [parts[0] or ""]
    for i in range(1, len(parts), 3):
        path, noun, text = parts[i], parts[i + 1], parts[i + 2]
        out.append(spoken(answers.get(path or ""), noun))
        out.append(text or "")
    return "".join(out)


def explain(compiled: CompiledRule, answers: dict[str, Any], template: str | None = None) -> str:
    """``template`` (by default the rule's ``why``) with each ``{area.field}`` replaced by the school's answer."""
    parts = compiled.template if template is None else tuple(PLACEHOLDER.split(template))
    return render(parts, answers)


class Advisor:
    """Holds one validated catalog and its compiled durable-rules ruleset for the life of the process."""

    def __init__(self, catalog: Catalog) -> None:
        ranking.check_tiers(areas())
        self.catalog = catalog
        self._evaluator = RuleEvaluator(catalog)
        self._readiness = ReadinessModel(catalog)
        self._remembered: dict[tuple[Any, ...], dict[str, Any]] = {}
        self._sources = {
            c.rule.id: tuple(
                Source(point=p, title=catalog.points[p].title, file=catalog.points[p].source) for p in c.rule.cites
            )
            for c in catalog.rules
        }
        self._steps = {c.rule.id: tuple(c.rule.steps) for c in catalog.rules}
        self._sustain = {c.rule.id: tuple(c.rule.sustain) for c in catalog.rules}
        strengths = ranking.rank([c.rule for c in catalog.rules if c.rule.kind == "strength"])
        self._strengths = [catalog.by_id[rule.id] for rule in strengths]
        """In plan order: most weight first, foundations before practice before tools."""
        self._inconsistencies = [c for c in catalog.rules if c.rule.kind == "inconsistency"]

    @classmethod
    def from_directory(cls, directory: Path | str | None = None) -> Advisor:
        return cls(load_catalog(directory or default_rules_dir()))

    def _about(
        self, compiled: CompiledRule, answers: dict[str, Any], frozen: dict[str, Any], met: bool = True
    ) -> dict[str, Any]:
        """The members every kind of item has for one rule and these answers: its explanation (``why``, or
        ``why_not`` for a strength not in place), evidence and sources. Remembered, since answers are closed
        choices and across many schools the same few combinations come back again and again; callers only
        unpack it into an item, whose members are immutable, so answers share them safely."""
        key = (compiled.rule.id, met, *map(frozen.get, compiled.quoted))
        about = self._remembered.get(key)
        if about is None:
            rule = compiled.rule
            about = {
                "rule_id": rule.id,
                "area": rule.area,
                "basis": rule.basis,
                "title": rule.title,
                "why": render(compiled.template if met else compiled.template_not, answers),
                "evidence": tuple(Evidence(field=p, value=frozen[p]) for p in compiled.paths if p in frozen),
                "sources": self._sources[rule.id],
            }
            if len(self._remembered) < MAX_REMEMBERED:
                self._remembered[key] = about
        return about

    def assess(self, profile: SchoolProfile) -> Assessment:
        """The assessment of ``profile``: readiness, the plan, strengths, what would reach the next level,
        answers to check and the questions worth asking next."""
        fact = fact_of(profile)
        answers = answers_of(fact)
        frozen = {path: tuple(value) if isinstance(value, list) else value for path, value in answers.items()}
        fired = set(self._evaluator.fired(fact))
        by_id = self.catalog.by_id
        contradictions = [c for c in self._inconsistencies if c.rule.id in fired]
        withheld = {rule_id for c in contradictions for rule_id in c.rule.withholds if rule_id in fired}
        outcome = self._readiness.outcome(answers, fired)
        steps = self._steps

        gaps = ranking.rank([by_id[r].rule for r in fired if by_id[r].rule.kind == "gap" and r not in withheld])
        plan = [
            Recommendation(
                **self._about(by_id[rule.id], answers, frozen),
                rank=rank,
                kind="gap",
                priority=rule.priority,
                horizon=horizon,
                next_steps=steps[rule.id],
            )
            for rank, (rule, horizon) in enumerate(zip(gaps, ranking.horizons(gaps), strict=True), start=1)
        ]
        in_place = [
            (c.rule, self._about(c, answers, frozen))
            for c in self._strengths
            if c.rule.id in fired and c.rule.id not in withheld
        ]
        if not plan:
            # With no gap to close, the journey goes on (T2): keep the weightiest strengths going.
            plan = [
                Recommendation(
                    **about,
                    rank=rank,
                    kind="sustain",
                    priority=rule.priority,
                    horizon="next",
                    next_steps=self._sustain[rule.id],
                )
                for rank, (rule, about) in enumerate(in_place[:MAX_SUSTAIN], start=1)
            ]
        next_level = [
            NextLevel(
                **self._about(c, answers, frozen, met=False), priority=c.rule.priority, next_steps=steps[c.rule.id]
            )
            for c in self._strengths
            if outcome.decided[c.rule.id] is False
        ]
        checks = [
            AnswerCheck(
                **self._about(c, answers, frozen),
                next_steps=steps[c.rule.id],
                withheld=tuple(rule_id for rule_id in c.rule.withholds if rule_id in fired),
            )
            for c in contradictions
        ]
        readiness, follow_ups = self._readiness.measure(answers, outcome, withheld, bool(contradictions))
        return Assessment(
            school_id=profile.school_id,
            name=profile.name,
            catalog_version=self.catalog.version,
            readiness=readiness,
            recommendations=tuple(plan),
            strengths=tuple(Strength(**about, sustain=self._sustain[rule.id]) for rule, about in in_place),
            next_level=tuple(next_level),
            check_answers=tuple(checks),
            follow_up_questions=follow_ups,
        )
