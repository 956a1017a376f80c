"""POST /v1/assessments/batch: every item judged on its own, and a roll-up checked by hand."""

import statistics

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from pladvisor.advice.advisor import Advisor
from pladvisor.advice.rollup import RollupBuilder, Summary
from pladvisor.api.app import create_app
from pladvisor.config import Settings
from pladvisor.domain.fields import profile_from_answers
from pladvisor.domain.rules import PRIORITY_WEIGHT

from .profiles import MATURE_SCHOOL, RUSHED_DISTRICT, as_body

PROBLEM = "application/problem+json"


def test_a_bad_item_never_fails_the_good_ones(client: TestClient[Litestar]) -> None:
    body = [
        as_body(RUSHED_DISTRICT, school_id="a"),
        {**as_body({}), "school_id": "b", "definition": {"written": "maybe"}},
        7,
        as_body(MATURE_SCHOOL, school_id="d"),
    ]
    response = client.post("/v1/assessments/batch", json=body)
    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["index"], r["status"]) for r in results] == [(0, "ok"), (1, "invalid"), (2, "invalid"), (3, "ok")]
    assert results[0]["assessment"]["school_id"] == "a"
    assert results[3]["assessment"]["school_id"] == "d"
    assert results[1]["problem"] == {
        "index": 1,
        "school_id": "b",
        "errors": [{"field": "definition.written", "message": "Input should be a valid boolean"}],
        "error_count": 1,
    }
    assert results[2]["problem"]["errors"][0]["field"] == "body"


def test_rollup_matches_hand_computed_figures(client: TestClient[Litestar], advisor: Advisor) -> None:
    schools = [
        ("r1", RUSHED_DISTRICT),
        ("r2", RUSHED_DISTRICT),
        ("m1", MATURE_SCHOOL),
        (
            "p1",
            {
                "buy_in.approach": "mandate_all_by_date",
                "professional_development.format": "ongoing",
                "professional_development.coaching": True,
            },
        ),
    ]
    body = [as_body(answers, school_id=sid) for sid, answers in schools] + [{"tools": 1}]
    rollup = client.post("/v1/assessments/batch", json=body).json()["rollup"]

    # By hand, for p1: buy-in-mandated fires (critical, 4); buy-in-by-readiness mirrors it and carries no points,
    # so buy-in scores 0; pd-not-ongoing (4) and pd-no-coaching (1) are decided and met, the rest of
    # professional development waits on unanswered questions. Overall, 5 met points of the catalog's whole
    # weight; two of the eight foundation checks decided is too little for a stage. r1 and r2 are the rushed
    # district, m1 the mature school (100, sustaining).
    total = sum(
        PRIORITY_WEIGHT[c.rule.priority]
        for c in advisor.catalog.rules
        if c.rule.kind != "inconsistency" and not c.rule.mirrors
    )
    rushed = advisor.assess(profile_from_answers(RUSHED_DISTRICT)).readiness.score
    assert rushed is not None, "the rushed district answers enough to be scored"
    scores = [rushed, rushed, 100, round(100 * 5 / total)]
    assert (rollup["schools"], rollup["assessed"], rollup["invalid"]) == (5, 4, 1)
    assert rollup["stages"] == {"undetermined": 1, "exploring": 2, "preparing": 0, "implementing": 0, "sustaining": 1}
    assert rollup["provisional"] == 3
    assert rollup["overall"] == {
        "scored": 4,
        "mean": round(statistics.fmean(scores), 2),
        "stdev": round(statistics.pstdev(scores), 2),
        "min": min(scores),
        "max": 100,
    }
    pd = next(a for a in rollup["areas"] if a["area"] == "professional_development")
    assert pd["max"] == 100
    buy_in = next(a for a in rollup["areas"] if a["area"] == "buy_in")
    assert (buy_in["scored"], buy_in["mean"], buy_in["min"], buy_in["max"]) == (4, 25.0, 0, 100)
    top = {t["rule_id"]: (t["count"], t["share"]) for t in rollup["top_recommendations"]}
    assert top["buy-in-mandated"] == (3, 0.75)
    assert rollup["top_recommendations"][0]["rule_id"] == "buy-in-mandated"
    assert top["definition-not-written"] == (2, 0.5)
    critical = [(s["index"], s["school_id"]) for s in rollup["schools_with_critical"]]
    assert critical == [(0, "r1"), (1, "r2"), (3, "p1")]


def test_batch_over_the_limit_is_refused_with_the_limit(advisor: Advisor) -> None:
    with TestClient(create_app(advisor, Settings(batch_limit=3))) as small:
        response = small.post("/v1/assessments/batch", json=[as_body({})] * 4)
        assert response.status_code == 413
        assert response.headers["content-type"] == PROBLEM
        assert "limit is 3" in response.json()["detail"] and response.json()["limit"] == 3
        assert small.post("/v1/assessments/batch", json=[as_body({})] * 3).status_code == 200


@pytest.mark.parametrize(("body", "status"), [({"not": "a list"}, 422), (b"[{", 400)])
def test_a_batch_body_that_is_not_a_list_is_a_problem(client: TestClient[Litestar], body: object, status: int) -> None:
    if isinstance(body, bytes):
        response = client.post("/v1/assessments/batch", content=body, headers={"content-type": "application/json"})
    else:
        response = client.post("/v1/assessments/batch", json=body)
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM


def test_empty_batch_has_an_empty_rollup(client: TestClient[Litestar]) -> None:
    answer = client.post("/v1/assessments/batch", json=[]).json()
    assert answer["results"] == []
    assert answer["rollup"]["schools"] == 0 and answer["rollup"]["overall"]["mean"] is None


def test_district_priorities_rank_by_weight_times_share_not_by_frequency() -> None:
    builder = RollupBuilder("test")
    medium = ("review-results", "Review results together more often", "medium")
    critical = ("pd-not-ongoing", "Build a system of ongoing professional development", "critical")
    for index, recommendations in enumerate([(medium, critical), (medium, critical), (medium,)]):
        builder.add(
            Summary(
                index=index,
                school_id=None,
                name=None,
                score=50,
                stage="preparing",
                confidence="high",
                areas=(),
                provisional=False,
                recommendations=recommendations,
            )
        )
    top = builder.build().top_recommendations
    # Critical (4) for two schools in three: 2.67; medium (2) for all three: 2.0.
    assert [(t.rule_id, t.count, t.impact) for t in top] == [("pd-not-ongoing", 2, 2.6667), ("review-results", 3, 2.0)]
