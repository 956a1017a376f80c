"""``POST /v1/assessments``: one school's profile in, its assessment out."""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import Controller, post
from litestar.datastructures import State
from litestar.params import JSONBody, Parameter

from pladvisor.advice.what_if import what_if
from pladvisor.domain.assessment import Assessment, AssessmentSummary
from pladvisor.domain.profile import SchoolProfile
from pladvisor.domain.what_if import WhatIf

from .metrics import record_assessment, record_summary
from .problems import BAD_BODY
from .state import advisor_of

View = Literal["full", "summary"]


class AssessmentController(Controller):
    path = "/v1/assessments"
    tags = ("assessments",)

    @post("/", status_code=200, responses=BAD_BODY, summary="Assess one school", operation_id="assessSchool")
    async def assess(
        self,
        data: JSONBody[SchoolProfile],
        state: State,
        view: Annotated[
            View,
            Parameter(
                description="full (the default): the whole assessment. summary: the stage and its range, the "
                "scores, the verdict and the plan's steps by title, each as the full answer gives it, for a portal "
                "or a script that reads only those."
            ),
        ] = "full",
    ) -> Assessment | AssessmentSummary:
        """Readiness, ranked and explained next steps, strengths and follow-up questions for one school."""
        if view == "summary":
            summary = advisor_of(state).summarize(data)
            record_summary(summary)
            return summary
        assessment = advisor_of(state).assess(data)
        record_assessment(assessment)
        return assessment

    @post(
        "/what-if",
        status_code=200,
        sync_to_thread=True,
        responses=BAD_BODY,
        summary="What would move a school up",
        operation_id="askWhatIf",
    )
    def what_if(self, data: JSONBody[SchoolProfile], state: State) -> WhatIf:
        """The smallest sets of answer changes that reach the next stage, at most three, cheapest first (1 per
        open question answered, 2 per answer changed: the catalog's practice weights). Each is true (the changed
        answers are assessed at that stage) and minimal (without any one change the stage falls short); the
        search is bounded, and says so when it finds nothing. Worked in a thread: a search assesses a few
        hundred changed profiles."""
        return what_if(advisor_of(state), data)
