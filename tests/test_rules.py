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
