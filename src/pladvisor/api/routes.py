"""HTTP handlers: thin translations between requests and the advisor."""

from __future__ import annotations

from litestar import Controller, MediaType, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody

from pladvisor.domain.assessment import Assessment
from pladvisor.domain.profile import SchoolProfile
from pladvisor.domain.rules import CatalogView, Rule
from pladvisor.engine.advisor import Advisor

from .problems import not_found, problem_response

BAD_BODY = {
    400: problem_response(400, "The body is not valid JSON."),
    413: problem_response(413, "The body is larger than the configured limit."),
    415: problem_response(415, "The body is not declared as application/json."),
    422: problem_response(422, "The body failed validation; `errors` names each field."),
}


def advisor_of(state: State) -> Advisor:
    advisor: Advisor = state.advisor
    return advisor


class AssessmentController(Controller):
    path = "/v1/assessments"
    tags = ["assessments"]

    @post("/", status_code=200, responses=BAD_BODY, summary="Assess one school")
    async def assess(self, data: JSONBody[SchoolProfile], state: State) -> Response[Assessment]:
        """Readiness, ranked and explained next steps, strengths and follow-up questions for one school."""
        return Response(advisor_of(state).assess_json(data), media_type=MediaType.JSON)


class RuleController(Controller):
    path = "/v1/rules"
    tags = ["rules"]

    @get("/", summary="The rule catalog")
    async def catalog(self, state: State) -> CatalogView:
        """Every documented point, the foundations the top stages need, and every rule: what it checks, what it
        advises, its source, and whether the article says it (documented) or the catalog judges it (practice)."""
        catalog = advisor_of(state).catalog
        return CatalogView(
            version=catalog.version, points=list(catalog.points.values()), foundations=list(catalog.foundations),
            rules=[c.rule for c in catalog.rules],
        )

    @get("/{rule_id:str}", responses={404: problem_response(404, "No rule has this id.")}, summary="One rule")
    async def rule(self, rule_id: FromPath[str], state: State) -> Rule:
        compiled = advisor_of(state).catalog.by_id.get(rule_id)
        if compiled is None:
            raise not_found("Rule", f"No rule has the id {rule_id!r}; GET /v1/rules lists them.")
        return compiled.rule
