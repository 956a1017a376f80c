"""Optional API keys and the identity that rate limits count against."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.middleware.rate_limit import get_remote_address
from litestar.types import ASGIApp

PUBLIC_PATHS = ["^/health$"]


def presented_key(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The key from ``X-API-Key`` or ``Authorization: Bearer``, if any."""
    key = connection.headers.get("x-api-key")
    if key:
        return key
    scheme, _, credentials = connection.headers.get("authorization", "").partition(" ")
    return credentials.strip() or None if scheme.lower() == "bearer" else None


class ApiKeyMiddleware(AbstractAuthenticationMiddleware):
    """Refuses every request but the public ones unless it carries one of the accepted keys."""

    def __init__(self, app: ASGIApp, keys: frozenset[str]) -> None:
        super().__init__(app, exclude=PUBLIC_PATHS)
        self._keys = [key.encode() for key in keys]

    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        key = presented_key(connection)
        if key is None:
            raise NotAuthorizedException("Send an API key in X-API-Key or Authorization: Bearer.",
                                         headers={"WWW-Authenticate": "Bearer"})
        candidate = key.encode()
        # Compare against every key, always, so timing reveals neither the key nor which one matched.
        matched = [hmac.compare_digest(candidate, accepted) for accepted in self._keys]
        if not any(matched):
            raise NotAuthorizedException("The API key is not valid.", headers={"WWW-Authenticate": "Bearer"})
        return AuthenticationResult(user=None, auth=key)


def rate_limit_identity(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """Count requests per API key when one is sent (hashed, so the store never holds it), else per address."""
    key = presented_key(connection)
    if key:
        return "key:" + hashlib.sha256(key.encode()).hexdigest()[:32]
    return "addr:" + get_remote_address(connection)  # type: ignore[arg-type]
