"""What is wrong with one field of an input, in the one shape the API, batches and the command line share."""

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
