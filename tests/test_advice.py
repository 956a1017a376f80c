"""What the answer says: order, horizons, readiness, strengths and follow-up questions."""

import pytest

from pladvisor.advice.advisor import Advisor
from pladvisor.advice.ranking import MAX_NEXT, MAX_NOW, horizons, rank
from pladvisor.domain.fields import profile_from_answers
from pladvisor.domain.rules import Rule

from .profiles import MATURE_SCHOOL, RUSHED_DISTRICT


def test_foundations_come_before_anything_about_tools(advisor: Advisor) -> None:
    plan = advisor.assess(profile_from_answers(RUSHED_DISTRICT)).recommendations
    areas = [item.area for item in plan]
    first_tools = areas.index("tools")
    for foundation in ("definition", "vision", "buy_in", "professional_development"):
        assert foundation in areas[:first_tools], foundation
    # The articles' order: the why before any logistics (002), the definition (M1), entry without a
    # mandate (M4), then ongoing support (M7).
    assert [item.rule_id for item in plan[:4]] == [
        "why-missing",
        "definition-not-written",
        "buy-in-mandated",
        "pd-not-ongoing",
    ]
    assert [item.rank for item in plan] == list(range(1, len(plan) + 1))


def test_only_a_handful_of_items_are_for_now(advisor: Advisor) -> None:
    plan = advisor.assess(profile_from_answers(RUSHED_DISTRICT)).recommendations
    horizons_seen = [item.horizon for item in plan]
    assert horizons_seen.count("now") == MAX_NOW
    assert horizons_seen[:MAX_NOW] == ["now"] * MAX_NOW


def test_every_item_is_explained_with_evidence_steps_and_source(advisor: Advisor) -> None:
    for item in advisor.assess(profile_from_answers(RUSHED_DISTRICT)).recommendations:
        assert item.why and item.next_steps and item.sources and item.evidence
        for evidence in item.evidence:
            given = RUSHED_DISTRICT[evidence.field]
            assert (tuple(given) if isinstance(given, list) else given) == evidence.value


def test_mandate_item_quotes_the_answer_in_words(advisor: Advisor) -> None:
    plan = advisor.assess(profile_from_answers(RUSHED_DISTRICT)).recommendations
    mandate = next(item for item in plan if item.rule_id == "buy-in-mandated")
    assert "mandate for all staff by a date" in mandate.why
    assert mandate.priority == "critical" and mandate.sources[0].point == "M4"


def test_rushed_district_is_exploring_with_low_scores(advisor: Advisor) -> None:
    readiness = advisor.assess(profile_from_answers(RUSHED_DISTRICT)).readiness
    assert readiness.stage == "exploring"
    assert readiness.score is not None and readiness.score < 20


def test_mature_school_has_no_critical_items_and_names_strengths(advisor: Advisor) -> None:
    assessment = advisor.assess(profile_from_answers(MATURE_SCHOOL))
    assert [item for item in assessment.recommendations if item.priority == "critical"] == []
    strengths = {s.rule_id for s in assessment.strengths}
    assert {"pd-ongoing-system", "measure-growth-and-mastery", "definition-shared-language"} <= strengths
    assert assessment.readiness.stage == "sustaining"
    assert assessment.readiness.score == 100
    assert assessment.readiness.confidence == "high"
    assert assessment.follow_up_questions == ()


def test_empty_sections_mean_low_confidence_and_questions_not_failures(advisor: Advisor) -> None:
    assessment = advisor.assess(profile_from_answers({}))
    # No advice on nothing: the plan asks what the foundations wait on, the why first.
    assert [item.kind for item in assessment.recommendations] == ["question"] * MAX_NOW
    assert assessment.recommendations[0].rule_id == "why-missing"
    assert assessment.readiness.score is None
    assert assessment.readiness.stage == "undetermined"
    assert assessment.readiness.confidence == "low"
    assert {area.confidence for area in assessment.readiness.areas} == {"low"}
    questions = assessment.follow_up_questions
    assert 1 <= len(questions) <= 5
    assert all(q.question.endswith("?") or q.question.endswith(".") for q in questions)
    assert questions[0].rules and questions[0].informs


def test_follow_up_questions_favour_what_would_change_the_advice_most(advisor: Advisor) -> None:
    partial = dict(RUSHED_DISTRICT)
    questions = advisor.assess(profile_from_answers(partial)).follow_up_questions
    assert all(q.field not in partial for q in questions)
    # Foundations first, in the articles' order: how teachers are supported, then when help comes, then growth.
    assert [q.field for q in questions[:3]] == [
        "buy_in.support_at_each_stage",
        "professional_development.timely",
        "measurement.growth_measure",
    ]


