"""How readiness is judged: evidence before verdict, every lost point named, foundations gating the top stages."""

from typing import Any, get_args

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pladvisor.advice.advisor import Advisor
from pladvisor.advice.answers import answers_of, fact_of
from pladvisor.domain.assessment import Assessment, Stage
from pladvisor.domain.fields import profile_fields, profile_from_answers
from pladvisor.domain.profile import SchoolProfile
from pladvisor.domain.rules import PRIORITY_WEIGHT
from pladvisor.engine.evaluator import RuleEvaluator

from .profiles import MATURE_SCHOOL
from .strategies import answered_profiles

STAGE_ORDER = {stage: i for i, stage in enumerate(get_args(Stage))}
property_settings = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def answers(profile: SchoolProfile) -> dict[str, Any]:
    return answers_of(fact_of(profile))


def assess(advisor: Advisor, given: dict[str, Any]) -> Assessment:
    return advisor.assess(profile_from_answers(given))


@property_settings
@given(data=st.data())
def test_skipping_an_answer_never_raises_a_score_or_the_lowest_stage(advisor: Advisor, data: st.DataObject) -> None:
    given_answers = answers(data.draw(answered_profiles()))
    full_answer = assess(advisor, given_answers)
    # An answer that takes part in a contradiction is exempt: leaving it out settles the contradiction.
    in_contradiction = {p for c in full_answer.check_answers for p in advisor.catalog.by_id[c.rule_id].paths}
    candidates = sorted(set(given_answers) - in_contradiction)
    if not candidates:
        return
    dropped = data.draw(st.sampled_from(candidates))
    full = full_answer.readiness
    skipped = assess(advisor, {k: v for k, v in given_answers.items() if k != dropped}).readiness
    assert STAGE_ORDER[skipped.lowest_stage] <= STAGE_ORDER[full.lowest_stage]
    assert (skipped.score or 0) <= (full.score or 0)
    scores = {a.area: a.score or 0 for a in full.areas}
    assert all((a.score or 0) <= scores[a.area] for a in skipped.areas)
    assert sum(f.status == "met" for f in skipped.foundations) <= sum(f.status == "met" for f in full.foundations)


@property_settings
@given(profile=answered_profiles())
def test_every_lost_point_is_a_listed_rule_with_its_explanation(advisor: Advisor, profile: SchoolProfile) -> None:
    answer = advisor.assess(profile)
    plan = {item.rule_id for item in answer.recommendations if item.kind == "gap"}
    next_level = {item.rule_id for item in answer.next_level}
    rules = advisor.catalog.by_id
    for area in answer.readiness.areas:
        lost = sum(entry.points for entry in area.held_down_by)
        assert lost == area.checked_points - area.points, area.area
        if area.checked_points:
            assert area.score == round(100 * area.points / area.max_points)
        else:
            assert area.score is None and area.held_down_by == ()
        for entry in area.held_down_by:
            assert entry.points == PRIORITY_WEIGHT[rules[entry.rule_id].rule.priority]
            listed_in = {"gap": plan, "next_level": next_level}[entry.kind]
            assert entry.rule_id in listed_in, (area.area, entry)


@pytest.fixture(scope="module")
def evaluator(advisor: Advisor) -> RuleEvaluator:
    return RuleEvaluator(advisor.catalog)


@property_settings
@given(profile=answered_profiles())
def test_the_three_valued_conditions_agree_with_the_engine(
    advisor: Advisor, evaluator: RuleEvaluator, profile: SchoolProfile
) -> None:
    fact = fact_of(profile)
    fired = set(evaluator.fired(fact))
    for compiled in advisor.catalog.rules:
        assert (compiled.decide(answers_of(fact)) is True) == (compiled.rule.id in fired), compiled.rule.id


@property_settings
@given(profile=answered_profiles())
def test_the_stage_lies_between_what_is_shown_and_what_is_possible(advisor: Advisor, profile: SchoolProfile) -> None:
    readiness = advisor.assess(profile).readiness
    assert STAGE_ORDER[readiness.stage] <= STAGE_ORDER[readiness.possible_stage]
    if readiness.score is not None:
        assert readiness.ceiling is not None and readiness.score <= readiness.ceiling
    if readiness.stage != readiness.possible_stage:
        assert readiness.provisional and readiness.to_settle
    if readiness.stage == "sustaining":
        assert all(f.status == "met" for f in readiness.foundations)
    if readiness.stage == "implementing":
        assert sum(f.status == "not_met" for f in readiness.foundations) <= 1


