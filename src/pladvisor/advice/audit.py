"""An audit of the advisor's judgement over whole files of schools: one table a reviewer can read at a glance.

``make judge`` runs it over examples/district.csv and the named profiles in examples/.
Each row shows what a principal would be told (stage, whether it is provisional, score,
coverage, how the plan splits over now, next and later, strengths and contradictions)
and one number that must always be 0: points an area lost with no listed item saying why.

    python -m pladvisor.cli.auditing examples/district.csv examples/profile.json examples/profiles/*.json
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pladvisor.domain.assessment import Assessment
from pladvisor.domain.profile import SchoolProfile

from . import judge
from .advisor import Advisor
from .answers import answers_of, fact_of
from .judge import violations
from .judge_combined import combined_violations, random_surveys


@dataclass(frozen=True, slots=True)
class AuditRow:
    school: str
    stage: str
    provisional: bool
    score: int | None
    coverage: float
    now: int
    next: int
    later: int
    strengths: int
    contradictions: int
    unexplained_points: int
    """Points lost in some area that no plan item, next-level item or answer check accounts for."""


def unexplained_points(assessment: Assessment) -> int:
    """Points each area lacks, minus those of listed entries that point at an item the answer really shows."""
    listed = {
        "gap": {item.rule_id for item in assessment.recommendations if item.kind == "gap"},
        "next_level": {item.rule_id for item in assessment.next_level},
    }
    missing = 0
    for area in assessment.readiness.areas:
        shown = sum(entry.points for entry in area.held_down_by if entry.rule_id in listed[entry.kind])
        missing += area.checked_points - area.points - shown
    return missing


def audit_row(assessment: Assessment) -> AuditRow:
    readiness = assessment.readiness
    horizons = [item.horizon for item in assessment.recommendations]
    return AuditRow(
        school=assessment.school_id or assessment.name or "?",
        stage=readiness.stage,
        provisional=readiness.provisional,
        score=readiness.score,
        coverage=readiness.coverage,
        now=horizons.count("now"),
        next=horizons.count("next"),
        later=horizons.count("later"),
        strengths=len(assessment.strengths),
        contradictions=len(assessment.check_answers),
        unexplained_points=unexplained_points(assessment),
    )


def audit_rows(advisor: Advisor, profiles: Iterable[SchoolProfile]) -> Iterator[AuditRow]:
    """A row for every school."""
    for profile in profiles:
        yield audit_row(advisor.assess(profile))


HEADER = ("school", "stage", "prov.", "score", "coverage", "now", "next", "later", "strengths", "checks", "unexplained")


def table(rows: Iterable[AuditRow]) -> str:
    lines = [HEADER]
    for row in rows:
        lines.append(
            (
                row.school[:28],
                row.stage,
                "yes" if row.provisional else "",
                "-" if row.score is None else str(row.score),
                f"{row.coverage:.0%}",
                str(row.now),
                str(row.next),
                str(row.later),
                str(row.strengths),
                str(row.contradictions),
                str(row.unexplained_points),
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(HEADER))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip() for line in lines
    )


GENERATED = 300
"""Random schools the properties are also checked on, from a fixed seed so that every run checks the same."""
SURVEYS = 200
"""Random combined surveys the combined properties are checked on, from a fixed seed."""


def property_counts(
    advisor: Advisor, profiles: Iterable[SchoolProfile], generated_count: int, surveys: int
) -> dict[str, int]:
    """The violations of every property over the schools, ``generated_count`` random schools and ``surveys``
    random combined surveys."""
    schools = [answers_of(fact_of(profile)) for profile in profiles]
    found = violations(advisor, [*schools, *judge.generated(2026, generated_count)])
    counts = {name: len(problems) for name, problems in found.items()}
    for survey in random_surveys(2026, surveys):
        for name, count in combined_violations(advisor, survey).items():
            counts[name] = counts.get(name, 0) + count
    return counts
