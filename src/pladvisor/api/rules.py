"""``GET /v1/rules``: the catalog as data, for people and programs that want to know what is checked and why."""

from __future__ import annotations

from litestar import Controller, get
from litestar.datastructures import State

from pladvisor.api.paths import PathId
from pladvisor.domain.rules import CatalogView, Rule

from .problems import not_found, problem_response
from .state import advisor_of


class RuleController(Controller):
    path = "/v1/rules"
    tags = ("rules",)

    @get("/", summary="The rule catalog")
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

    @get("/{rule_id:str}", responses={404: problem_response(404, "No rule has this id.")}, summary="One rule")
    async def rule(self, rule_id: PathId, state: State) -> Rule:
        compiled = advisor_of(state).catalog.by_id.get(rule_id)
        if compiled is None:
            raise not_found("Rule", f"No rule has the id {rule_id!r}; GET /v1/rules lists them.")
        return compiled.rule