def test_a_mature_school_that_answers_everything_is_sustaining_and_settled(advisor: Advisor) -> None:
    readiness = assess(advisor, MATURE_SCHOOL).readiness
    assert (readiness.stage, readiness.provisional, readiness.score) == ("sustaining", False, 100)
    assert readiness.held_back_by == () and readiness.to_settle == ()


def test_a_third_of_the_answers_is_not_enough_for_a_verdict(advisor: Advisor) -> None:
    third = dict(list(MATURE_SCHOOL.items())[: len(MATURE_SCHOOL) // 3])
    readiness = assess(advisor, third).readiness
    assert readiness.provisional
    assert STAGE_ORDER[readiness.stage] < STAGE_ORDER["sustaining"] == STAGE_ORDER[readiness.possible_stage]
    assert readiness.score is not None and readiness.score < 40 and readiness.ceiling == 100
    assert readiness.to_settle and all(path not in third for path in readiness.to_settle)


def test_skipping_the_vision_section_never_beats_admitting_there_is_no_why(advisor: Advisor) -> None:
    skipped = {k: v for k, v in MATURE_SCHOOL.items() if not k.startswith("vision.")}
    honest = {**skipped, "vision.written_why": False}
    skip, admit = assess(advisor, skipped).readiness, assess(advisor, honest).readiness
    # Either way the why holds an otherwise complete school one stage below sustaining, and no lower.
    assert skip.stage == admit.stage == "implementing"
    assert STAGE_ORDER[skip.lowest_stage] <= STAGE_ORDER[admit.lowest_stage]
    assert "why" in skip.held_back_by and "why" in admit.held_back_by
    assert skip.provisional and skip.possible_stage == "sustaining"


def test_no_impact_measurement_holds_a_strong_school_at_implementing(advisor: Advisor) -> None:
    unmeasured = {
        **MATURE_SCHOOL,
        "measurement.problem_defined": False,
        "measurement.baseline": False,
        "measurement.growth_measure": "none",
    }
    readiness = assess(advisor, unmeasured).readiness
    assert readiness.score is not None and readiness.score >= 65
    assert readiness.stage == "implementing"
    assert readiness.held_back_by == readiness.stage_held_by == ("impact",)


def test_an_area_with_no_answer_has_no_score(advisor: Advisor) -> None:
    tools_only = {"tools.purchased_before_goals": ["devices"], "tools.chosen_after_goals": False}
    areas = {a.area: a for a in assess(advisor, tools_only).readiness.areas}
    assert areas["vision"].score is None and areas["vision"].checked_points == 0
    assert areas["tools"].score is not None


def test_a_question_made_moot_is_neither_asked_nor_missing(advisor: Advisor) -> None:
    no_definition = assess(advisor, {"definition.written": False})
    asked = {q.field for q in no_definition.follow_up_questions} | set(no_definition.readiness.to_settle)
    moot = {
        path
        for path, info in profile_fields().items()
        if info.asked_when and info.asked_when[0] == "definition.written"
    }
    assert moot and not asked & moot
    definition = next(a for a in no_definition.readiness.areas if a.area == "definition")
    assert definition.questions == sum(1 for info in profile_fields().values() if info.area == "definition") - len(moot)


def test_contradictory_answers_are_flagged_and_their_advice_held_back(advisor: Advisor) -> None:
    answer = assess(
        advisor,
        {
            "mindset.barriers_cited_as_blocking": ["building"],
            "mindset.barriers_worked_around": ["building"],
        },
    )
    assert answer.check_answers, "the contradiction is listed"
    held = set(answer.check_answers[0].withheld)
    assert held and not held & {item.rule_id for item in answer.recommendations}
    assert not held & {s.rule_id for s in answer.strengths}
    assert answer.readiness.provisional


def test_a_school_with_no_gap_gets_a_short_plan_to_sustain_its_strengths(advisor: Advisor) -> None:
    plan = assess(advisor, MATURE_SCHOOL).recommendations
    assert 1 <= len(plan) <= 3
    assert {item.kind for item in plan} == {"sustain"} and all(item.next_steps for item in plan)
