"""What a principal should be told: a corpus of realistic schools, judged from the articles.

Each file in ``tests/corpus/`` describes one school or district as an intake form would (dotted answers,
blanks left blank) and says, from the five articles and not from the advisor's output, which stages the
evidence supports, which item must open the plan, which items belong among the first three, and which
items the plan must never ask for because the answers say they are done. Its ``why`` cites the documented
points (W1, M1, M4, ...) that justify those expectations.

The advice these tests hold the advisor to:

* the stage is what the answered evidence supports, never the worst case of the blanks;
* the plan opens in the articles' order: the why, the definition, entry without a mandate and with support,
  ongoing and timely support, tools that follow the purpose, then the rest;
* a near-empty intake opens with questions that settle the foundations, not with advice;
* no item, and no step of any item, asks for what the school already does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

import pytest
import yaml

from pladvisor.advice.advisor import Advisor
from pladvisor.domain.assessment import Assessment, Stage
from pladvisor.domain.fields import profile_fields, profile_from_answers

CORPUS = Path(__file__).parent / "corpus"
FILES = sorted(CORPUS.glob("*.yaml"))
MIN_CASES = 15
POINT_ID = re.compile(r"\b[A-Z]\d\b")
STAGES: tuple[str, ...] = get_args(Stage)
KEYS = {
    "name",
    "story",
    "answers",
    "stage_in",
    "first_move",
    "starts_with_questions",
    "first_three_include",
    "never_in_plan",
    "why",
}


@dataclass(frozen=True)
class Case:
    """One school of the corpus and what the articles say it should be told."""

    file: str
    name: str
    story: str
    answers: dict[str, Any]
    stage_in: tuple[str, ...]
    first_move: tuple[str, ...]
    """Acceptable ids for the plan's first item; empty when the plan must open with questions instead."""
    starts_with_questions: bool
    first_three_include: tuple[str, ...]
    never_in_plan: tuple[str, ...]
    why: str

    @property
    def rule_ids(self) -> set[str]:
        return {*self.first_move, *self.first_three_include, *self.never_in_plan}


def _ids(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def load(path: Path) -> Case:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path.name}: not a mapping"
    assert set(data) <= KEYS, f"{path.name}: unknown keys {sorted(set(data) - KEYS)}"
    return Case(
        file=path.name,
        name=data["name"],
        story=data["story"],
        answers=data["answers"],
        stage_in=tuple(data["stage_in"]),
        first_move=_ids(data.get("first_move")),
        starts_with_questions=bool(data.get("starts_with_questions", False)),
        first_three_include=_ids(data.get("first_three_include")),
        never_in_plan=_ids(data.get("never_in_plan")),
        why=data["why"],
    )


CASES = [load(path) for path in FILES]
by_file = pytest.mark.parametrize("case", CASES, ids=[case.file for case in CASES])

_assessed: dict[str, Assessment] = {}


def assess(advisor: Advisor, case: Case) -> Assessment:
    """The advisor's answer for one school, worked out once for all the checks on it."""
    if case.file not in _assessed:
        _assessed[case.file] = advisor.assess(profile_from_answers(case.answers, name=case.name))
    return _assessed[case.file]


def plan_summary(answer: Assessment) -> str:
    return ", ".join(f"{i.rank}. {i.rule_id} ({i.kind})" for i in answer.recommendations) or "(empty plan)"


# The corpus itself


def test_the_corpus_covers_enough_schools_and_argues_every_expectation(advisor: Advisor) -> None:
    assert len(CASES) >= MIN_CASES, f"only {len(CASES)} profiles in {CORPUS}"
    for case in CASES:
        cited = set(POINT_ID.findall(case.why)) & set(advisor.catalog.points)
        assert cited, f"{case.file}: the why cites no documented point"
        assert case.name.strip() and case.story.strip(), f"{case.file}: needs a name and a story"
        assert case.stage_in and set(case.stage_in) <= set(STAGES), f"{case.file}: stage_in {case.stage_in}"
        assert bool(case.first_move) != case.starts_with_questions, (
            f"{case.file}: give either a first_move or starts_with_questions: true"
        )
        unknown = case.rule_ids - set(advisor.catalog.by_id)
        assert not unknown, f"{case.file}: no such rules {sorted(unknown)}"


@by_file
def test_the_answers_are_ones_a_school_can_give(case: Case) -> None:
    """Every answer is a question of the form, asked given the other answers, and validates strictly."""
    fields = profile_fields()
    for path in case.answers:
        assert path in fields, f"{path} is not a question of the profile"
        assert not fields[path].moot(case.answers), f"{path} is not asked given {fields[path].asked_when}"
    profile_from_answers(case.answers)


# What the school is told


@by_file
def test_the_stage_is_what_the_answers_support(advisor: Advisor, case: Case) -> None:
    readiness = assess(advisor, case).readiness
    assert readiness.stage in case.stage_in, (
        f"stage {readiness.stage}, expected one of {list(case.stage_in)}; foundations: "
        + ", ".join(f"{f.id} {f.status}" for f in readiness.foundations)
    )


@by_file
def test_the_plan_opens_with_the_first_move_the_articles_give(advisor: Advisor, case: Case) -> None:
    answer = assess(advisor, case)
    plan = answer.recommendations
    if case.starts_with_questions:
        # Too little is known to advise: the plan opens with questions rather than advice, and the questions
        # asked first are the ones the foundations wait on.
        assert plan and plan[0].kind == "question", f"the plan opens with advice: {plan_summary(answer)}"
        catalog = advisor.catalog.by_id
        waiting_on = {path for f in advisor.catalog.foundations for rule in f.rules for path in catalog[rule].paths}
        asked = [question.field for question in answer.follow_up_questions]
        assert not asked or asked[0] in waiting_on, f"first follow-up questions: {asked}"
        return
    # Enough is known to advise: the plan opens with the documented move itself, not a question about it.
    assert plan and plan[0].kind != "question", f"plan: {plan_summary(answer)}"
    assert plan[0].rule_id in case.first_move, f"plan: {plan_summary(answer)}"


@by_file
def test_the_first_three_items_include_what_the_articles_put_early(advisor: Advisor, case: Case) -> None:
    answer = assess(advisor, case)
    first_three = [item.rule_id for item in answer.recommendations[:3]]
    missing = [rule_id for rule_id in case.first_three_include if rule_id not in first_three]
    assert not missing, f"{missing} not among the first three; plan: {plan_summary(answer)}"


@by_file
def test_the_plan_never_asks_for_what_is_done(advisor: Advisor, case: Case) -> None:
    answer = assess(advisor, case)
    in_plan = [rule_id for rule_id in case.never_in_plan if any(i.rule_id == rule_id for i in answer.recommendations)]
    assert not in_plan, f"{in_plan} in the plan: {plan_summary(answer)}"
    steps = [(item.rule_id, step) for item in answer.recommendations for step in item.next_steps]
    for rule_id in case.never_in_plan:
        compiled = advisor.catalog.by_id[rule_id]
        asking = {compiled.rule.title, *(text for text, _, _ in compiled.steps)}
        echoed = [(owner, step) for owner, step in steps if step in asking]
        assert not echoed, f"steps of {echoed} ask for {rule_id}, which the answers say is done"
