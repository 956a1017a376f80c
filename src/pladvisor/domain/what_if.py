"""What would move a school up: the answer of ``POST /v1/assessments/what-if``."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta

from .assessment import AnswerValue, Stage
from .base import Part


class Change(Part, frozen=True):
    field: Annotated[str, Meta(description="Dotted path of the answer to change.")]
    before: Annotated[AnswerValue | None, Meta(description="The answer now; null when the question is open.")]
    after: Annotated[AnswerValue, Meta(description="The answer that, with the path's other changes, moves the stage.")]


class WhatIfPath(Part, frozen=True):
    changes: tuple[Change, ...]
    stage: Annotated[Stage, Meta(description="The stage the changed answers are assessed at.")]
    score: int | None
    cost: Annotated[
        int, Meta(description="1 per open question answered, 2 per answer changed (the catalog's practice weights).")
    ]
    summary: Annotated[str, Meta(description="The changes and the stage they reach, in one sentence.")]


class WhatIf(Part, frozen=True):
    stage: Stage
    target: Annotated[Stage | None, Meta(description="The next stage up; null at the top stage.")]
    paths: Annotated[
        tuple[WhatIfPath, ...],
        Meta(description="At most 3, cheapest first; each true (assessed) and minimal (no change can be dropped)."),
    ]
    searched: Annotated[int, Meta(ge=0, description="Changed profiles assessed in the search (bounded).")]
    note: Annotated[str, Meta(description="Why no path is given, when none is; empty otherwise.")]
