"""The type of an id in a path."""

from typing import Annotated, TypeAlias

from litestar.params import PathParameter

PathId: TypeAlias = Annotated[str, PathParameter(min_length=1)]
"""An id read from the path. It is never empty: an empty id would turn ``/v1/schools//assessments`` into another
route, so the contract says so and requests built from it never send one."""
