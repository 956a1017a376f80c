"""Assessing many raw items where any of them may be invalid: one bad item never costs the others."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from pladvisor.domain.batch import BatchItem, ItemError, ItemProblem
from pladvisor.domain.profile import MAX_TEXT, SchoolProfile

from .advisor import Advisor
from .rollup import RollupBuilder, Summary

WHOLE_ITEM = "body"


def validation_errors(exc: ValidationError) -> list[ItemError]:
    return [
        ItemError(field=".".join(str(part) for part in error["loc"]) or WHOLE_ITEM, message=error["msg"])
        for error in exc.errors(include_url=False)
    ]


def readable_school_id(raw: Any) -> str | None:
    """The item's school_id if it is a usable string, so a problem can still be matched to its school."""
    school_id = raw.get("school_id") if isinstance(raw, dict) else None
    return school_id if isinstance(school_id, str) and len(school_id) <= MAX_TEXT else None


def assess_item(advisor: Advisor, index: int, raw: Any) -> BatchItem:
    try:
        profile = SchoolProfile.model_validate(raw, strict=True)
    except ValidationError as exc:
        problem = ItemProblem(index=index, school_id=readable_school_id(raw), errors=validation_errors(exc))
        return BatchItem(index=index, status="invalid", problem=problem)
    return BatchItem(index=index, status="ok", assessment=advisor.assess(profile))


def batch_json(advisor: Advisor, raws: list[Any]) -> bytes:
    """A ``BatchResult`` as JSON, serialized item by item as each is assessed.

    Holding a thousand answers alive until the end makes the garbage collector walk them
    again and again, and serializing them in one piece doubles the peak memory; here each
    answer lives only until its JSON text exists.
    """
    rollup = RollupBuilder(advisor.catalog.version)
    parts = []
    for index, raw in enumerate(raws):
        item = assess_item(advisor, index, raw)
        rollup.add(Summary.of(index, item.assessment) if item.assessment else None)
        parts.append(item.model_dump_json())
    return f'{{"results":[{",".join(parts)}],"rollup":{rollup.build().model_dump_json()}}}'.encode()
