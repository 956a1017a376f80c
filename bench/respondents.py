"""Section 7: a district's survey with several respondents per school, combined in process and by the CLI."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from common import BIN, FULL, ROOT, Figure, Scale, judged, say, timed
from servers import default_env

from pladvisor.advice.advisor import Advisor
from pladvisor.advice.answers import answers_of
from pladvisor.advice.combine import Combiner
from pladvisor.cli import combining
from pladvisor.config import Settings
from pladvisor.domain.base import to_json
from pladvisor.domain.fields import profile_from_answers
from pladvisor.domain.respondents import CombinedRequest, Role
from pladvisor.engine.catalog import default_rules_dir
from pladvisor.engine.respondents import load_respondents

DISTRICT_SCHOOLS = 1000
PER_SCHOOL: dict[Role, int] = {"leader": 1, "teacher": 60, "student": 40}
DISTRICT_SECONDS = 20


def respondents_figures(advisor: Advisor, directory: Path, scale: Scale) -> list[Figure]:
    """A district's survey (1,000 schools of 101 respondents, seeded) combined in process and by `pladvisor
    combine`, against scoring the same schools' 1,000 leaders' answers as single-respondent profiles."""
    schools = DISTRICT_SCHOOLS if scale is FULL else DISTRICT_SCHOOLS // 10
    survey = directory / "survey.csv"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "examples" / "generate_respondents.py"),
            "--schools",
            str(schools),
            *(arg for role, count in PER_SCHOOL.items() for arg in (f"--{role}s", str(count))),
            "-o",
            str(survey),
        ],
        check=True,
    )
    respondents = load_respondents(default_rules_dir(), advisor.catalog)
    combiner = Combiner(advisor, respondents, Settings().minimum_group)

    def combine_all() -> None:
        class _Discard:
            def write(self, line: int, school_id: str | None, errors: Any) -> None:
                raise AssertionError(f"line {line}: {errors}")

        grouped = combining.group(combining.read_rows(survey, respondents, {}), _Discard())  # type: ignore[arg-type]
        for school in grouped:
            to_json(combiner.combine(CombinedRequest(school_id=school.school_id, responses=school.responses)))

    leaders: list[dict[str, Any]] = []
    for row in combining.read_rows(survey, respondents, {}):
        if row.response is not None and row.response.role == "leader":
            leaders.append({"school_id": row.school_id, **row.response.answers})

    def single_all() -> None:
        for raw in leaders:
            to_json(advisor.assess(profile_from_answers(answers_of(raw), school_id=str(raw["school_id"]))))

    combined, single = timed(combine_all), timed(single_all)
    count = schools * sum(PER_SCHOOL.values())
    out = directory / "combined.jsonl"
    start = time.perf_counter()
    done = subprocess.run(
        [str(BIN / "pladvisor"), "combine", str(survey), "-o", str(out)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=default_env(),
        check=False,
    )
    cli_wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"pladvisor combine exited {done.returncode}: {done.stderr[-2000:]}")
    say(
        f"  {schools:,} schools, {count:,} respondents (1 leader, 60 teachers, 40 students each): in process "
        f"{combined.cpu:.2f} CPU-s = {count / combined.cpu:,.0f} respondents/s; `pladvisor combine` {cli_wall:.2f} s"
    )
    say(
        f"  baseline, the {len(leaders):,} leaders' answers scored as single profiles: {single.cpu:.2f} CPU-s = "
        f"{len(leaders) / single.cpu:,.0f} profiles/s"
    )
    per_school = combined.cpu / schools
    return [
        Figure(
            f"7 combine {schools:,} schools x 101, in process",
            f"{combined.cpu:.2f} CPU-s, {count / combined.cpu:,.0f} respondents/s",
            f"{single.cpu:.2f} CPU-s for {len(leaders):,} single profiles",
            f"{per_school / (single.cpu / len(leaders)):.1f}x per school",
            f"< {DISTRICT_SECONDS} s one core",
            judged(combined.cpu < DISTRICT_SECONDS, scale is FULL),
        ),
        Figure(
            f"7 pladvisor combine {schools:,} schools x 101",
            f"{cli_wall:.2f} s wall, {count / cli_wall:,.0f} respondents/s",
            f"{single.cpu:.2f} CPU-s single profiles",
            f"{cli_wall / single.cpu:.1f}x",
            f"< {DISTRICT_SECONDS} s",
            judged(cli_wall < DISTRICT_SECONDS, scale is FULL),
        ),
    ]
