"""The verdict a principal reads first: the stage on partial answers, the first moves, and each answer counted once."""

from typing import Any

import pytest

from pladvisor.advice.advisor import Advisor
from pladvisor.advice.compare import compare_profiles
from pladvisor.advice.judge import PROPERTIES, generated, violations
from pladvisor.domain.assessment import Assessment
from pladvisor.domain.fields import profile_from_answers

from .profiles import MATURE_SCHOOL

CAREFUL_DISTRICT = {
    "vision.written_why": True,
    "definition.written": True,
    "buy_in.approach": "readiness_based",
    "professional_development.format": "ongoing",
    "professional_development.coaching": True,
    "measurement.problem_defined": True,
}
"""A district with a public record of a careful roll-out, whose account leaves the growth measure and two
support questions unsaid."""

DEVICES_FIRST = {
    "tools.plan_centre": "devices",
    "tools.technology_budget_percent": 85,
    "tools.purchased_before_goals": ["devices"],
    "tools.chosen_after_goals": False,
    "vision.written_why": False,
    "definition.written": False,
    "buy_in.approach": "mandate_all_by_date",
    "buy_in.support_at_each_stage": False,
    "professional_development.format": "one_off",
    "professional_development.timely": False,
    "professional_development.includes_principals": False,
}

LIVING_WHY = {
    "vision.written_why": True,
    "vision.why_names_learners_and_community": True,
    "vision.months_since_why_revisited": 3,
    "vision.every_child_commitment": True,
    "vision.celebrates_growth": True,
}
"""A vision section answered in full, every answer in the school's favour."""


def assess(advisor: Advisor, answers: dict[str, Any]) -> Assessment:
    return advisor.assess(profile_from_answers(answers))


def test_a_careful_district_with_blanks_is_placed_by_what_it_answered(advisor: Advisor) -> None:
    readiness = assess(advisor, CAREFUL_DISTRICT).readiness
    assert (readiness.stage, readiness.lowest_stage, readiness.possible_stage) == (
        "implementing",
        "exploring",
        "sustaining",
    )
    assert readiness.provisional and readiness.answered_score == 100
    # The questions that would settle it, most decisive first: the foundations still open, in the articles' order.
    assert readiness.to_settle[:3] == (
        "buy_in.support_at_each_stage",
        "professional_development.timely",
        "measurement.growth_measure",
    )
    assert set(readiness.stage_held_by) == {"buy_in", "support", "impact"}


def test_a_near_empty_intake_is_undetermined_and_asks_its_decisive_questions_first(advisor: Advisor) -> None:
    answer = assess(advisor, {"vision.celebrates_growth": True, "vision.every_child_commitment": True})
    assert answer.readiness.stage == "undetermined"
    assert [item.kind for item in answer.recommendations] == ["question"] * 3
    assert answer.recommendations[0].rule_id == "why-missing"
    assert not any(item.kind == "sustain" for item in answer.recommendations)


def test_the_plan_opens_with_the_why_and_brings_purchases_into_the_first_moves(advisor: Advisor) -> None:
    plan = assess(advisor, DEVICES_FIRST).recommendations
    assert [item.rule_id for item in plan[:3]] == ["why-missing", "definition-not-written", "buy-in-mandated"]
    purchases = next(item for item in plan if item.rule_id == "tools-bought-before-goals")
    assert purchases.horizon == "next" and purchases.rank <= 8


def test_no_step_asks_for_what_the_answers_say_is_done(advisor: Advisor) -> None:
    done = {
        **DEVICES_FIRST,
        "vision.written_why": True,
        "definition.written": True,
        "professional_development.includes_principals": True,
        "professional_development.timely": True,
    }
    plan = {item.rule_id: item.next_steps for item in assess(advisor, done).recommendations}
    steps = " ".join(plan["tools-bought-before-goals"] + plan["pd-not-ongoing"])
    for asked in ("until the why and the definition are written", "Include principals", "in the week they need it"):
        assert asked not in steps
    assert "your written definition" in steps
    without_definition = assess(advisor, {**done, "definition.written": False}).recommendations
    pd = next(item for item in without_definition if item.rule_id == "pd-not-ongoing")
    assert "Once the definition is written" in " ".join(pd.next_steps)


