"""``make judge``: the audit of the advisor's judgement (``advice.audit``) over files of schools.

python -m pladvisor.cli.auditing examples/district.csv examples/profile.json examples/profiles/*.json
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from pydantic import ValidationError

from pladvisor.advice.advisor import Advisor
from pladvisor.advice.audit import GENERATED, SURVEYS, audit_rows, property_counts, table
from pladvisor.domain.profile import SchoolProfile

from .records import read_records


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


def main(argv: list[str] | None = None) -> int:
    paths = [Path(arg) for arg in (sys.argv[1:] if argv is None else argv)]
    advisor = Advisor.from_directory()
    profiles = list(profiles_in(paths))
    rows = list(audit_rows(advisor, profiles))
    print(table(rows))
    unexplained = sum(row.unexplained_points for row in rows)
    provisional = sum(row.provisional for row in rows)
    print(f"\n{len(rows)} schools, {provisional} provisional, {unexplained} points lost with no item listed")
    counts = property_counts(advisor, profiles, GENERATED, SURVEYS)
    print(f"\nProperties over these schools, {GENERATED} generated ones and {SURVEYS} combined surveys (violations):")
    width = max(map(len, counts))
    for name, count in counts.items():
        print(f"  {name.ljust(width)}  {count}")
    return 1 if unexplained or any(counts.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
