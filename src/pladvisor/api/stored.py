"""Storing on purpose: districts, their schools, and each school's dated assessments.

Every route acts for one organization, the owner of the key it was called with (or the one local
organization while no key is stored). Another organization's ids answer 404, as ids that do not
exist do. Database calls run in worker threads (``sync_to_thread``), off the event loop.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any, TypeVar

import msgspec
from litestar import Controller, Litestar, MediaType, Request, Response, delete, get, patch, post
from litestar.datastructures import State
from litestar.exceptions import NotAuthorizedException
from litestar.params import JSONBody, Parameter

from pladvisor.advice.actions import action_out
from pladvisor.advice.advisor import Advisor
from pladvisor.advice.findings import current_findings
from pladvisor.advice.progress import progress
from pladvisor.advice.rollout import rollout as plan_rollout
from pladvisor.api.paths import PathId
from pladvisor.domain.problems import FieldError
from pladvisor.domain.stored import (
    ActionChange,
    ActionOut,
    Dated,
    Deleted,
    DistrictOut,
    Lens,
    NewAction,
    NewDistrict,
    NewSchool,
    NewStoredAssessment,
    Rollout,
    SchoolHistory,
    SchoolOut,
    SchoolProgress,
    StoredAssessmentOut,
)
from pladvisor.reports import render_district_page
from pladvisor.storage.database import DatabaseError, make_engine
from pladvisor.storage.store import ActionProblem, AdoptedAction, NotFound, Store

from .metrics import record_assessment
from .problems import BAD_BODY, invalid_body, not_found, problem, problem_response
from .security import presented_key
from .state import advisor_of

Created = TypeVar("Created")

MISSING = {404: problem_response(404, "No such district, school or assessment in the caller's organization.")}
UNAVAILABLE = {503: problem_response(503, "The database is not set up: run `pladvisor db upgrade`.")}


def store_of(state: State) -> Store:
    """The store, opened on first use: a service that never stores never needs its database set up."""
    store: Store | None = state.get("store")
    if store is None:
        try:
            store = Store(make_engine(state.settings.database_url))
        except DatabaseError as exc:
            raise problem(503, "storage-unavailable", "Storage unavailable", str(exc)) from exc
        state.store = store
    return store


def close_store(app: Litestar) -> None:
    """At shutdown, the store's connections are closed rather than left to the collector."""
    store: Store | None = app.state.get("store")
    if store is not None:
        store.close()


