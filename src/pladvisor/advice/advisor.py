"""The advisor: a school profile in, an explained assessment out. Usable without any HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec

from pladvisor.domain.assessment import Assessment
from pladvisor.domain.fields import label
from pladvisor.domain.profile import SchoolProfile

from . import ranking
from pladvisor.engine.catalog import PLACEHOLDER, Catalog, CompiledRule, default_rules_dir, load_catalog
from pladvisor.engine.evaluator import RuleEvaluator
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


_encode = msgspec.json.Encoder().encode
MAX_SUSTAIN = 3
"""Items in the plan of a school with no gap: a short list of what to keep doing."""
MAX_REMEMBERED = 16_384
"""Items kept for reuse; a bound, since free numbers make the combinations unbounded. Each holds an item's
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


def _plan_item(
    item: dict[str, Any], kind: str, priority: str, horizon: str, steps: list[str]
) -> dict[str, Any]:
    """A ``Recommendation``'s data, its fields in the order a reader meets them; the rank is set once the
    plan is complete."""
    return {
        "rank": 0, "rule_id": item["rule_id"], "kind": kind, "area": item["area"], "priority": priority,
        "horizon": horizon, "basis": item["basis"], "title": item["title"], "why": item["why"],
        "evidence": item["evidence"], "next_steps": steps, "sources": item["sources"],
    }


class Advisor:
    """Holds one validated catalog and its compiled durable-rules ruleset for the life of the process."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._evaluator = RuleEvaluator(catalog)
        self._readiness = ReadinessModel(catalog)
        self._items: dict[tuple[Any, ...], dict[str, Any]] = {}
        self._sources = {
            c.rule.id: [
                {"point": p, "title": catalog.points[p].title, "file": catalog.points[p].source} for p in c.rule.cites
            ]
            for c in catalog.rules
        }
        strengths = ranking.rank([c.rule for c in catalog.rules if c.rule.kind == "strength"])
        self._strengths = [catalog.by_id[rule.id] for rule in strengths]
        """In plan order: most weight first, foundations before practice before tools."""
        self._inconsistencies = [c for c in catalog.rules if c.rule.kind == "inconsistency"]

    @classmethod
    def from_directory(cls, directory: Path | str | None = None) -> Advisor:
        return cls(load_catalog(directory or default_rules_dir()))

    def _item(
        self, compiled: CompiledRule, answers: dict[str, Any], frozen: dict[str, Any], met: bool = True
    ) -> dict[str, Any]:
        """What every kind of item says of a rule for these answers: its explanation (``why``, or ``why_not``
        for a strength not in place), evidence and sources. Remembered, since answers are closed choices and
        across many schools the same few combinations come back again and again."""
        key = (compiled.rule.id, met, *map(frozen.get, compiled.quoted))
        known = self._items.get(key)
        if known is None:
            rule = compiled.rule
            known = {
                "rule_id": rule.id, "area": rule.area, "basis": rule.basis, "title": rule.title,
                "why": render(compiled.template if met else compiled.template_not, answers),
                "evidence": [{"field": p, "value": answers[p]} for p in compiled.paths if p in answers],
                "sources": self._sources[rule.id],
            }
            if len(self._items) < MAX_REMEMBERED:
                self._items[key] = known
        return known

    def assess(self, profile: SchoolProfile) -> Assessment:
        return Assessment.model_validate(self.answer(profile))

    def assess_json(self, profile: SchoolProfile) -> bytes:
        """The ``Assessment`` as JSON, written straight from the answer's data: the service's hot path has no
        use for model objects it would only serialize again (the API contract tests check the shape)."""
        return _encode(self.answer(profile))

    def answer(self, profile: SchoolProfile) -> dict[str, Any]:
        """The assessment of ``profile`` as plain, JSON-ready data in the shape of ``Assessment``.

        Read-only: steps, sources and remembered explanations are shared with the advisor and with other
        answers, not copied. ``assess`` gives an independent model.
        """
        fact = fact_of(profile)
        answers = answers_of(fact)
        frozen = {path: tuple(value) if isinstance(value, list) else value for path, value in answers.items()}
        fired = set(self._evaluator.fired(fact))
        by_id = self.catalog.by_id
        contradictions = [c for c in self._inconsistencies if c.rule.id in fired]
        withheld = {rule_id for c in contradictions for rule_id in c.rule.withholds if rule_id in fired}
        outcome = self._readiness.outcome(answers, fired)

        gaps = ranking.rank(
            [by_id[r].rule for r in fired if by_id[r].rule.kind == "gap" and r not in withheld]
        )
        plan = [
            _plan_item(self._item(by_id[rule.id], answers, frozen), "gap", rule.priority, horizon, rule.steps)
            for rule, horizon in zip(gaps, ranking.horizons(gaps), strict=True)
        ]
        strengths = [
            {**self._item(c, answers, frozen), "sustain": c.rule.sustain}
            for c in self._strengths
            if c.rule.id in fired and c.rule.id not in withheld
        ]
        if not plan:
            # With no gap to close, the journey goes on (T2): keep the weightiest strengths going.
            plan = [
                _plan_item(self._item(c, answers, frozen), "sustain", c.rule.priority, "next", c.rule.sustain)
                for c in self._strengths
                if c.rule.id in fired and c.rule.id not in withheld
            ][:MAX_SUSTAIN]
        next_level = [
            {**self._item(c, answers, frozen, met=False), "priority": c.rule.priority, "next_steps": c.rule.steps}
            for c in self._strengths
            if outcome.decided[c.rule.id] is False
        ]
        checks = [
            {**self._item(c, answers, frozen), "next_steps": c.rule.steps,
             "withheld": [rule_id for rule_id in c.rule.withholds if rule_id in fired]}
            for c in contradictions
        ]
        for i, item in enumerate(plan, start=1):
            item["rank"] = i
        readiness, follow_ups = self._readiness.measure(answers, outcome, withheld, bool(contradictions))
        return {
            "school_id": profile.school_id,
            "name": profile.name,
            "catalog_version": self.catalog.version,
            "readiness": readiness,
            "recommendations": plan,
            "strengths": strengths,
            "next_level": next_level,
            "check_answers": checks,
            "follow_up_questions": follow_ups,
        }
