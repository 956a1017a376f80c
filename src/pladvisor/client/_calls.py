"""Every operation of the API as a :class:`Call`: its method, path, query and body, the type its answer
decodes to, and whether it stores. Both clients send these, so an operation is described here once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar
from urllib.parse import quote

from pydantic import BaseModel

from pladvisor.client._errors import InvalidIdError
from pladvisor.domain.assessment import Assessment, AssessmentSummary
from pladvisor.domain.batch import BatchResult, BatchSummaryResult
from pladvisor.domain.profile import SchoolProfile
from pladvisor.domain.respondents import CombinedAssessment, CombinedRequest
from pladvisor.domain.rules import CatalogView, Rule, RuleCheck
from pladvisor.domain.stored import (
    ActionOut,
    ActionStatus,
    Deleted,
    DistrictOut,
    Lens,
    Rollout,
    SchoolHistory,
    SchoolOut,
    SchoolProgress,
    StoredAssessmentOut,
)
from pladvisor.domain.what_if import WhatIf

Profile = SchoolProfile | Mapping[str, Any]
Responses = CombinedRequest | Mapping[str, Any]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Call(Generic[T]):
    """One API operation: what to send, and the type its answer decodes to.

    ``stores`` marks an operation that would store twice if repeated after the service acted on it."""

    method: str
    path: str
    answer: type[T]
    body: Any = None
    params: Mapping[str, str | int] | None = None
    stores: bool = False


def segment(argument: str, value: str) -> str:
    """The id passed as ``argument``, as one path segment, so that an id holding "?" or "#" names one item
    rather than another path; its dots are escaped too, as httpx would resolve an id of ".." as a step up the
    path. An id that cannot be one segment (see :class:`InvalidIdError`) is refused before anything is sent."""
    if not value or "/" in value:
        raise InvalidIdError(argument, value)
    return quote(value, safe="").replace(".", "%2E")


def payload(profile: Profile) -> Any:
    if isinstance(profile, BaseModel):
        return profile.model_dump(mode="json", exclude_none=True)
    return profile


def _present(**members: Any) -> dict[str, Any]:
    """The members given a value: an optional field left unset is not sent, so the service's default applies."""
    return {name: value for name, value in members.items() if value is not None}


def _responses(responses: Responses) -> Mapping[str, Any]:
    return responses.model_dump(mode="json", exclude_none=True) if isinstance(responses, BaseModel) else responses


def health() -> Call[dict[str, Any]]:
    return Call("GET", "/health", dict[str, Any])


def assess(profile: Profile) -> Call[Assessment]:
    return Call("POST", "/v1/assessments", Assessment, payload(profile))


def summarize(profile: Profile) -> Call[AssessmentSummary]:
    return Call("POST", "/v1/assessments", AssessmentSummary, payload(profile), params={"view": "summary"})


def what_if(profile: Profile) -> Call[WhatIf]:
    return Call("POST", "/v1/assessments/what-if", WhatIf, payload(profile))


def check_rule(rule_id: str, profile: Profile) -> Call[RuleCheck]:
    return Call("POST", f"/v1/rules/{segment('rule_id', rule_id)}/check", RuleCheck, payload(profile))


def assess_combined(responses: Responses) -> Call[CombinedAssessment]:
    return Call("POST", "/v1/assessments/combined", CombinedAssessment, _responses(responses))


def assess_batch(profiles: Iterable[Profile]) -> Call[BatchResult]:
    return Call("POST", "/v1/assessments/batch", BatchResult, [payload(p) for p in profiles])


def summarize_batch(profiles: Iterable[Profile]) -> Call[BatchSummaryResult]:
    body = [payload(p) for p in profiles]
    return Call("POST", "/v1/assessments/batch", BatchSummaryResult, body, params={"view": "summary"})


def rules() -> Call[CatalogView]:
    return Call("GET", "/v1/rules", CatalogView)


def rule(rule_id: str) -> Call[Rule]:
    return Call("GET", f"/v1/rules/{segment('rule_id', rule_id)}", Rule)


def create_district(name: str) -> Call[DistrictOut]:
    return Call("POST", "/v1/districts", DistrictOut, {"name": name}, stores=True)


def districts() -> Call[list[DistrictOut]]:
    return Call("GET", "/v1/districts", list[DistrictOut])


def district(district_id: str) -> Call[DistrictOut]:
    return Call("GET", f"/v1/districts/{segment('district_id', district_id)}", DistrictOut)


def add_school(district_id: str, name: str, external_id: str | None, need: float | None) -> Call[SchoolOut]:
    body = _present(name=name, external_id=external_id, need=need)
    return Call("POST", f"/v1/districts/{segment('district_id', district_id)}/schools", SchoolOut, body, stores=True)


def rollout(district_id: str, lens: Lens, capacity: int | None) -> Call[Rollout]:
    params = _present(lens=lens, capacity=capacity)
    return Call("GET", f"/v1/districts/{segment('district_id', district_id)}/rollout", Rollout, params=params)


def _school(school_id: str) -> str:
    return f"/v1/schools/{segment('school_id', school_id)}"


def school(school_id: str) -> Call[SchoolOut]:
    return Call("GET", _school(school_id), SchoolOut)


def delete_school(school_id: str) -> Call[Deleted]:
    return Call("DELETE", _school(school_id), Deleted)


def store_assessment(school_id: str, assessed_on: date, profile: Profile) -> Call[StoredAssessmentOut]:
    body = {"assessed_on": assessed_on.isoformat(), "profile": payload(profile)}
    return Call("POST", f"{_school(school_id)}/assessments", StoredAssessmentOut, body, stores=True)


def store_combined(school_id: str, assessed_on: date, responses: Responses) -> Call[StoredAssessmentOut]:
    body = {**_responses(responses), "assessed_on": assessed_on.isoformat()}
    return Call("POST", f"{_school(school_id)}/assessments/combined", StoredAssessmentOut, body, stores=True)


def history(school_id: str) -> Call[SchoolHistory]:
    return Call("GET", f"{_school(school_id)}/assessments", SchoolHistory)


def stored_assessment(school_id: str, assessment_id: str) -> Call[StoredAssessmentOut]:
    path = f"{_school(school_id)}/assessments/{segment('assessment_id', assessment_id)}"
    return Call("GET", path, StoredAssessmentOut)


def progress(school_id: str) -> Call[SchoolProgress]:
    return Call("GET", f"{_school(school_id)}/progress", SchoolProgress)


def adopt_action(school_id: str, assessment_id: str, rule_id: str, owner: str, due_on: date) -> Call[ActionOut]:
    body = {"assessment_id": assessment_id, "rule_id": rule_id, "owner": owner, "due_on": due_on.isoformat()}
    return Call("POST", f"{_school(school_id)}/actions", ActionOut, body, stores=True)


def actions(school_id: str) -> Call[list[ActionOut]]:
    return Call("GET", f"{_school(school_id)}/actions", list[ActionOut])


def change_action(
    school_id: str, action_id: str, status: ActionStatus | None, owner: str | None, due_on: date | None
) -> Call[ActionOut]:
    body = _present(status=status, owner=owner, due_on=due_on.isoformat() if due_on else None)
    return Call("PATCH", f"{_school(school_id)}/actions/{segment('action_id', action_id)}", ActionOut, body)
