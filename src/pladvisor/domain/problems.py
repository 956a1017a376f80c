"""What went wrong, in the shapes the API, its clients, batches and the command line share: a problem
(RFC 9457) and what is wrong with one field of an input."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from msgspec import Meta
from pydantic import ValidationError

from .base import Part
from .profile import MAX_REPORTED

WHOLE = "body"
"""The field named when the input as a whole is wrong (not an object, not JSON)."""


class FieldError(Part, frozen=True):
    field: Annotated[str, Meta(description="Dotted path of the offending field ('body' for the input as a whole).")]
    message: str


def dotted(location: Sequence[int | str], whole: str = WHOLE) -> str:
    """A validation error's location as the dotted path people write (``buy_in.approach``, ``2.school_id``)."""
    return ".".join(map(str, location)) or whole


def field_errors(exc: ValidationError) -> list[FieldError]:
    """The first ``MAX_REPORTED`` errors, in order; ``exc.error_count()`` says how many there were in all."""
    return [
        FieldError(field=dotted(error["loc"]), message=error["msg"])
        for error in exc.errors(include_url=False)[:MAX_REPORTED]
    ]


class Problem(Part, frozen=True):
    """An RFC 9457 problem details object; open, since the RFC lets a problem carry further members."""

    type: Annotated[str, Meta(description="URI identifying the kind of problem.")]
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: Annotated[
        tuple[FieldError, ...] | None,
        Meta(description="The invalid fields, when the body failed validation: the first 20 at most."),
    ] = None
    error_count: Annotated[int | None, Meta(description="How many errors there were in all, when errors is given.")] = (
        None
    )
    limit: Annotated[int | None, Meta(description="On a 413 for a batch: the most items the server takes at once.")] = (
        None
    )
