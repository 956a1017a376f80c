"""The HTTP baseline: a bare Litestar app that only validates a SchoolProfile body and echoes it.

It runs the same way as pladvisor (uvicorn, one process, the same log level) with the
same strict PydanticPlugin, so the gap between the two is what the advisor, its route
and its answer's size add to a request, not what Litestar and uvicorn cost on their own.
"""

from __future__ import annotations

from litestar import Litestar, post
from litestar.params import JSONBody
from litestar.plugins.pydantic import PydanticPlugin

from pladvisor.domain.profile import SchoolProfile

ECHO_PATH = "/echo"


@post(ECHO_PATH, status_code=200)
async def echo(data: JSONBody[SchoolProfile]) -> SchoolProfile:
    return data


def create_app() -> Litestar:
    return Litestar(route_handlers=[echo], plugins=[PydanticPlugin(validate_strict=True)])
