"""Assessing many raw items where any of them may be invalid: one bad item never costs the others."""

from __future__ import annotations

from typing import Any

import msgspec
from pydantic import ValidationError

from pladvisor.domain.batch import BatchItem, ItemError, ItemProblem
from pladvisor.domain.profile import MAX_TEXT, SchoolProfile

from .advisor import Advisor
from .rollup import RollupBuilder, Summary

WHOLE_ITEM = "body"
_encode = msgspec.json.Encoder().encode


def validation_errors(exc: ValidationError) -> list[ItemError]:
    return [
        ItemError(field=".".join(str(part) for part in error["loc"]) or WHOLE_ITEM, message=error["msg"])
        for error in exc.errors(include_url=False)
    ]


def readable_school_id(raw: Any) -> str | None:
    """The item's school_id if it is a usable string, so a problem can still be matched to its school."""
    school_id = raw.get("school_id") if isinstance(raw, dict) else None
    return school_id if isinstance(school_id, str) and len(school_id) <= MAX_TEXT else None


Outcome = dict[str, Any] | ItemProblem
"""An answer as plain data (``Advisor.answer``), or why the item could not be assessed."""


def assess_raw(advisor: Advisor, index: int, raw: Any) -> Outcome:
    try:
        profile = SchoolProfile.model_validate(raw, strict=True)
    except ValidationError as exc:
        return ItemProblem(index=index, school_id=readable_school_id(raw), errors=validation_errors(exc))
    return advisor.answer(profile)


def batch_json(advisor: Advisor, raws: list[Any]) -> bytes:
    """A ``BatchResult`` as JSON, serialized item by item as each is assessed.

    Holding a thousand answers alive until the end makes the garbage collector walk them
    again and again, and serializing them in one piece doubles the peak memory; here each
    answer lives only until its JSON text exists.
    """
    rollup = RollupBuilder(advisor.catalog.version)
    parts = []
    for index, raw in enumerate(raws):
        outcome = assess_raw(advisor, index, raw)
        if isinstance(outcome, ItemProblem):
            rollup.add(None)
            parts.append(BatchItem(index=index, status="invalid", problem=outcome).model_dump_json().encode())
        else:
            rollup.add(Summary.of(index, outcome))
            parts.append(_encode({"index": index, "status": "ok", "assessment": outcome, "problem": None}))
    return b'{"results":[' + b",".join(parts) + b'],"rollup":' + rollup.build().model_dump_json().encode() + b"}"
