"""``GET /v1/questionnaire``: the intake questions, as data and as a working HTML form.

The form has its own path rather than answering ``Accept: text/html`` on the JSON one,
so each path has one media type in the API contract and the form can be linked to.
"""

from __future__ import annotations

from litestar import Controller, MediaType, get
from litestar.datastructures import State
from litestar.response import Template

from pladvisor.advice.questionnaire import build_questionnaire
from pladvisor.domain.fields import areas, required_areas
from pladvisor.domain.profile import MAX_TEXT
from pladvisor.domain.questionnaire import Questionnaire
from pladvisor.reports import FORM

from .state import advisor_of


class QuestionnaireController(Controller):
    path = "/v1/questionnaire"
    tags = ("questionnaire",)

    @get("/", summary="The intake questionnaire")
    async def questionnaire(self, state: State) -> Questionnaire:
        """Every profile question in form order: its field, kind, accepted values and the points it informs."""
        return build_questionnaire(advisor_of(state).catalog)

    @get("/form", media_type=MediaType.HTML, summary="The intake form")
    async def form(self, state: State) -> Template:
        """An HTML form built from the questionnaire; it posts to /v1/assessments and shows the answer."""
        return Template(
            template_name=FORM,
            context={
                "questionnaire": build_questionnaire(advisor_of(state).catalog),
                "required_sections": [area for area in areas() if area in required_areas()],
                "max_text": MAX_TEXT,
            },
        )
