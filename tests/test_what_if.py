"""What would move a school up: every path offered is true (the changed answers are assessed at the stage it
claims) and minimal (without any one change the stage falls short), and none is offered at the top stage."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from litestar import Litestar
from litestar.testing import TestClient

from pladvisor.advice.advisor import Advisor
from pladvisor.advice.answers import answers_of, fact_of
from pladvisor.advice.what_if import BUDGET, MAX_CHANGES, MAX_PATHS, STAGES, what_if
from pladvisor.domain.fields import profile_fields, profile_from_answers
from pladvisor.domain.profile import SchoolProfile
from pladvisor.domain.what_if import WhatIfPath

from .strategies import answered_profiles, profiles

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def changed(profile: SchoolProfile, path: WhatIfPath, leave_out: int | None = None) -> SchoolProfile:
    answers: dict[str, Any] = answers_of(fact_of(profile))
    for i, change in enumerate(path.changes):
        if i != leave_out:
            answers[change.field] = list(change.after) if isinstance(change.after, tuple) else change.after
    identity = {k: v for k, v in (("school_id", profile.school_id), ("name", profile.name)) if v}
    return profile_from_answers(answers, **identity)


def check_paths(advisor: Advisor, profile: SchoolProfile) -> None:
    answer = what_if(advisor, profile)
    now = advisor.readiness(profile)
    assert answer.stage == now.stage and answer.searched <= BUDGET
    if now.stage in ("sustaining", "undetermined"):
        assert answer.paths == () and answer.target is None and answer.note
        return
    assert answer.target == STAGES[STAGES.index(now.stage) + 1]
    assert len(answer.paths) <= MAX_PATHS and bool(answer.paths) != bool(answer.note)
    fields = profile_fields()
    for path in answer.paths:
        assert 1 <= len(path.changes) <= MAX_CHANGES
        for change in path.changes:
            assert change.after is not None, "a path never leaves a question unanswered"
            assert change.after != change.before
            assert not fields[change.field].moot(answers_of(fact_of(changed(profile, path)))), change
        reached = advisor.readiness(changed(profile, path))
        assert reached.stage == path.stage and reached.score == path.score
        assert STAGES.index(reached.stage) >= STAGES.index(answer.target), path.summary
        for i in range(len(path.changes)):
            fewer = advisor.readiness(changed(profile, path, leave_out=i))
            assert STAGES.index(fewer.stage) < STAGES.index(answer.target), f"{path.summary}: change {i} not needed"
    costs = [p.cost for p in answer.paths]
    assert costs == sorted(costs)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(profile=answered_profiles())
def test_every_path_of_an_answered_school_is_true_and_minimal(advisor: Advisor, profile: SchoolProfile) -> None:
    check_paths(advisor, profile)


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(profile=profiles())
def test_every_path_of_a_partly_answered_school_is_true_and_minimal(advisor: Advisor, profile: SchoolProfile) -> None:
    check_paths(advisor, profile)


@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
@given(profile=profiles())
def test_the_search_reads_answers_as_the_validated_profile_reads(advisor: Advisor, profile: SchoolProfile) -> None:
    """The search skips the profile model for the profiles it only measures: their readiness is the same."""
    answers = {p: tuple(v) if isinstance(v, list) else v for p, v in answers_of(fact_of(profile)).items()}
    assert advisor.readiness_of(answers) == advisor.readiness(profile)


def test_the_named_profiles_get_true_minimal_paths(advisor: Advisor) -> None:
    for file in sorted((EXAMPLES / "profiles").glob("*.json")):
        check_paths(advisor, SchoolProfile.model_validate_json(file.read_text()))


def test_a_school_one_written_why_from_the_next_stage_is_told_so(advisor: Advisor) -> None:
    profile = SchoolProfile.model_validate_json((EXAMPLES / "profiles" / "contradictory.json").read_text())
    answer = what_if(advisor, profile)
    assert answer.paths and answer.paths[0].cost == 2
    assert "Reaches implementing." in answer.paths[0].summary


def test_no_path_is_offered_at_the_top_stage(advisor: Advisor) -> None:
    profile = SchoolProfile.model_validate_json((EXAMPLES / "profiles" / "mature-district.json").read_text())
    answer = what_if(advisor, profile)
    assert answer.stage == "sustaining" and answer.paths == () and answer.note == "Already at the top stage."


def test_what_if_over_http(client: TestClient[Litestar]) -> None:
    body = json.loads((EXAMPLES / "profile.json").read_text())
    response = client.post("/v1/assessments/what-if", json=body)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["stage"] == "exploring" and answer["target"] == "preparing" and answer["paths"]
    refused = client.post("/v1/assessments/what-if", json={**body, "buy_in": {"approach": "sometimes"}})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "buy_in.approach"
