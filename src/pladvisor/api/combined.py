"""``POST /v1/assessments/combined``: one school's respondents in, the combined assessment out.

The body's type is made from the catalog's declarations when the application is built (which
role is asked which question, in what kind), so the handler is made then too; this module
therefore evaluates its annotations at definition time rather than postponing them.
"""

from typing import Any

from litestar import post
from litestar.datastructures import State
from litestar.handlers import HTTPRouteHandler
from litestar.params import JSONBody

from pladvisor.advice.combine import CombineError, Combiner, as_combined_request, request_model
from pladvisor.domain.respondents import CombinedAssessment

from .metrics import record_assessment
from .problems import BAD_BODY, invalid_body
from .state import combiner_of

PATH = "/v1/assessments/combined"


def combined_handler(combiner: Combiner) -> HTTPRouteHandler:
    """The route, with a body type listing what each role may answer under this catalog."""
    body: Any = request_model(combiner.respondents)

    @post(
        PATH,
        status_code=200,
        responses=BAD_BODY,
        summary="Assess one school from several respondents",
        tags=["assessments"],
    )
    async def combined(data: JSONBody[body], state: State) -> CombinedAssessment:
        """Leaders', teachers', coaches', students' and families' answers combined into one profile and assessed,
        with how each answer was combined, the perception gaps between roles, where teachers are in the shift
        and agreement by area. No surveyed role is shown by role below the anonymity floor; respondent ids are
        never echoed."""
        try:
            answer = combiner_of(state).combine(as_combined_request(data))
        except CombineError as exc:
            raise invalid_body(exc.errors) from exc
        record_assessment(answer.assessment)
        return answer

    return combined
