"""Generate a synthetic district of school profiles as CSV (seeded, so the same every time).

    python examples/generate.py                          # examples/district.csv: 50 schools, 4 broken rows
    python examples/generate.py --count 10000 -o /tmp/state.csv --broken 0   # a benchmark set

Each school gets a maturity between 0 and 1: mature schools answer most questions, and
answer them well; early ones leave more blank and answer more of them in ways the
catalog flags. The broken rows are there on purpose: the scorer must report each one
with its line and score every other row.
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

from pladvisor.cli.records import IDENTITY_COLUMNS
from pladvisor.domain.fields import ProfileField, profile_fields

GOOD_CHOICES = {
    "definition.origin": "developed_locally",
    "definition.framed_as": "philosophy",
    "tools.plan_centre": "learning_experiences",
    "professional_development.format": "ongoing",
    "buy_in.approach": "readiness_based",
    "measurement.growth_measure": "interim_adaptive",
    "measurement.review_frequency": "monthly",
    "mindset.blended_model_use": "reference",
    "mindset.visit_focus": "decisions_and_change",
    "classroom_practice.teacher_role": "facilitator",
}
BAD_BOOLEANS = {"tools.purchased_before_goals"}
"""List fields where having items is the weak answer."""
LOW_IS_GOOD = {
    "tools.technology_budget_percent",
    "vision.months_since_why_revisited",
    "classroom_practice.whole_class_minutes_per_lesson",
}
BROKEN = [
    {"definition.written": "maybe"},
    {"tools.technology_budget_percent": "250"},
    {"buy_in.approach": "whenever"},
    {"professional_development.days_per_year": "lots"},
]


def cell(info: ProfileField, maturity: float, rng: random.Random) -> str:
    good = rng.random() < maturity
    if info.kind == "bool":
        return "true" if good else "false"
    if info.kind == "int":
        low, high = info.minimum or 0, min(info.maximum or 100, 120)
        value = rng.randint(low, high)
        strong = value <= (low + high) / 4 if info.path in LOW_IS_GOOD else value >= (low + high) / 4
        return str(value if strong == good else (high + low) - value)
    if info.kind == "choice":
        best = GOOD_CHOICES.get(info.path, info.options[-1])
        return best if good else rng.choice([o for o in info.options if o != best] or [best])
    items = rng.sample(info.options, rng.randint(0, len(info.options)))
    if info.path in BAD_BOOLEANS:
        items = [] if good else items or [info.options[0]]
    return ";".join(items) if items else "none"


def rows(count: int, broken: int, seed: int) -> list[list[str]]:
    rng = random.Random(seed)
    fields = profile_fields()
    header = [*IDENTITY_COLUMNS, *fields]
    result = [header]
    broken_at = set(rng.sample(range(count), min(broken, count)))
    for number in range(count):
        maturity = rng.random()
        answered = 0.35 + 0.6 * rng.random()
        answers = {path: cell(info, maturity, rng) if rng.random() < answered else "" for path, info in fields.items()}
        if number in broken_at:
            answers.update(BROKEN[len(result) % len(BROKEN)])
        result.append([f"school-{number + 1:05d}", f"School {number + 1}", *answers.values()])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--broken", type=int, default=4)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("-o", "--output", type=Path, default=Path(__file__).with_name("district.csv"))
    args = parser.parse_args()
    with args.output.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows(args.count, args.broken, args.seed))


if __name__ == "__main__":
    main()