def test_an_area_score_never_counts_a_blank_as_met(advisor: Advisor) -> None:
    answers = {
        "buy_in.approach": "mandate_all_by_date",
        "professional_development.format": "ongoing",
        "professional_development.coaching": True,
    }
    areas = {a.area: a for a in advisor.assess(profile_from_answers(answers)).readiness.areas}
    assert areas["buy_in"].score == 0
    # Two answers decide five of sixteen points, all met: 31 now, up to 100 as the rest is answered.
    pd = areas["professional_development"]
    assert (pd.score, pd.ceiling, pd.points, pd.max_points) == (31, 100, 5, 16)
    assert areas["measurement"].score is None and areas["measurement"].answered == 0
    assert areas["professional_development"].answered == 2


def test_one_missing_foundation_costs_a_strong_school_one_stage_and_is_named(advisor: Advisor) -> None:
    answers = {**MATURE_SCHOOL, "buy_in.approach": "mandate_all_by_date"}
    readiness = advisor.assess(profile_from_answers(answers)).readiness
    assert readiness.answered_score is not None and readiness.answered_score >= 85
    assert (readiness.stage, readiness.stage_held_by) == ("implementing", ("buy_in",))
    held = "below sustaining while entry without a mandate and with support at each stage is not in place"
    assert held in readiness.verdict


def test_two_missing_foundations_hold_a_strong_school_at_preparing(advisor: Advisor) -> None:
    answers = {**MATURE_SCHOOL, "buy_in.approach": "mandate_all_by_date", "professional_development.timely": False}
    readiness = advisor.assess(profile_from_answers(answers)).readiness
    assert (readiness.stage, readiness.stage_held_by) == ("preparing", ("buy_in", "support"))


def test_identity_is_echoed_and_catalog_version_reported(advisor: Advisor) -> None:
    assessment = advisor.assess(profile_from_answers({}, school_id="s-1", name="Oak Hill"))
    assert (assessment.school_id, assessment.name) == ("s-1", "Oak Hill")
    assert assessment.catalog_version == advisor.catalog.version


def _rule(rule_id: str, area: str, priority: str, after: list[str] | None = None, order: int = 0) -> Rule:
    return Rule.model_validate(
        {
            "id": rule_id,
            "area": area,
            "kind": "gap",
            "basis": "documented",
            "cites": {"M1": "x"},
            "when": {},
            "priority": priority,
            "order": order,
            "title": rule_id,
            "why": rule_id,
            "steps": ["s"],
            "after": after or [],
            "examples": {"fires": {"a": 1}, "quiet": {"a": 2}},
        }
    )


def test_ranking_puts_priority_first_then_foundations_then_order() -> None:
    tools = _rule("tools-critical", "tools", "critical")
    why = _rule("why-high", "vision", "high", order=50)
    definition = _rule("definition-high", "definition", "high", order=10)
    measure = _rule("measure-high", "measurement", "high")
    low = _rule("vision-low", "vision", "low")
    ranked = rank([low, measure, why, tools, definition])
    assert [r.id for r in ranked] == ["tools-critical", "definition-high", "why-high", "measure-high", "vision-low"]


def test_an_after_hint_reorders_only_within_one_priority() -> None:
    first = _rule("pd-first", "professional_development", "medium", order=10)
    hinted = _rule("definition-hinted", "definition", "medium", after=["pd-first"])
    urgent = _rule("buy-in-urgent", "buy_in", "high", after=["pd-first"])
    ranked = rank([hinted, urgent, first])
    # The hint holds the medium item behind its medium peer; the high item ignores a hint to wait for a medium one.
    assert [r.id for r in ranked] == ["buy-in-urgent", "pd-first", "definition-hinted"]


def test_horizons_give_three_now_five_next_and_the_rest_later() -> None:
    priorities = ["critical", "high", "high", "high", "medium", "medium", "medium", "medium", "medium", "low"]
    ranked = rank([_rule(f"r{i}", "vision", p, order=i) for i, p in enumerate(priorities)])
    assert horizons(ranked) == ["now"] * MAX_NOW + ["next"] * MAX_NEXT + ["later"] * 2


def test_a_low_item_never_pushes_a_medium_one_to_later() -> None:
    ranked = rank([_rule("early-low", "vision", "low", order=1), _rule("late-medium", "tools", "medium", order=99)])
    assert [r.id for r in ranked] == ["late-medium", "early-low"]
    assert horizons(ranked) == ["next", "later"]


def test_an_answer_cannot_be_changed_so_answers_sharing_parts_stay_independent(advisor: Advisor) -> None:
    first = advisor.assess(profile_from_answers(RUSHED_DISTRICT))
    second = advisor.assess(profile_from_answers(RUSHED_DISTRICT))
    item = first.recommendations[0]
    assert item.next_steps is second.recommendations[0].next_steps, "steps are shared, not copied"
    with pytest.raises(AttributeError):
        item.why = "changed"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        item.next_steps.append("changed")  # type: ignore[attr-defined]
    assert second.recommendations[0] == item
