"""``POST /v1/assessments/compare``: what changed between two assessments of one school."""

from __future__ import annotations

from litestar import Controller, post
from litestar.datastructures import State
from litestar.params import JSONBody

from pladvisor.domain.compare import Comparison, ComparisonRequest
from pladvisor.engine.compare import compare

from .routes import BAD_BODY, advisor_of


class CompareController(Controller):
    path = "/v1/assessments/compare"
    tags = ["assessments"]

    @post("/", status_code=200, responses=BAD_BODY, summary="Compare two assessments")
    async def compare(self, data: JSONBody[ComparisonRequest], state: State) -> Comparison:
        """Score changes, advice resolved, new and still open, strengths gained or lost, in numbers and in words."""
        advisor = advisor_of(state)
        return compare(advisor.assess(data.before), advisor.assess(data.after))
