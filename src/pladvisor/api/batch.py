"""``POST /v1/assessments/batch``: many schools in one request, each item judged on its own."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import anyio
from litestar import MediaType, Response, post
from litestar.datastructures import State
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, Operation, Reference, RequestBody, Schema
from litestar.params import JSONBody

from pladvisor.domain.batch import BatchResult
from pladvisor.engine.batch import batch_json

from .problems import problem, problem_response
from .routes import BAD_BODY, advisor_of


@dataclass
class _BatchOperation(Operation):
    """Documents the body as an array of SchoolProfile although the handler takes raw items.

    The handler must accept invalid items to report them one by one, so its own type is ``list[Any]``.
    """

    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            required=True,
            description="School profiles; at most PLADVISOR_BATCH_LIMIT items (1,000 unless configured).",
            content={
                "application/json": OpenAPIMediaType(
                    schema=Schema(type=OpenAPIType.ARRAY, items=Reference(ref="#/components/schemas/SchoolProfile"))
                )
            },
        )


ENGINE_THREAD = anyio.CapacityLimiter(1)
"""Batches run one at a time in one worker thread. Each extra thread would only queue on the engine's lock
while taking turns at the interpreter away from the event loop, and single requests would wait seconds."""


@post(
    "/v1/assessments/batch",
    status_code=200,
    tags=["assessments"],
    summary="Assess many schools",
    operation_class=_BatchOperation,
    responses={**BAD_BODY, 413: problem_response(413, "More items than the batch limit.")},
)
async def assess_many(data: JSONBody[list[Any]], state: State) -> Response[BatchResult]:
    """One result per item in input order (an assessment, or the item's field errors) and a district roll-up."""
    limit: int = state.settings.batch_limit
    if len(data) > limit:
        raise problem(
            413, "batch-too-large", "Batch too large", f"The batch has {len(data)} items; the limit is {limit}."
        )
    body = await anyio.to_thread.run_sync(batch_json, advisor_of(state), data, limiter=ENGINE_THREAD)
    return Response(body, media_type=MediaType.JSON)
