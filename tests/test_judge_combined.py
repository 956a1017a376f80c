"""The judge of combined assessments: realistic random surveys, and the three promises kept on each."""

from collections import Counter
from collections.abc import Sequence

import pytest

from pladvisor.advice.advisor import Advisor
from pladvisor.advice.judge_combined import FLOOR, PROPERTIES, combined_violations, random_surveys
from pladvisor.domain.respondents import CombinedRequest

SURVEYS = 120


def test_the_surveys_are_the_same_for_the_same_seed_and_differ_for_another() -> None:
    first = [s.model_dump() for s in random_surveys(7, 5)]
    assert first == [s.model_dump() for s in random_surveys(7, 5)]
    assert first != [s.model_dump() for s in random_surveys(8, 5)]


def test_the_surveys_mix_roles_some_of_them_under_the_floor() -> None:
    sizes = [Counter(r.role for r in survey.responses) for survey in random_surveys(3, 60)]
    assert sum(len(size) >= 3 for size in sizes) > len(sizes) / 2
    assert any(0 < size["teacher"] < FLOOR for size in sizes) and any(size["teacher"] >= FLOOR for size in sizes)
    assert any(0 < size["coach"] < FLOOR for size in sizes) and any(size["student"] >= FLOOR for size in sizes)


@pytest.mark.parametrize("seed", [1, 2])
def test_every_promise_holds_on_random_surveys(advisor: Advisor, seed: int) -> None:
    totals = dict.fromkeys(PROPERTIES, 0)
    for survey in random_surveys(seed, SURVEYS):
        for name, count in combined_violations(advisor, survey).items():
            totals[name] += count
    assert totals == dict.fromkeys(PROPERTIES, 0)


def survey(*groups: list[dict[str, object]]) -> CombinedRequest:
    return CombinedRequest.model_validate({"responses": [r for group in groups for r in group]}, strict=True)


def answering(role: str, section: str, name: str, values: Sequence[object]) -> list[dict[str, object]]:
    return [{"role": role, "answers": {section: {name: value}}} for value in values]


def test_the_issues_own_examples_keep_every_promise(advisor: Advisor) -> None:
    """The cases that broke each promise once: a gap that decides nothing ranked above one that decides a
    foundation, a strength claimed over seven of ten teachers, a pooled count beside a lone coach."""
    examples = survey(
        answering("leader", "measurement", "review_frequency", ["monthly"]),
        answering("teacher", "measurement", "review_frequency", ["termly"] * 10),
        answering("teacher", "professional_development", "format", ["ongoing"] * 10),
        answering("leader", "professional_development", "timely", [True]),
        answering("teacher", "professional_development", "timely", [False] * 6 + [True] * 4),
        answering("coach", "professional_development", "timely", [True]),
        answering("leader", "buy_in", "approach", ["voluntary"]),
        answering("teacher", "buy_in", "approach", ["mandate_all_by_date"] * 7 + ["voluntary"] * 3),
    )
    assert combined_violations(advisor, examples) == dict.fromkeys(PROPERTIES, 0)
