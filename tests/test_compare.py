"""POST /v1/assessments/compare: what a school's work between two assessments changed."""

from __future__ import annotations

import json
from typing import Any, cast

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from pladvisor.advice.advisor import Advisor
from pladvisor.advice.compare import compare_profiles
from pladvisor.domain.fields import areas, profile_from_answers

from .profiles import MATURE_SCHOOL, RUSHED_DISTRICT, as_body

PROBLEM = "application/problem+json"
FIXED_FOUNDATIONS = {**RUSHED_DISTRICT, "definition.written": True, "buy_in.approach": "readiness_based"}
"""The rushed district after it wrote its definition and let teachers enter by readiness."""


def post(client: TestClient[Litestar], before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/v1/assessments/compare", json={"before": before, "after": after})
    assert response.status_code == 200, response.text
    return cast("dict[str, Any]", response.json())


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["rule_id"] for item in items]


def test_fixing_definition_and_buy_in_resolves_that_advice_and_raises_the_score(client: TestClient[Litestar]) -> None:
    change = post(client, as_body(RUSHED_DISTRICT, name="Ridge"), as_body(FIXED_FOUNDATIONS, name="Ridge"))
    assert ids(change["resolved"]) == ["definition-not-written", "buy-in-mandated"]
    assert change["new"] == []
    assert "why-missing" in ids(change["still_open"])
    overall = change["overall"]
    assert overall["after"] > overall["before"] and overall["change"] == overall["after"] - overall["before"]
    assert "buy-in-by-readiness" in ids(change["strengths_gained"])
    assert change["improvements"][:3] == [
        f"The overall score rose from {overall['before']} to {overall['after']} (+{overall['change']}).",
        "Resolved: Write down what personalized learning means at your school.",
        "Resolved: Replace the all-staff deadline with entry by readiness.",
    ]
    assert change["setbacks"] == []
    assert change["name"] == "Ridge"


def test_area_changes_cover_every_area_and_say_which_rose(client: TestClient[Litestar]) -> None:
    change = post(client, as_body(RUSHED_DISTRICT), as_body(FIXED_FOUNDATIONS))
    by_area = {a["area"]: a for a in change["areas"]}
    assert list(by_area) == list(areas())
    assert by_area["buy_in"]["change"] > 0
    assert (
        f"The buy-in score rose from {by_area['buy_in']['before']} to {by_area['buy_in']['after']} "
        f"(+{by_area['buy_in']['change']})." in change["improvements"]
    )
    assert by_area["tools"]["change"] == 0


def test_going_backwards_is_reported_as_setbacks(client: TestClient[Litestar]) -> None:
    change = post(client, as_body(FIXED_FOUNDATIONS), as_body(RUSHED_DISTRICT))
    assert ids(change["new"]) == ["definition-not-written", "buy-in-mandated"]
    assert change["resolved"] == [] and change["overall"]["change"] < 0
    assert "buy-in-by-readiness" in ids(change["strengths_lost"])
    assert "New advice: Replace the all-staff deadline with entry by readiness." in change["setbacks"]
    assert not any("rose" in line for line in change["improvements"])


def test_a_stage_move_is_called_out(client: TestClient[Litestar]) -> None:
    change = post(client, as_body(RUSHED_DISTRICT), as_body(MATURE_SCHOOL))
    assert change["stage"] == {"before": "exploring", "after": "sustaining"}
    assert "The stage moved from exploring to sustaining." in change["improvements"]
    assert change["still_open"] == [] and change["new"] == []


def test_scores_that_could_not_be_given_have_no_change(advisor: Advisor) -> None:
    after = advisor.assess(profile_from_answers(RUSHED_DISTRICT))
    change = compare_profiles(advisor, profile_from_answers({}), profile_from_answers(RUSHED_DISTRICT))
    assert (change.overall.before, change.overall.change) == (None, None)
    assert change.overall.after == after.readiness.score
    assert all(a.change is None for a in change.areas)
    assert change.stage.before == "undetermined"
    assert not any("score" in line or "stage" in line for line in change.improvements + change.setbacks)


def test_the_same_answers_twice_change_nothing(advisor: Advisor) -> None:
    assessment = advisor.assess(profile_from_answers(RUSHED_DISTRICT))
    change = compare_profiles(advisor, profile_from_answers(RUSHED_DISTRICT), profile_from_answers(RUSHED_DISTRICT))
    assert change.improvements == () and change.setbacks == ()
    assert change.resolved == () and change.new == () and change.unconfirmed == ()
    assert change.no_longer_answered == () and change.newly_answered == ()
    assert change.still_open == assessment.recommendations
    assert change.overall.change == 0


def test_a_question_left_blank_the_second_time_is_not_progress(client: TestClient[Litestar]) -> None:
    blanked = {k: v for k, v in RUSHED_DISTRICT.items() if k != "buy_in.approach"}
    change = post(client, as_body(RUSHED_DISTRICT), as_body(blanked))
    assert "buy-in-mandated" not in ids(change["resolved"])
    assert ids(change["unconfirmed"]) == ["buy-in-mandated"]
    assert change["no_longer_answered"] == ["buy_in.approach"] and change["newly_answered"] == []
    assert not any("Replace the all-staff deadline" in line for line in change["improvements"])


def test_a_question_answered_for_the_first_time_is_named(client: TestClient[Litestar]) -> None:
    change = post(client, as_body(RUSHED_DISTRICT), as_body({**RUSHED_DISTRICT, "measurement.baseline": True}))
    assert change["newly_answered"] == ["measurement.baseline"] and change["no_longer_answered"] == []


def test_identity_comes_from_the_later_profile_when_given(client: TestClient[Litestar]) -> None:
    change = post(client, as_body({}, school_id="old", name="Old name"), as_body({}, school_id="new"))
    assert (change["school_id"], change["name"]) == ("new", "Old name")


@pytest.mark.parametrize(
    ("body", "status", "fields"),
    [
        pytest.param(b"{not json", 400, None, id="malformed-json"),
        pytest.param(json.dumps({"after": as_body({})}).encode(), 422, ["before"], id="missing-before"),
        pytest.param(
            json.dumps({"before": as_body({}), "after": as_body({"definition.written": "yes"})}).encode(),
            422,
            ["after.definition.written"],
            id="invalid-answer",
        ),
        pytest.param(
            json.dumps({"before": as_body({}), "after": as_body({}), "during": {}}).encode(),
            422,
            ["during"],
            id="unknown-field",
        ),
    ],
)
def test_bad_bodies_are_problems_naming_the_fields(
    client: TestClient[Litestar], body: bytes, status: int, fields: list[str] | None
) -> None:
    response = client.post("/v1/assessments/compare", content=body, headers={"content-type": "application/json"})
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM
    if fields is not None:
        assert [error["field"] for error in response.json()["errors"]] == fields