def organization_of(request: Request[Any, Any, Any], store: Store) -> str:
    key = presented_key(request)
    if key:
        organization = store.organization_for_key(key)
        if organization is not None:
            return organization
    if store.keys_in_use():
        raise NotAuthorizedException(
            "Send your organization's API key in X-API-Key or Authorization: Bearer.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return store.local_organization()


def _action(advisor: Advisor, action: AdoptedAction, later: Dated | None) -> ActionOut:
    return action_out(advisor, **dataclasses.asdict(action), later=later, today=date.today())


def _listed(store: Store, organization: str, school_id: str, action_id: str, advisor: Advisor) -> ActionOut:
    """An action as the school's list shows it, checked in against the latest assessment."""
    listed = {action.id: (action, later) for action, later in store.actions(organization, school_id)}
    if action_id not in listed:
        raise NotFound("no such action")  # deleted with its school since
    return _action(advisor, *listed[action_id])


def scoped(request: Request[Any, Any, Any], state: State) -> tuple[Store, str]:
    """The store, and the organization the request acts for."""
    store = store_of(state)
    return store, organization_of(request, store)


@contextmanager
def found() -> Iterator[None]:
    """A row missing from the caller's organization answers 404, whether it exists elsewhere or not at all."""
    try:
        yield
    except NotFound as exc:
        raise missing(exc) from exc


def created(body: Created, location: str) -> Response[Created]:
    """A 201 whose Location says where the new resource is, so a client need not build its URL from the body."""
    return Response(body, status_code=201, headers={"Location": location})


def stored_assessment_url(stored: StoredAssessmentOut) -> str:
    return f"/v1/schools/{stored.school_id}/assessments/{stored.id}"


def missing(exc: NotFound) -> Exception:
    return not_found("Stored item", f"{str(exc).capitalize()} in your organization.")


class DistrictController(Controller):
    path = "/v1/districts"
    tags = ("storage",)

    @post(
        "/",
        status_code=201,
        sync_to_thread=True,
        responses={**BAD_BODY, **UNAVAILABLE},
        summary="Store a district",
        operation_id="createDistrict",
    )
    def create(
        self, data: JSONBody[NewDistrict], request: Request[Any, Any, Any], state: State
    ) -> Response[DistrictOut]:
        store = store_of(state)
        district = store.create_district(organization_of(request, store), data.name)
        return created(district, f"/v1/districts/{district.id}")

    @get(
        "/",
        sync_to_thread=True,
        responses=UNAVAILABLE,
        summary="The organization's districts",
        operation_id="listDistricts",
    )
    def all_districts(self, request: Request[Any, Any, Any], state: State) -> list[DistrictOut]:
        store = store_of(state)
        return store.districts(organization_of(request, store))

    @get(
        "/{district_id:str}",
        sync_to_thread=True,
        responses={**MISSING, **UNAVAILABLE},
        summary="One district",
        operation_id="getDistrict",
    )
    def one(self, district_id: PathId, request: Request[Any, Any, Any], state: State) -> DistrictOut:
        store, organization = scoped(request, state)
        with found():
            return store.district(organization, district_id)

    @get(
        "/{district_id:str}/rollout",
        sync_to_thread=True,
        responses={**MISSING, **UNAVAILABLE, 422: problem_response(422, "The lens or capacity is not valid.")},
        summary="The district's schools placed into roll-out waves",
        operation_id="getRollout",
    )
    def rollout(
        self,
        district_id: PathId,
        request: Request[Any, Any, Any],
        state: State,
        lens: Annotated[
            Lens, Parameter(description="readiness: proof points first; need: the district's need figure first.")
        ] = "readiness",
        capacity: Annotated[
            int | None, Parameter(ge=1, le=10_000, description="Most schools per wave; a third of them when unset.")
        ] = None,
    ) -> Rollout:
        """Each school by its latest assessment: proof points (every foundation met), then schools one or two
        foundations away (naming which), then schools that need foundations first; each placement explained."""
        store, organization = scoped(request, state)
        with found():
            schools = store.latest_by_school(organization, district_id)
        return plan_rollout(advisor_of(state), district_id, schools, lens, capacity)

    @get(
        "/{district_id:str}/page",
        media_type=MediaType.HTML,
        sync_to_thread=True,
        responses={**MISSING, **UNAVAILABLE, 422: problem_response(422, "The lens or capacity is not valid.")},
        summary="The district's printable roll-out page",
        operation_id="getDistrictPage",
    )
    def page(
        self,
        district_id: PathId,
        request: Request[Any, Any, Any],
        state: State,
        lens: Annotated[Lens, Parameter(description="As for the roll-out.")] = "readiness",
        capacity: Annotated[int | None, Parameter(ge=1, le=10_000, description="As for the roll-out.")] = None,
    ) -> Response[str]:
        """The waves with each placement explained and each school's scores over time as a small SVG chart; no
        scripts, so it prints as shown."""
        store, organization = scoped(request, state)
        advisor = advisor_of(state)
        with found():
            district, history = store.district_over_time(organization, district_id)
        latest = [(school, history[school.id][-1] if history[school.id] else None) for school in district.schools]
        plan = plan_rollout(advisor, district_id, latest, lens, capacity)
        trends = {
            school_id: [current_findings(advisor, dated).score for dated in dated_list]
            for school_id, dated_list in history.items()
        }
        page = render_district_page(district, plan, trends, advisor.catalog.version)
        return Response(page, media_type=MediaType.HTML)

    @post(
        "/{district_id:str}/schools",
        status_code=201,
        sync_to_thread=True,
        responses={**BAD_BODY, **MISSING, **UNAVAILABLE},
        summary="Add a school to a district",
        operation_id="addSchool",
    )
    def add_school(
        self, district_id: PathId, data: JSONBody[NewSchool], request: Request[Any, Any, Any], state: State
    ) -> Response[SchoolOut]:
        store, organization = scoped(request, state)
        with found():
            school = store.add_school(organization, district_id, data.name, data.external_id, data.need)
        return created(school, f"/v1/schools/{school.id}")


class SchoolController(Controller):
    path = "/v1/schools"
    tags = ("storage",)

    @get(
        "/{school_id:str}",
        sync_to_thread=True,
        responses={**MISSING, **UNAVAILABLE},
        summary="One school",
        operation_id="getSchool",
    )
    def one(self, school_id: PathId, request: Request[Any, Any, Any], state: State) -> SchoolOut:
        store, organization = scoped(request, state)
        with found():
            return store.school(organization, school_id)

    @delete(
        "/{school_id:str}",
        status_code=200,
        sync_to_thread=True,
        responses={**MISSING, **UNAVAILABLE},
        summary="Delete a school and its history",
        operation_id="deleteSchool",
    )
    def remove(self, school_id: PathId, request: Request[Any, Any, Any], state: State) -> Deleted:
        """Deletes the school with every assessment stored for it, and says how many."""
        store, organization = scoped(request, state)
        with found():
            return store.delete_school(organization, school_id)

    @post(
        "/{school_id:str}/assessments",
        status_code=201,
        sync_to_thread=True,
        responses={**BAD_BODY, **MISSING, **UNAVAILABLE},
        summary="Assess a school and store the dated assessment",
        operation_id="storeAssessment",
    )
    def store_assessment(
        self,
        school_id: PathId,
        data: JSONBody[NewStoredAssessment],
        request: Request[Any, Any, Any],
        state: State,
    ) -> Response[StoredAssessmentOut]:
        store, organization = scoped(request, state)
        assessment = advisor_of(state).assess(data.profile)
        with found():
            stored = store.store_assessment(organization, school_id, data.assessed_on, data.profile, assessment)
        record_assessment(assessment)
        return created(stored, stored_assessment_url(stored))

    @get(
        "/{school_id:str}/assessments",
        sync_to_thread=True,
        responses={**MISSING, **UNAVAILABLE},
        summary="A school's stored assessments",
        operation_id="listSchoolAssessments",
    )
    def history(self, school_id: PathId, request: Request[Any, Any, Any], state: State) -> SchoolHistory:
        store, organization = scoped(request, state)
        with found():
            return store.history(organization, school_id)

    @post(
        "/{school_id:str}/actions",
        status_code=201,
        sync_to_thread=True,
        responses={**BAD_BODY, **MISSING, **UNAVAILABLE},
        summary="Adopt a 'now' item of a stored assessment as an action",
        operation_id="adoptAction",
    )
    def adopt(
        self, school_id: PathId, data: JSONBody[NewAction], request: Request[Any, Any, Any], state: State
    ) -> Response[ActionOut]:
        """The item gets an owner and a due date; later assessments say whether its rule is resolved."""
        store, organization = scoped(request, state)
        try:
            with found():
                action_id = store.adopt_action(
                    organization, school_id, data.assessment_id, data.rule_id, data.owner, data.due_on
                )
                action = _listed(store, organization, school_id, action_id, advisor_of(state))
        except ActionProblem as exc:
            raise invalid_body([FieldError(field="rule_id", message=str(exc))]) from exc
        return created(action, f"/v1/schools/{school_id}/actions/{action.id}")

    @get(
        "/{school_id:str}/actions",
        sync_to_thread=True,
        responses={**MISSING, **UNAVAILABLE},
        summary="A school's actions, with what the latest assessment says of each",
        operation_id="listActions",
    )
    def actions(self, school_id: PathId, request: Request[Any, Any, Any], state: State) -> list[ActionOut]:
        store, organization = scoped(request, state)
        with found():
            listed = store.actions(organization, school_id)
        return [_action(advisor_of(state), action, later) for action, later in listed]

    @patch(
        "/{school_id:str}/actions/{action_id:str}",
        sync_to_thread=True,
        responses={**BAD_BODY, **MISSING, **UNAVAILABLE},
        summary="Change an action's status, owner or due date",
        operation_id="changeAction",
    )
    def change(
        self,
        school_id: PathId,
        action_id: PathId,
        data: JSONBody[ActionChange],
        request: Request[Any, Any, Any],
        state: State,
    ) -> ActionOut:
        store, organization = scoped(request, state)
        with found():
            store.change_action(organization, school_id, action_id, data.model_dump(exclude_none=True))
            return _listed(store, organization, school_id, action_id, advisor_of(state))

    @get(
        "/{school_id:str}/progress",
        sync_to_thread=True,
        responses={**MISSING, **UNAVAILABLE},
        summary="A school's progress over its stored assessments",
        operation_id="getSchoolProgress",
    )
    def progress(self, school_id: PathId, request: Request[Any, Any, Any], state: State) -> SchoolProgress:
        """The timeline of stage and scores; between each two assessments what was resolved, what is new, what was
        no longer answered and the growth to celebrate; how often the school changed its model; and how long since
        the why was revisited."""
        store, organization = scoped(request, state)
        with found():
            school, history, actions = store.over_time(organization, school_id)
        advisor = advisor_of(state)
        overdue = tuple(a for a in (_action(advisor, action, later) for action, later in actions) if a.overdue)
        return msgspec.structs.replace(progress(advisor, school, history), overdue_actions=overdue)

    @get(
        "/{school_id:str}/assessments/{assessment_id:str}",
        sync_to_thread=True,
        responses={**MISSING, **UNAVAILABLE},
        summary="One stored assessment",
        operation_id="getAssessment",
    )
    def one_assessment(
        self, school_id: PathId, assessment_id: PathId, request: Request[Any, Any, Any], state: State
    ) -> StoredAssessmentOut:
        store, organization = scoped(request, state)
        with found():
            return store.stored_assessment(organization, school_id, assessment_id)
