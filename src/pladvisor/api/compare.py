"""``POST /v1/assessments/compare``: what changed between two assessments of one school."""

from __future__ import annotations

from litestar import Controller, post
from litestar.datastructures import State
from litestar.params import JSONBody

from pladvisor.advice.compare import compare_profiles
from pladvisor.domain.compare import Comparison, ComparisonRequest

from .problems import BAD_BODY
from .state import advisor_of


class CompareController(Controller):
    path = "/v1/assessments/compare"
    tags = ("assessments",)

    @post(
        "/", status_code=200, responses=BAD_BODY, summary="Compare two assessments", operation_id="compareAssessments"
    )
    async def compare(self, data: JSONBody[ComparisonRequest], state: State) -> Comparison:
        """Score changes; advice resolved, unconfirmed (left blank), new and still open; questions no longer or
        newly answered; strengths gained or lost, in numbers and in words."""
        return compare_profiles(advisor_of(state), data.before, data.after)
