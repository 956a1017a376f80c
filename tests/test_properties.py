"""Properties that hold for every valid profile, checked on generated ones."""

import msgspec
from hypothesis import HealthCheck, given, settings

from pladvisor.advice.advisor import Advisor
from pladvisor.advice.ranking import MAX_NOW
from pladvisor.domain.assessment import Assessment
from pladvisor.domain.profile import SchoolProfile

from .strategies import profiles

HORIZON_ORDER = {"now": 0, "next": 1, "later": 2}
property_settings = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@property_settings
@given(profile=profiles())
def test_any_valid_profile_gets_a_valid_answer(advisor: Advisor, profile: SchoolProfile) -> None:
    answer = advisor.assess(profile)
    assert msgspec.json.decode(msgspec.json.encode(answer), type=Assessment) == answer
    assert answer.catalog_version == advisor.catalog.version
    score = answer.readiness.score
    assert score is None or 0 <= score <= 100
    assert all(a.score is None or 0 <= a.score <= 100 for a in answer.readiness.areas)


@property_settings
@given(profile=profiles())
def test_ranks_run_one_to_n_without_gaps_and_horizons_never_go_back(advisor: Advisor, profile: SchoolProfile) -> None:
    plan = advisor.assess(profile).recommendations
    assert [item.rank for item in plan] == list(range(1, len(plan) + 1))
    horizons = [HORIZON_ORDER[item.horizon] for item in plan]
    assert horizons == sorted(horizons)
    assert horizons.count(0) <= MAX_NOW


@property_settings
@given(profile=profiles())
def test_no_rule_appears_twice(advisor: Advisor, profile: SchoolProfile) -> None:
    answer = advisor.assess(profile)
    ids = [item.rule_id for item in answer.recommendations] + [s.rule_id for s in answer.strengths]
    assert len(ids) == len(set(ids))


@property_settings
@given(profile=profiles())
def test_the_same_profile_always_gets_the_same_answer(advisor: Advisor, profile: SchoolProfile) -> None:
    assert advisor.assess(profile) == advisor.assess(profile.model_copy(deep=True))


@property_settings
@given(profile=profiles())
def test_evidence_quotes_only_answers_the_school_gave(advisor: Advisor, profile: SchoolProfile) -> None:
    given_answers = profile.model_dump(exclude_none=True)
    answer = advisor.assess(profile)
    implied = {e.field: e.value for e in answer.answers_inferred}
    for item in answer.recommendations:
        for evidence in item.evidence:
            if evidence.field in implied:  # taken from another answer, and said so
                assert implied[evidence.field] == evidence.value
                continue
            area, name = evidence.field.split(".")
            given = given_answers[area][name]
            assert (tuple(given) if isinstance(given, list) else given) == evidence.value
