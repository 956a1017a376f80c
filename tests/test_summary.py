"""The summary view: what a portal or a batch script reads first, each member exactly the full answer's own."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from litestar import Litestar
from litestar.testing import TestClient

from pladvisor.advice.advisor import Advisor
from pladvisor.api.metrics import fired_rules
from pladvisor.domain.assessment import Assessment, AssessmentSummary
from pladvisor.domain.base import to_json
from pladvisor.domain.profile import SchoolProfile

from .strategies import answered_profiles, profiles

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def check_faithful(summary: AssessmentSummary, full: Assessment) -> None:
    r = full.readiness
    assert (summary.school_id, summary.name, summary.catalog_version) == (
        full.school_id,
        full.name,
        full.catalog_version,
    )
    assert (summary.stage, summary.provisional, summary.lowest_stage, summary.possible_stage) == (
        r.stage,
        r.provisional,
        r.lowest_stage,
        r.possible_stage,
    )
    assert (summary.score, summary.ceiling, summary.answered_score) == (r.score, r.ceiling, r.answered_score)
    assert (summary.confidence, summary.verdict) == (r.confidence, r.verdict)
    assert [(a.area, a.score) for a in summary.areas] == [(a.area, a.score) for a in r.areas]
    assert [(s.rank, s.rule_id, s.kind, s.priority, s.horizon, s.title) for s in summary.plan] == [
        (item.rank, item.rule_id, item.kind, item.priority, item.horizon, item.title) for item in full.recommendations
    ]
    assert summary.rules_fired == len(fired_rules(full))


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(profile=profiles())
def test_the_summary_of_a_partly_answered_school_is_its_assessment_in_brief(
    advisor: Advisor, profile: SchoolProfile
) -> None:
    check_faithful(advisor.summarize(profile), advisor.assess(profile))


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(profile=answered_profiles())
def test_the_summary_of_an_answered_school_is_its_assessment_in_brief(advisor: Advisor, profile: SchoolProfile) -> None:
    check_faithful(advisor.summarize(profile), advisor.assess(profile))


def test_every_kind_of_plan_item_is_summarized(advisor: Advisor) -> None:
    """Gaps, a sustaining school's strengths and an undetermined school's questions alike."""
    kinds: set[str] = set()
    for file in [*sorted((EXAMPLES / "profiles").glob("*.json")), EXAMPLES / "profile.json"]:
        profile = SchoolProfile.model_validate_json(file.read_text())
        summary = advisor.summarize(profile)
        check_faithful(summary, advisor.assess(profile))
        kinds |= {step.kind for step in summary.plan}
    assert kinds == {"gap", "sustain", "question"}


def test_the_summary_view_over_http(client: TestClient[Litestar], advisor: Advisor) -> None:
    body = json.loads((EXAMPLES / "profile.json").read_text())
    full = client.post("/v1/assessments", json=body)
    brief = client.post("/v1/assessments", params={"view": "summary"}, json=body)
    assert full.status_code == brief.status_code == 200
    assert brief.json() == json.loads(to_json(advisor.summarize(SchoolProfile.model_validate(body))))
    assert brief.json()["stage"] == full.json()["readiness"]["stage"]
    assert len(brief.content) * 5 < len(full.content)
    assert client.post("/v1/assessments", params={"view": "full"}, json=body).json() == full.json()


def test_an_unknown_view_is_refused_naming_it(client: TestClient[Litestar]) -> None:
    body = json.loads((EXAMPLES / "profile.json").read_text())
    answer = client.post("/v1/assessments", params={"view": "brief"}, json=body)
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in answer.json()["errors"]] == ["view"]
