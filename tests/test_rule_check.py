"""``POST /v1/rules/{rule_id}/check``: why one rule fires or not for a school, and where its assessment shows it.

The check must never tell another story than the assessment: ``fires`` is the advisor's own fired set, the
condition's parts are decided in the same three-valued logic, and ``shown_as`` is where ``POST /v1/assessments``
puts the rule for the same answers.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar import Litestar
from litestar.testing import TestClient

from pladvisor.advice.advisor import Advisor
from pladvisor.advice.rule_check import check, check_all
from pladvisor.domain.assessment import Assessment
from pladvisor.domain.fields import profile_from_answers
from pladvisor.domain.profile import SchoolProfile
from pladvisor.domain.rules import ConditionCheck, RuleCheck

from .profiles import MATURE_SCHOOL, as_body
from .strategies import profiles

PROBLEM = "application/problem+json"
OUTCOME = {True: "Fires: ", False: "Does not fire: ", None: "Cannot tell yet: "}


@contextmanager
def fired_sets(advisor: Advisor) -> Iterator[list[frozenset[str]]]:
    """Every fired set the advisor's engine answers meanwhile: what ``Advisor.assess`` works from."""
    seen: list[frozenset[str]] = []
    evaluator = advisor._evaluator
    original = evaluator.fired_as_asserted

    def recording(asserted: dict[str, Any]) -> list[str]:
        fired = original(asserted)
        seen.append(frozenset(fired))
        return fired

    evaluator.fired_as_asserted = recording  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        del evaluator.fired_as_asserted


def fired_as_shown(assessment: Assessment) -> set[str]:
    """The fired rules an assessment shows: gaps in the plan, strengths, answer checks and what they withhold.
    The plan's other items are not fired rules: ``sustain`` repeats a strength, and ``question`` asks for an
    answer a foundation gap waits on."""
    return (
        {item.rule_id for item in assessment.recommendations if item.kind == "gap"}
        | {item.rule_id for item in assessment.strengths}
        | {item.rule_id for item in assessment.check_answers}
        | {rule_id for item in assessment.check_answers for rule_id in item.withheld}
    )


def where_shown(assessment: Assessment, rule_id: str) -> set[str]:
    members: dict[str, tuple[Any, ...]] = {
        "recommendations": assessment.recommendations,
        "strengths": assessment.strengths,
        "next_level": assessment.next_level,
        "check_answers": assessment.check_answers,
    }
    return {member for member, items in members.items() if any(item.rule_id == rule_id for item in items)}


def leaves(part: ConditionCheck) -> Iterator[ConditionCheck]:
    if part.operator in ("$and", "$or"):
        for child in part.parts:
            yield from leaves(child)
    else:
        yield part


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(profile=profiles(), data=st.data())
def test_a_check_agrees_with_the_assessment_for_every_rule(
    advisor: Advisor, profile: SchoolProfile, data: st.DataObject
) -> None:
    with fired_sets(advisor) as seen:
        assessment = advisor.assess(profile)
    (fired,) = seen
    # Read off the assessment, the fired set lacks only the strengths resting on an inferred answer.
    inferred = {evidence.field for evidence in assessment.answers_inferred}
    shown = fired_as_shown(assessment)
    assert shown <= fired
    for rule_id in fired - shown:
        compiled = advisor.catalog.by_id[rule_id]
        assert compiled.rule.kind == "strength" and inferred.intersection(compiled.paths), rule_id

    checks = check_all(advisor, profile)
    assert [c.rule_id for c in checks] == [c.rule.id for c in advisor.catalog.rules]
    for c in checks:
        assert c.fires == (c.rule_id in fired), c.rule_id
        assert (c.conditions.holds is True) == c.fires, c.rule_id
        assert c.summary.startswith(OUTCOME[c.conditions.holds]) and c.summary.endswith("."), c.summary
        holding_back = tuple(
            a.rule_id for a in assessment.check_answers if c.rule_id in advisor.catalog.by_id[a.rule_id].rule.withholds
        )
        assert c.withheld_by == holding_back, c.rule_id
        places = where_shown(assessment, c.rule_id)
        if c.shown_as == "withheld":
            assert c.withheld_by and not places, c.rule_id
        elif c.shown_as is None:
            assert not places and not c.withheld_by, c.rule_id
        else:
            assert c.shown_as in places, c.rule_id
        if c.fires and c.withheld_by:
            assert any(c.rule_id in a.withheld for a in assessment.check_answers), c.rule_id
        for leaf in leaves(c.conditions):
            assert leaf.field is not None
            assert leaf.inferred == (leaf.field in inferred)
            assert (leaf.holds is None) == (leaf.answer is None), (c.rule_id, leaf)

    one = data.draw(st.sampled_from(checks))
    assert check(advisor, profile, one.rule_id) == one


