"""The district roll-up, built incrementally so that 10,000 schools never sit in memory at once."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import get_args

import msgspec

from pladvisor.domain.assessment import Assessment, AssessmentSummary, Stage
from pladvisor.domain.batch import AreaSpread, CriticalSchool, Rollup, RuleFrequency, Spread
from pladvisor.domain.fields import areas
from pladvisor.domain.rules import PRIORITY_WEIGHT

TOP_RECOMMENDATIONS = 10


def spread(scores: list[int]) -> Spread:
    if not scores:
        return Spread(scored=0, mean=None, stdev=None, min=None, max=None)
    return Spread(
        scored=len(scores),
        mean=round(statistics.fmean(scores), 2),
        stdev=round(statistics.pstdev(scores), 2),
        min=min(scores),
        max=max(scores),
    )


@dataclass(frozen=True, slots=True)
class Summary:
    """The part of one school's answer that roll-ups and one-row outputs need: small, and cheap to pickle."""

    index: int
    school_id: str | None
    name: str | None
    score: int | None
    stage: Stage
    confidence: str
    areas: tuple[tuple[str, int | None], ...]
    provisional: bool
    recommendations: tuple[tuple[str, str, str], ...]
    """(rule id, title, priority) of the gaps, in rank order."""

    @classmethod
    def of(cls, index: int, answer: Assessment) -> Summary:
        readiness = answer.readiness
        return cls(
            index=index,
            school_id=answer.school_id,
            name=answer.name,
            score=readiness.score,
            stage=readiness.stage,
            confidence=readiness.confidence,
            areas=tuple((a.area, a.score) for a in readiness.areas),
            provisional=readiness.provisional,
            recommendations=tuple((r.rule_id, r.title, r.priority) for r in answer.recommendations if r.kind == "gap"),
        )

    @classmethod
    def of_summary(cls, index: int, summary: AssessmentSummary) -> Summary:
        """The same as ``of`` the full assessment, read from its summary: it carries the area scores and the
        plan's gaps by rule, title and priority."""
        return cls(
            index=index,
            school_id=summary.school_id,
            name=summary.name,
            score=summary.score,
            stage=summary.stage,
            confidence=summary.confidence,
            areas=tuple((a.area, a.score) for a in summary.areas),
            provisional=summary.provisional,
            recommendations=tuple((s.rule_id, s.title, s.priority) for s in summary.plan if s.kind == "gap"),
        )


@dataclass
class RollupBuilder:
    catalog_version: str
    schools: int = 0
    invalid: int = 0
    stages: Counter[str] = field(default_factory=Counter)
    provisional: int = 0
    overall: list[int] = field(default_factory=list)
    by_area: dict[str, list[int]] = field(default_factory=lambda: {area: [] for area in areas()})
    recommended: Counter[str] = field(default_factory=Counter)
    titles: dict[str, tuple[str, str]] = field(default_factory=dict)
    critical: list[CriticalSchool] = field(default_factory=list)

    def add(self, summary: Summary | None) -> None:
        """Count one school; ``None`` for an item that could not be assessed."""
        self.schools += 1
        if summary is None:
            self.invalid += 1
            return
        self.stages[summary.stage] += 1
        self.provisional += summary.provisional
        if summary.score is not None:
            self.overall.append(summary.score)
        for area, score in summary.areas:
            if score is not None:
                self.by_area[area].append(score)
        for rule_id, title, priority in summary.recommendations:
            self.recommended[rule_id] += 1
            self.titles[rule_id] = (title, priority)
        critical = [rule_id for rule_id, _, priority in summary.recommendations if priority == "critical"]
        if critical:
            self.critical.append(
                CriticalSchool(
                    index=summary.index, school_id=summary.school_id, name=summary.name, critical=tuple(critical)
                )
            )

    def build(self) -> Rollup:
        assessed = self.schools - self.invalid
        weight = {rule_id: PRIORITY_WEIGHT[priority] for rule_id, (_, priority) in self.titles.items()}
        # Weight times share of schools: a critical item for a third of the district outranks a medium one for all.
        top = sorted(self.recommended.items(), key=lambda kv: (-weight[kv[0]] * kv[1], -kv[1], kv[0]))
        top = top[:TOP_RECOMMENDATIONS]
        return Rollup(
            schools=self.schools,
            assessed=assessed,
            invalid=self.invalid,
            catalog_version=self.catalog_version,
            stages={stage: self.stages[stage] for stage in get_args(Stage)},
            provisional=self.provisional,
            overall=spread(self.overall),
            areas=tuple(
                AreaSpread(area=area, **msgspec.structs.asdict(spread(scores))) for area, scores in self.by_area.items()
            ),
            top_recommendations=tuple(
                RuleFrequency(
                    rule_id=rule_id,
                    title=self.titles[rule_id][0],
                    priority=self.titles[rule_id][1],
                    count=count,
                    share=round(count / assessed, 4),
                    impact=round(weight[rule_id] * count / assessed, 4),
                )
                for rule_id, count in top
            ),
            schools_with_critical=tuple(sorted(self.critical, key=lambda school: school.index)),
        )
