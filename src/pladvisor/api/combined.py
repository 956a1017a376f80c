"""``POST /v1/assessments/combined``: one school's respondents in, the combined assessment out.

The body's type is made from the catalog's declarations when the application is built (which
role is asked which question, in what kind), so the handler is made then too; this module
therefore evaluates its annotations at definition time rather than postponing them.
"""

from typing import Any

from litestar import Request, Response, post
from litestar.datastructures import State
from litestar.handlers import HTTPRouteHandler
from litestar.params import JSONBody
from pydantic import Field, create_model

from pladvisor.advice.combine import Combiner
from pladvisor.advice.combined_request import CombineError, as_combined_request, request_model
from pladvisor.api.paths import PathId
from pladvisor.domain.respondents import CombinedAssessment
from pladvisor.domain.stored import Day, StoredAssessmentOut
from pladvisor.storage.store import NotFound

from .metrics import record_assessment
from .problems import BAD_BODY, invalid_body
from .state import combiner_of
from .stored import MISSING, UNAVAILABLE, created, missing, organization_of, store_of, stored_assessment_url

PATH = "/v1/assessments/combined"


def combined_handler(combiner: Combiner) -> HTTPRouteHandler:
    """The route, with a body type listing what each role may answer under this catalog."""
    body: Any = request_model(combiner.respondents)

    @post(
        PATH,
        status_code=200,
        responses=BAD_BODY,
        summary="Assess one school from several respondents",
        operation_id="assessRespondents",
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


def stored_combined_handler(combiner: Combiner) -> HTTPRouteHandler:
    """``POST /v1/schools/{school_id}/assessments/combined``: the same body with the day it describes, stored."""
    body: Any = create_model(
        "StoredCombinedResponses",
        __base__=request_model(combiner.respondents),
        assessed_on=(Day, Field(description="The day the answers describe (YYYY-MM-DD).")),
    )

    @post(
        "/v1/schools/{school_id:str}/assessments/combined",
        status_code=201,
        sync_to_thread=True,
        responses={**BAD_BODY, **MISSING, **UNAVAILABLE},
        summary="Assess a school from several respondents and store the dated assessment",
        operation_id="storeCombinedAssessment",
        tags=["storage"],
    )
    def store_combined(
        school_id: PathId, data: JSONBody[body], request: Request[Any, Any, Any], state: State
    ) -> Response[StoredAssessmentOut]:
        """As POST /v1/assessments/combined, stored in the school's history; progress reads the combined profile."""
        typed: Any = data
        store = store_of(state)
        organization = organization_of(request, store)
        generic = as_combined_request(typed, exclude={"assessed_on"})
        try:
            answer, profile = combiner_of(state).combine_with_profile(generic)
        except CombineError as exc:
            raise invalid_body(exc.errors) from exc
        try:
            stored = store.store_assessment(
                organization, school_id, typed.assessed_on, profile, answer.assessment, answer
            )
        except NotFound as exc:
            raise missing(exc) from exc
        record_assessment(answer.assessment)
        return created(stored, stored_assessment_url(stored))

    return store_combined
