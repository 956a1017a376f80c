"""``GET /v1/rules``: the catalog as data, for people and programs that want to know what is checked and why;
``POST /v1/rules/{rule_id}/check``: why one rule fires or not for one school."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.params import JSONBody
from litestar.plugins.problem_details import ProblemDetailsException

from pladvisor.advice.rule_check import check
from pladvisor.api.paths import PathId
from pladvisor.domain.profile import SchoolProfile
from pladvisor.domain.rules import CatalogView, Rule, RuleCheck

from .problems import BAD_BODY, not_found, problem_response
from .state import advisor_of

NO_SUCH_RULE = {404: problem_response(404, "No rule has this id.")}


def _no_rule(rule_id: str) -> ProblemDetailsException:
    return not_found("Rule", f"No rule has the id {rule_id!r}; GET /v1/rules lists them.")


class RuleController(Controller):
    path = "/v1/rules"
    tags = ("rules",)

    @get("/", summary="The rule catalog", operation_id="getRuleCatalog")
    async def catalog(self, state: State) -> CatalogView:
        """Every documented point, the foundations the top stages need, and every rule: what it checks, what it
        advises, its source, and whether the article says it (documented) or the catalog judges it (practice)."""
        catalog = advisor_of(state).catalog
        return CatalogView(
            version=catalog.version,
            points=list(catalog.points.values()),
            foundations=list(catalog.foundations),
            opening=list(catalog.opening),
            rules=[c.rule for c in catalog.rules],
        )

    @get("/{rule_id:str}", responses=NO_SUCH_RULE, summary="One rule", operation_id="getRule")
    async def rule(self, rule_id: PathId, state: State) -> Rule:
        compiled = advisor_of(state).catalog.by_id.get(rule_id)
        if compiled is None:
            raise _no_rule(rule_id)
        return compiled.rule

    @post(
        "/{rule_id:str}/check",
        status_code=200,
        responses={**BAD_BODY, **NO_SUCH_RULE},
        summary="Why one rule fires or not for a school",
        operation_id="checkRule",
    )
    async def check(self, rule_id: PathId, data: JSONBody[SchoolProfile], state: State) -> RuleCheck:
        """Whether one rule fires for a school's answers (the body POST /v1/assessments takes), why, part by part
        of its condition, and where the assessment shows it."""
        advisor = advisor_of(state)
        if rule_id not in advisor.catalog.by_id:
            raise _no_rule(rule_id)
        return check(advisor, data, rule_id)
