"""An audit of the advisor's judgement over whole files of schools: one table a reviewer can read at a glance.

``make judge`` runs it over examples/district.csv and the named profiles in examples/.
Each row shows what a principal would be told (stage, whether it is provisional, score,
coverage, how the plan splits over now, next and later, strengths and contradictions)
and one number that must always be 0: points an area lost with no listed item saying why.

    python -m pladvisor.advice.audit examples/district.csv examples/profile.json examples/profiles/*.json
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from pladvisor.cli.records import read_records
from pladvisor.domain.assessment import Assessment
from pladvisor.domain.profile import SchoolProfile

from . import judge
from .advisor import Advisor, answers_of, fact_of
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


def _raw_profiles(path: Path) -> Iterator[object]:
    """A file of many schools (CSV, JSONL, a JSON array) or one school's JSON object."""
    if path.suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict):
            yield data
            return
    yield from (record.data for record in read_records(path) if record.data is not None)


def profiles_in(paths: Iterable[Path]) -> Iterator[SchoolProfile]:
    """Every valid school in the files; invalid records are the scorer's business, not the audit's."""
    for path in paths:
        for raw in _raw_profiles(path):
            try:
                yield SchoolProfile.model_validate(raw, strict=True)
            except ValidationError:
                continue


def audit_files(advisor: Advisor, paths: Iterable[Path]) -> Iterator[AuditRow]:
    """A row for every valid school in the files."""
    for profile in profiles_in(paths):
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


def property_counts(advisor: Advisor, paths: Iterable[Path], generated_count: int, surveys: int) -> dict[str, int]:
    """The violations of every property over the files' schools, ``generated_count`` random schools and
    ``surveys`` random combined surveys."""
    schools = [answers_of(fact_of(profile)) for profile in profiles_in(paths)]
    found = violations(advisor, [*schools, *judge.generated(2026, generated_count)])
    counts = {name: len(problems) for name, problems in found.items()}
    for survey in random_surveys(2026, surveys):
        for name, count in combined_violations(advisor, survey).items():
            counts[name] = counts.get(name, 0) + count
    return counts


def main(argv: list[str] | None = None) -> int:
    paths = [Path(arg) for arg in (sys.argv[1:] if argv is None else argv)]
    advisor = Advisor.from_directory()
    rows = list(audit_files(advisor, paths))
    print(table(rows))
    unexplained = sum(row.unexplained_points for row in rows)
    provisional = sum(row.provisional for row in rows)
    print(f"\n{len(rows)} schools, {provisional} provisional, {unexplained} points lost with no item listed")
    counts = property_counts(advisor, paths, GENERATED, SURVEYS)
    print(f"\nProperties over these schools, {GENERATED} generated ones and {SURVEYS} combined surveys (violations):")
    width = max(map(len, counts))
    for name, count in counts.items():
        print(f"  {name.ljust(width)}  {count}")
    return 1 if unexplained or any(counts.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