def test_a_withheld_rule_names_the_answer_check_holding_it_back(advisor: Advisor) -> None:
    profile = profile_from_answers({"definition.written": False, "definition.components": ["path", "pace"]})
    answer = check(advisor, profile, "definition-not-written")
    assert (answer.fires, answer.shown_as, answer.withheld_by) == (True, "withheld", ("definition-answers-disagree",))
    assert answer.summary == (
        "Fires: written definition is no; it is held back until the answers in "
        "“Check your answers on the written definition” agree."
    )
    assessment = advisor.assess(profile)
    assert "definition-not-written" not in {r.rule_id for r in assessment.recommendations}
    (contradiction,) = assessment.check_answers
    assert "definition-not-written" in contradiction.withheld
    assert check(advisor, profile, "definition-answers-disagree").shown_as == "check_answers"


def test_an_inferred_answer_is_said_to_be_inferred(advisor: Advisor) -> None:
    """A definition's origin says there is one: the rule reads that answer, and the check says it was inferred."""
    answer = check(
        advisor, profile_from_answers({"definition.origin": "adopted_model_as_is"}), "definition-adopted-as-is"
    )
    written, origin = answer.conditions.parts
    assert (written.field, written.answer, written.inferred, written.holds) == ("definition.written", True, True, True)
    assert (origin.answer, origin.inferred) == ("adopted_model_as_is", False)
    assert (answer.fires, answer.shown_as) == (True, "recommendations")
    assert answer.summary == (
        "Fires: written definition is yes (inferred from other answers) and definition's origin is adopted from a "
        "published model as-is."
    )


def test_a_strength_on_an_inferred_answer_fires_but_is_not_named(advisor: Advisor) -> None:
    given = {"definition.components": ["path"], "definition.shared_with": ["teachers", "leaders"]}
    answer = check(advisor, profile_from_answers(given), "definition-shared-language")
    assert (answer.fires, answer.shown_as, answer.withheld_by) == (True, None, ())
    assert answer.summary.endswith("; it is not named as a strength, since it rests on an answer inferred from others.")


def post_check(client: TestClient[Litestar], rule_id: str, answers: dict[str, Any]) -> Any:
    response = client.post(f"/v1/rules/{rule_id}/check", json=as_body(answers))
    assert response.status_code == 200, response.text
    return response.json()


def test_a_firing_rule_over_http(client: TestClient[Litestar], advisor: Advisor) -> None:
    assert post_check(client, "why-missing", {"vision.written_why": False}) == {
        "rule_id": "why-missing",
        "kind": "gap",
        "catalog_version": advisor.catalog.version,
        "fires": True,
        "shown_as": "recommendations",
        "withheld_by": [],
        "summary": "Fires: written why is no.",
        "conditions": {
            "operator": "equals",
            "says": "written why is no",
            "holds": True,
            "field": "vision.written_why",
            "expected": False,
            "answer": False,
            "inferred": False,
            "parts": [],
        },
    }


