"""``POST /v1/assessments``: one school's profile in, its assessment out."""

from __future__ import annotations

from litestar import Controller, post
from litestar.datastructures import State
from litestar.params import JSONBody

from pladvisor.domain.assessment import Assessment
from pladvisor.domain.profile import SchoolProfile

from .metrics import record_assessment
from .problems import BAD_BODY
from .state import advisor_of


class AssessmentController(Controller):
    path = "/v1/assessments"
    tags = ("assessments",)

    @post("/", status_code=200, responses=BAD_BODY, summary="Assess one school")
    async def assess(self, data: JSONBody[SchoolProfile], state: State) -> Assessment:
        """Readiness, ranked and explained next steps, strengths and follow-up questions for one school."""
        assessment = advisor_of(state).assess(data)
        record_assessment(assessment)
        return assessment
