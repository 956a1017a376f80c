"""Bodies must say they are JSON (Litestar would otherwise parse any body as JSON whatever its declared type),
and must be there at all: an empty body is refused in words, not with the name of a missing parameter."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.exceptions import HTTPException

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def is_json(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (media_type.startswith("application/") and media_type.endswith("+json"))


async def require_json_body(request: Request[Any, Any, Any]) -> None:
    if request.method not in BODY_METHODS:
        return
    if not is_json(request.headers.get("content-type", "")):
        raise HTTPException(
            status_code=415,
            detail=f"Send the body as application/json, not {request.headers.get('content-type') or 'no type'}.",
        )
    if request.headers.get("content-length") == "0" or not await request.body():
        raise HTTPException(status_code=400, detail="The request body is empty; send the JSON this operation takes.")
