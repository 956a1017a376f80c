"""The advisor: a school profile in, an explained assessment out. Usable without any HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec

from pladvisor.domain.assessment import Assessment
from pladvisor.domain.fields import label
from pladvisor.domain.profile import SchoolProfile

from . import ranking
from .catalog import Catalog, CompiledRule, load_catalog
from .evaluator import RuleEvaluator
from .readiness import ReadinessModel

_CHECKOUT_RULES = Path(__file__).resolve().parents[3] / "rules"
_PACKAGED_RULES = Path(__file__).resolve().parents[1] / "rules"


def default_rules_dir() -> Path:
    """``rules/`` of a source checkout, else the copy packaged into the wheel."""
    return _CHECKOUT_RULES if _CHECKOUT_RULES.is_dir() else _PACKAGED_RULES


def answers_of(fact: dict[str, Any]) -> dict[str, Any]:
    """Answered fields by dotted path, from a profile dumped without its unanswered fields."""
    return {
        f"{area}.{name}": value
        for area, section in fact.items()
        if isinstance(section, dict)
        for name, value in section.items()
    }


_encode = msgspec.json.Encoder().encode
MAX_REMEMBERED = 50_000
"""Explanations kept for reuse; a bound, since free numbers make the combinations unbounded."""


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def spoken(value: Any) -> str:
    if value is None:
        return "not answered"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(label(v) for v in value) if value else "none"
    if isinstance(value, str):
        return label(value)
    return str(value)


def explain(compiled: CompiledRule, answers: dict[str, Any]) -> str:
    """The rule's ``why`` with each ``{area.field}`` replaced by the school's answer, in words."""
    parts = compiled.template
    return "".join(part if i % 2 == 0 else spoken(answers.get(part)) for i, part in enumerate(parts))


class Advisor:
    """Holds one validated catalog and its compiled durable-rules ruleset for the life of the process."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._evaluator = RuleEvaluator(catalog)
        self._readiness = ReadinessModel(catalog)
        self._explanations: dict[tuple[Any, ...], tuple[str, list[dict[str, Any]]]] = {}
        self._sources = {
            c.rule.id: [
                {"point": p, "title": catalog.points[p].title, "file": catalog.points[p].source} for p in c.rule.cites
            ]
            for c in catalog.rules
        }

    @classmethod
    def from_directory(cls, directory: Path | str | None = None) -> Advisor:
        return cls(load_catalog(directory or default_rules_dir()))

    def _explained(self, compiled: CompiledRule, answers: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
        """The rule's explanation and evidence for these answers, remembered: answers are closed choices,
        so across many schools the same few combinations come back again and again."""
        key = (compiled.rule.id, *(_hashable(answers.get(path)) for path in compiled.quoted))
        known = self._explanations.get(key)
        if known is None:
            evidence = [{"field": p, "value": answers[p]} for p in compiled.paths if p in answers]
            known = (explain(compiled, answers), evidence)
            if len(self._explanations) < MAX_REMEMBERED:
                self._explanations[key] = known
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
        fact = profile.model_dump(exclude_none=True, exclude={"school_id", "name"})
        answers = answers_of(fact)
        fired = self._evaluator.fired(fact)
        fired_set = set(fired)
        by_id = self.catalog.by_id
        gaps = ranking.rank([by_id[r].rule for r in fired if by_id[r].rule.kind == "gap"])
        recommendations = []
        for i, (rule, horizon) in enumerate(zip(gaps, ranking.horizons(gaps), strict=True), start=1):
            why, evidence = self._explained(by_id[rule.id], answers)
            recommendations.append(
                {
                    "rank": i,
                    "rule_id": rule.id,
                    "area": rule.area,
                    "priority": rule.priority,
                    "horizon": horizon,
                    "title": rule.title,
                    "why": why,
                    "evidence": evidence,
                    "next_steps": rule.steps,
                    "sources": self._sources[rule.id],
                }
            )
        strengths = []
        for c in self.catalog.rules:
            if c.rule.kind == "strength" and c.rule.id in fired_set:
                why, evidence = self._explained(c, answers)
                strengths.append(
                    {
                        "rule_id": c.rule.id,
                        "area": c.rule.area,
                        "title": c.rule.title,
                        "why": why,
                        "evidence": evidence,
                        "sources": self._sources[c.rule.id],
                    }
                )
        return {
            "school_id": profile.school_id,
            "name": profile.name,
            "catalog_version": self.catalog.version,
            "readiness": self._readiness.measure(answers, fired_set),
            "recommendations": recommendations,
            "strengths": strengths,
            "follow_up_questions": self._readiness.follow_ups(answers, fired_set),
        }
