"""``GET /v1/questionnaire``: the intake questions, as data and as a working HTML form.

The form has its own path rather than answering ``Accept: text/html`` on the JSON one,
so each path has one media type in the API contract and the form can be linked to.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, MediaType, get
from litestar.datastructures import State
from litestar.params import Parameter
from litestar.response import Template

from pladvisor.advice.questionnaire import build_questionnaire
from pladvisor.domain.fields import areas, required_areas
from pladvisor.domain.profile import MAX_TEXT
from pladvisor.domain.questionnaire import Questionnaire
from pladvisor.domain.respondents import Role
from pladvisor.reports import FORM

from .problems import problem_response
from .state import advisor_of, combiner_of


class QuestionnaireController(Controller):
    path = "/v1/questionnaire"
    tags = ("questionnaire",)

    @get(
        "/",
        summary="The intake questionnaire",
        operation_id="getQuestionnaire",
        responses={422: problem_response(422, "The role is not one of the roles.")},
    )
    async def questionnaire(
        self,
        state: State,
        role: Annotated[
            Role | None,
            Parameter(description="Word the questions for one respondent role, with only the questions it is asked."),
        ] = None,
    ) -> Questionnaire:
        """Every profile question in form order: its field, kind, accepted values and the points it informs; with
        ``role``, the questions that role answers for a combined assessment, in its own words."""
        return build_questionnaire(advisor_of(state).catalog, combiner_of(state).respondents, role)

    @get(
        "/form",
        media_type=MediaType.HTML,
        summary="The intake form",
        operation_id="getIntakeForm",
        responses={422: problem_response(422, "The role is not one of the roles.")},
    )
    async def form(
        self,
        state: State,
        role: Annotated[
            Role | None,
            Parameter(description="Ask one respondent role's questions, in its words, for a combined assessment."),
        ] = None,
    ) -> Template:
        """An HTML form built from the questionnaire; it posts to /v1/assessments and shows the answer, or, for a
        role, posts that respondent's response to /v1/assessments/combined."""
        respondents = combiner_of(state).respondents
        return Template(
            template_name=FORM,
            context={
                "questionnaire": build_questionnaire(advisor_of(state).catalog, respondents, role),
                "required_sections": [area for area in areas() if area in required_areas()] if role is None else [],
                "max_text": MAX_TEXT,
                "role": role,
                "roles": list(respondents.roles),
                "role_titles": {r: info.title for r, info in respondents.roles.items()},
            },
        )