def test_a_rule_that_does_not_fire_names_the_condition_that_failed(client: TestClient[Litestar]) -> None:
    answer = post_check(
        client, "why-not-revisited", {"vision.written_why": True, "vision.months_since_why_revisited": 6}
    )
    assert (answer["fires"], answer["shown_as"]) == (False, None)
    root = answer["conditions"]
    assert (root["operator"], root["holds"]) == ("$and", False)
    written, months = root["parts"]
    assert (written["field"], written["holds"]) == ("vision.written_why", True)
    assert months == {
        "operator": "$gt",
        "says": "months since why revisited is more than 12",
        "holds": False,
        "field": "vision.months_since_why_revisited",
        "expected": 12,
        "answer": 6,
        "inferred": False,
        "parts": [],
    }
    assert answer["summary"] == "Does not fire: “months since why revisited is more than 12” did not hold (answer: 6)."


def test_an_unanswered_question_leaves_the_rule_open(client: TestClient[Litestar]) -> None:
    answer = post_check(client, "why-not-revisited", {"vision.written_why": True})
    assert answer["fires"] is False and answer["conditions"]["holds"] is None
    written, months = answer["conditions"]["parts"]
    assert (written["holds"], months["holds"], months["answer"]) == (True, None, None)
    assert answer["summary"] == "Cannot tell yet: the question on months since why revisited is unanswered."


def test_a_list_answer_is_read_item_by_item(client: TestClient[Litestar]) -> None:
    answers = {"definition.written": True, "definition.components": ["path"], "definition.shared_with": ["teachers"]}
    answer = post_check(client, "definition-shared-language", answers)
    leaders = answer["conditions"]["parts"][3]
    assert (leaders["operator"], leaders["expected"], leaders["answer"]) == ("$iany", {"$i": "leaders"}, ["teachers"])
    assert leaders["says"] == "people who use the definition include leaders"
    assert answer["summary"] == (
        "Does not fire: “people who use the definition include leaders” did not hold (answer: teachers)."
    )


def test_a_strength_not_in_place_can_be_a_next_level_item(advisor: Advisor) -> None:
    profile = profile_from_answers({**MATURE_SCHOOL, "buy_in.teachers_asked_for_change": False})
    answer = check(advisor, profile, "buy-in-teachers-asked")
    assert (answer.fires, answer.shown_as) == (False, "next_level")
    assert answer.summary == (
        "Does not fire: “teachers asked for change is yes” did not hold (answer: no); it is listed as a way to "
        "reach the next level."
    )


def test_an_undecided_foundation_gap_is_a_question_of_the_plan(advisor: Advisor) -> None:
    answer = check(advisor, profile_from_answers({}), "why-missing")
    assert (answer.fires, answer.shown_as, answer.conditions.holds) == (False, "recommendations", None)
    assert answer.summary == "Cannot tell yet: the question on written why is unanswered; the plan asks about it first."


def test_an_unknown_rule_is_the_same_404_problem_as_reading_it(client: TestClient[Litestar]) -> None:
    response = client.post("/v1/rules/no-such-rule/check", json=as_body({}))
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert response.json() == client.get("/v1/rules/no-such-rule").json()
    assert "no-such-rule" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (as_body({"vision.written_why": "no"}), ["vision.written_why"]),
        ({**as_body({}), "tools": {"made_up": True}}, ["tools.made_up"]),
    ],
)
def test_a_bad_body_is_a_422_naming_the_field(client: TestClient[Litestar], body: Any, fields: list[str]) -> None:
    response = client.post("/v1/rules/why-missing/check", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert [error["field"] for error in response.json()["errors"]] == fields


def test_the_answer_decodes_as_its_declared_shape(client: TestClient[Litestar]) -> None:
    response = client.post("/v1/rules/definition-shared-language/check", json=as_body({"definition.written": True}))
    answer = msgspec.json.decode(response.content, type=RuleCheck)
    assert answer.conditions.parts[0].holds is True and answer.conditions.holds is None
