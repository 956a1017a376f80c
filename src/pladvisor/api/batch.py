"""``POST /v1/assessments/batch``: many schools in one request, each item judged on its own."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import anyio
import anyio.lowlevel
from litestar import MediaType, Response, post
from litestar.datastructures import State
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, Operation, Reference, RequestBody, Schema
from litestar.params import JSONBody, Parameter

from pladvisor.advice.batch import BatchJson
from pladvisor.config import Settings
from pladvisor.domain.batch import BatchResult, BatchSummaryResult, View

from .metrics import record_batch_item
from .problems import BAD_BODY, problem, problem_response
from .state import advisor_of


@dataclass
class _BatchOperation(Operation):
    """Documents the body as an array of SchoolProfile although the handler takes raw items.

    The handler must accept invalid items to report them one by one, so its own type is ``list[Any]``.
    """

    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            required=True,
            description="School profiles; at most PLADVISOR_BATCH_LIMIT items (1,000 unless configured). Any JSON "
            "value is accepted as an item: one that is not a valid SchoolProfile comes back, in the 200 answer, "
            "as that item's problem, and the other items are assessed as usual.",
            content={
                "application/json": OpenAPIMediaType(
                    schema=Schema(
                        type=OpenAPIType.ARRAY,
                        max_items=DEFAULT_BATCH_LIMIT,
                        items=Schema(any_of=[Reference(ref="#/components/schemas/SchoolProfile"), Schema()]),
                    )
                )
            },
        )


DEFAULT_BATCH_LIMIT = Settings.model_fields["batch_limit"].default
"""The limit the checked-in contract states; a service configured otherwise says so in its 413 problem."""
BUSY_RETRY_SECONDS = 2
ITEMS_BETWEEN_TURNS = 16
"""A batch is assessed on the event loop, giving other requests a turn every few items (a few milliseconds).
In a worker thread it would only queue on the engine's lock while taking the interpreter away from the loop
in long stretches, and single requests would wait seconds behind it."""


@post(
    "/v1/assessments/batch",
    status_code=200,
    tags=["assessments"],
    summary="Assess many schools",
    operation_id="assessBatch",
    operation_class=_BatchOperation,
    responses={
        # The handler writes the result's JSON one item at a time (see BatchJson); this is its shape.
        200: ResponseSpec(
            data_container=BatchResult | BatchSummaryResult,
            description="One result per item, in input order, and the district roll-up: a BatchResult, or with "
            "view=summary a BatchSummaryResult, whose items carry each assessment's summary and whose roll-up is "
            "the same.",
            generate_examples=False,
        ),
        **BAD_BODY,
        413: problem_response(413, "More items than the batch limit."),
        503: problem_response(503, "As many batches as the server takes at once are running; retry after a while."),
    },
)
async def assess_many(
    data: JSONBody[list[Any]],
    state: State,
    view: Annotated[
        View,
        Parameter(
            description="full (the default): each item's whole assessment. summary: each item's assessment as its "
            "summary (see POST /v1/assessments?view=summary); the items that are not valid profiles and the "
            "roll-up are the same either way."
        ),
    ] = "full",
) -> Response[bytes]:
    """One result per item in input order (an assessment or its summary, or the item's field errors) and a
    district roll-up."""
    limit: int = state.settings.batch_limit
    if len(data) > limit:
        raise problem(
            413,
            "batch-too-large",
            "Batch too large",
            f"The batch has {len(data)} items; the limit is {limit}.",
            limit=limit,
        )
    # Each batch holds its answers' JSON until it is sent, so only a few run at once; the rest come back later.
    # Handlers share one event loop per process, so a plain count is exact.
    running: int = state.get("batches_running", 0)
    if running >= state.settings.max_concurrent_batches:
        raise problem(
            503,
            "busy",
            "Too many batches at once",
            f"{running} batches are being assessed; send this one again in a moment.",
            headers={"Retry-After": str(BUSY_RETRY_SECONDS)},
        )
    state.batches_running = running + 1
    try:
        writer = BatchJson(advisor_of(state), view)
        for position, raw in enumerate(data, start=1):
            record_batch_item(writer.add(raw))
            if position % ITEMS_BETWEEN_TURNS == 0:
                await anyio.lowlevel.checkpoint()
        return Response(writer.finish(), media_type=MediaType.JSON)
    finally:
        state.batches_running -= 1
