"""Every rule in rules/ fires on its own 'fires' example and stays quiet on its 'quiet' example."""

import pytest

from pladvisor.advice.advisor import Advisor
from pladvisor.domain.assessment import Assessment
from pladvisor.domain.fields import profile_from_answers
from pladvisor.engine.catalog import CompiledRule, default_rules_dir, load_catalog

RULES = load_catalog(default_rules_dir()).rules


def triggered(assessment: Assessment) -> set[str]:
    """Every rule that fired: gaps in the plan, strengths, and inconsistencies (which hold the others back)."""
    return (
        {r.rule_id for r in assessment.recommendations if r.kind == "gap"}
        | {s.rule_id for s in assessment.strengths}
        | {c.rule_id for c in assessment.check_answers}
    )


@pytest.mark.parametrize("compiled", RULES, ids=lambda c: c.rule.id)
def test_rule_fires_on_its_example(advisor: Advisor, compiled: CompiledRule) -> None:
    assessment = advisor.assess(profile_from_answers(compiled.rule.examples.fires))
    assert compiled.rule.id in triggered(assessment)


@pytest.mark.parametrize("compiled", RULES, ids=lambda c: c.rule.id)
def test_rule_stays_quiet_on_its_counter_example(advisor: Advisor, compiled: CompiledRule) -> None:
    assessment = advisor.assess(profile_from_answers(compiled.rule.examples.quiet))
    assert compiled.rule.id not in triggered(assessment)


@pytest.mark.parametrize("compiled", RULES, ids=lambda c: c.rule.id)
def test_unanswered_questions_never_fire_a_rule(advisor: Advisor, compiled: CompiledRule) -> None:
    assert compiled.rule.id not in triggered(advisor.assess(profile_from_answers({})))


def test_a_fired_rule_explains_itself_with_the_schools_answers(advisor: Advisor) -> None:
    assessment = advisor.assess(profile_from_answers({"professional_development.days_per_year": 2}))
    item = next(r for r in assessment.recommendations if r.rule_id == "pd-too-little-time")
    assert "Teachers get 2 days" in item.why
    assert [(e.field, e.value) for e in item.evidence] == [("professional_development.days_per_year", 2)]
    assert item.sources[0].point == "M3" and item.sources[0].file == "004_72cf62e6ea6ea115.txt"
    assert item.next_steps


def test_an_empty_list_answer_means_none_of_these(advisor: Advisor) -> None:
    none_cited = advisor.assess(profile_from_answers({"mindset.barriers_cited_as_blocking": []}))
    assert "mindset-constraints-not-blocking" in triggered(none_cited)
    nothing_yet = {
        "student_agency.goal_setting": "none",
        "student_agency.choices": [],
        "student_agency.inquiry": "none",
        "student_agency.reflection": "none",
    }
    assert "agency-no-access-point" in triggered(advisor.assess(profile_from_answers(nothing_yet)))
    some_choice = {**nothing_yet, "student_agency.choices": ["where"]}
    assert "agency-no-access-point" not in triggered(advisor.assess(profile_from_answers(some_choice)))


def test_a_rule_matching_on_several_branches_is_reported_once(advisor: Advisor) -> None:
    answers = {"tools.chosen_after_goals": False, "tools.purchased_before_goals": ["devices", "lms"]}
    ids = [r.rule_id for r in advisor.assess(profile_from_answers(answers)).recommendations]
    assert ids.count("tools-bought-before-goals") == 1


def test_tools_bought_years_ago_do_not_contradict_new_tools_chosen_for_a_goal(advisor: Advisor) -> None:
    answers = {
        "tools.purchased_before_goals": ["devices"],
        "tools.chosen_after_goals": True,
        "tools.plan_centre": "learning_experiences",
    }
    assessment = advisor.assess(profile_from_answers(answers))
    assert assessment.check_answers == ()
    assert {"tools-bought-before-goals", "tools-serve-learning"} <= triggered(assessment)


def test_a_mandate_does_not_contradict_teachers_choosing_where_to_start(advisor: Advisor) -> None:
    # Choosing an entry point is choosing where to start, not when: a mandate leaves that choice open.
    answers = {"buy_in.approach": "mandate_all_by_date", "buy_in.teachers_choose_entry_point": True}
    assessment = advisor.assess(profile_from_answers(answers))
    assert assessment.check_answers == ()
    assert {"buy-in-mandated", "buy-in-own-entry-point"} <= triggered(assessment)


def test_new_tools_not_chosen_for_a_goal_are_a_gap_even_when_nothing_came_before_the_goals(advisor: Advisor) -> None:
    answers = {"tools.purchased_before_goals": [], "tools.chosen_after_goals": False}
    assessment = advisor.assess(profile_from_answers(answers))
    item = next(r for r in assessment.recommendations if r.rule_id == "tools-bought-before-goals")
    assert "(bought before the goals were set: none; new tools chosen for a goal they serve: no)" in item.why
    assert "came before" not in item.why
    assert assessment.check_answers == ()


BY_ID = {compiled.rule.id: compiled.rule for compiled in RULES}


@pytest.mark.parametrize("rule_id", ["measure-no-baseline", "definition-adopted-as-is"])
def test_a_rule_going_beyond_what_its_article_says_is_labelled_practice(rule_id: str) -> None:
    # Article 004 never names a baseline; T6 is about copying a blended-learning model, not a definition.
    assert BY_ID[rule_id].basis == "practice"


@pytest.mark.parametrize(
    ("rule_id", "words"),
    [("mindset-no-small-pilots", "two or three classrooms"), ("mindset-mistakes-not-safe", "performance evaluations")],
)
def test_a_step_no_article_gives_says_it_is_the_catalogs_suggestion(advisor: Advisor, rule_id: str, words: str) -> None:
    plan = advisor.assess(profile_from_answers(BY_ID[rule_id].examples.fires)).recommendations
    step = next(s for r in plan if r.rule_id == rule_id for s in r.next_steps if words in s)
    assert "this catalog's practice suggestion" in step
