"""Generate a synthetic district's survey of respondents as CSV, one row per respondent (seeded).

    python examples/generate_respondents.py           # examples/respondents.csv: 5 schools
    python examples/generate_respondents.py --schools 1000 --teachers 60 --students 40 -o /tmp/survey.csv

Every school has a maturity between 0 and 1 and a true answer to each question drawn from it;
each respondent reports it most of the time, in the kind its role answers (a student says yes
or no for themselves where a leader names a scale), and otherwise answers as if the school
were stronger or weaker; leaders lean to stronger. In the schools named by --gap, leaders
answer professional development and buy-in questions well while most teachers do not: the
perception gaps `pladvisor combine` is there to surface.
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

from generate import cell

from pladvisor.cli.combining import RESPONDENT_COLUMNS
from pladvisor.domain.fields import profile_fields
from pladvisor.domain.respondents import Role
from pladvisor.engine.catalog import default_rules_dir, load_catalog
from pladvisor.engine.respondents import AUDIENCE_ITEM, Respondents, load_respondents

GAP_AREAS = ("professional_development", "buy_in")
STAGES = ("not_started", "exploring", "trying", "practising", "leading")
ANSWERED = 0.8
"""Share of its questions a respondent answers."""
FAITHFUL = 0.85
"""Chance a respondent reports the school as it is; otherwise they answer as if it were stronger or weaker."""
LEADER_OPTIMISM = 0.15
"""How much better than it is a leader sees the school, when not reporting it as it is."""
YES_BY_BREADTH = {"none": 0.05, "few_classrooms": 0.25, "many_classrooms": 0.6, "schoolwide": 0.9}
"""Chance a student says yes for themselves, by how widely the school really does it."""


def answer(respondents: Respondents, role: Role, path: str, truth: str, rng: random.Random) -> str:
    """What ``role`` says about ``path`` when the school's true answer is ``truth`` (a CSV cell)."""
    info = profile_fields()[path]
    if respondents.answer_kind(path, role) == "bool" and info.kind != "bool":
        if info.kind == "choice":
            return "yes" if rng.random() < YES_BY_BREADTH.get(truth, 0.5) else "no"
        named = AUDIENCE_ITEM.get(role, "") in truth.split(";")
        return "yes" if (rng.random() < FAITHFUL) == named else "no"
    return truth


def respondent(
    respondents: Respondents,
    school: int,
    role: Role,
    number: int,
    truth: dict[str, str],
    maturity: float,
    gap: bool,
    rng: random.Random,
) -> list[str]:
    paths = profile_fields()
    row = {
        "school_id": f"school-{school:05d}",
        "name": f"School {school}",
        "role": role,
        "respondent_id": f"{role}-{school}-{number}",
        "stage": rng.choice(STAGES[: 1 + round(4 * maturity)]) if role == "teacher" else "",
    }
    for path in respondents.asked_of(role):
        if rng.random() >= ANSWERED:
            continue
        seen = truth[path]
        if gap and paths[path].area in GAP_AREAS:
            # Leaders describe a strong system; teachers describe a weak one.
            seen = cell(paths[path], 0.95 if role == "leader" else 0.05, rng)
        elif rng.random() >= FAITHFUL:
            seen = cell(paths[path], min(1.0, maturity + LEADER_OPTIMISM) if role == "leader" else maturity, rng)
        row[path] = answer(respondents, role, path, seen, rng)
    return [row.get(column, "") for column in [*RESPONDENT_COLUMNS, *paths]]


def rows(schools: int, counts: dict[Role, int], gaps: set[int], seed: int) -> list[list[str]]:
    rng = random.Random(seed)
    directory = default_rules_dir()
    respondents = load_respondents(directory, load_catalog(directory))
    result = [[*RESPONDENT_COLUMNS, *profile_fields()]]
    for school in range(1, schools + 1):
        maturity = 0.2 + 0.7 * rng.random()
        truth = {path: cell(info, maturity, rng) for path, info in profile_fields().items()}
        for role, count in counts.items():
            for number in range(1, count + 1):
                result.append(respondent(respondents, school, role, number, truth, maturity, school in gaps, rng))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--schools", type=int, default=5)
    parser.add_argument("--leaders", type=int, default=1)
    parser.add_argument("--teachers", type=int, default=12)
    parser.add_argument("--students", type=int, default=10)
    parser.add_argument("--gap", type=int, action="append", help="A school numbered so has the leader/teacher gap.")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("-o", "--output", type=Path, default=Path(__file__).with_name("respondents.csv"))
    args = parser.parse_args()
    counts: dict[Role, int] = {"leader": args.leaders, "teacher": args.teachers, "student": args.students}
    gaps = set(args.gap) if args.gap else {3}
    with args.output.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows(args.schools, counts, gaps, args.seed))


if __name__ == "__main__":
    main()