def test_advice_held_back_by_contradictory_answers_costs_nothing(advisor: Advisor) -> None:
    answer = assess(advisor, {"definition.written": False, "definition.components": ["path", "pace"]})
    assert [check.rule_id for check in answer.check_answers] == ["definition-answers-disagree"]
    definition = next(a for a in answer.readiness.areas if a.area == "definition")
    held = set(advisor.catalog.by_id["definition-answers-disagree"].rule.withholds)
    assert not held & {entry.rule_id for entry in definition.held_down_by}
    assert not held & {item.rule_id for item in answer.next_level}


def test_a_no_left_blank_never_raises_an_area_score_or_a_comparison(advisor: Advisor) -> None:
    honest = {**LIVING_WHY, "vision.celebrates_growth": False}
    skipped = {k: v for k, v in honest.items() if k != "vision.celebrates_growth"}

    def vision(answers: dict[str, Any]) -> int | None:
        return next(a.score for a in assess(advisor, answers).readiness.areas if a.area == "vision")

    assert vision(skipped) == vision(honest)
    comparison = compare_profiles(advisor, profile_from_answers(honest), profile_from_answers(skipped))
    assert comparison.improvements == ()


def test_a_stage_risen_only_by_a_dropped_answer_is_not_called_a_rise(advisor: Advisor) -> None:
    before = {**MATURE_SCHOOL, "buy_in.approach": "mandate_all_by_date", "professional_development.timely": False}
    after = {k: v for k, v in before.items() if k != "buy_in.approach"}
    comparison = compare_profiles(advisor, profile_from_answers(before), profile_from_answers(after))
    assert (comparison.stage.before, comparison.stage.after) == ("preparing", "implementing")
    assert not any("stage" in sentence for sentence in comparison.improvements)


def test_an_answer_and_its_mirror_strength_cost_the_points_of_one_check(advisor: Advisor) -> None:
    answers = {**LIVING_WHY, "vision.months_since_why_revisited": 14}
    vision = next(a for a in assess(advisor, answers).readiness.areas if a.area == "vision")
    assert [entry.rule_id for entry in vision.held_down_by] == ["why-not-revisited"]
    assert vision.score == 83


def test_the_reach_and_number_of_access_points_count(advisor: Advisor) -> None:
    def agency(answers: dict[str, Any]) -> int:
        return next(a.score or 0 for a in assess(advisor, answers).readiness.areas if a.area == "student_agency")

    start = {
        "student_agency.goal_setting": "few_classrooms",
        "student_agency.choices": [],
        "student_agency.inquiry": "none",
        "student_agency.reflection": "none",
    }
    wide = {**start, "student_agency.goal_setting": "schoolwide"}
    everything = {
        "student_agency.goal_setting": "schoolwide",
        "student_agency.choices": ["where", "how", "tools", "demonstration"],
        "student_agency.inquiry": "schoolwide",
        "student_agency.reflection": "schoolwide",
    }
    scores = [agency(start), agency(wide), agency(everything)]
    assert scores == sorted(scores) and len(set(scores)) == 3 and scores[-1] == 100


def test_a_model_adopted_as_is_is_advised_on_even_with_the_written_question_blank(advisor: Advisor) -> None:
    answer = assess(advisor, {"definition.origin": "adopted_model_as_is"})
    assert "definition-adopted-as-is" in {item.rule_id for item in answer.recommendations}
    assert [(e.field, e.value) for e in answer.answers_inferred] == [("definition.written", True)]
    # The implied answer earns nothing: the written definition is still to be shown.
    definition = next(f for f in answer.readiness.foundations if f.id == "definition")
    assert definition.status == "unknown"


def test_an_answer_that_cannot_be_used_is_said_and_its_question_asked_first(advisor: Advisor) -> None:
    answer = assess(advisor, {"professional_development.methods": ["workshops"]})
    assert answer.answers_not_used == ("professional_development.methods",)
    assert answer.follow_up_questions[0].field == "professional_development.format"


@pytest.mark.parametrize("name", sorted(PROPERTIES))
def test_every_property_holds_on_generated_schools(advisor: Advisor, name: str) -> None:
    found = violations(advisor, generated(7, 60))
    assert found[name] == []
