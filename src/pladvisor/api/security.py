"""Optional API keys, limits on guessing them, and the identity that rate limits count against."""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, TooManyRequestsException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.types import ASGIApp

from .health import PUBLIC_PATHS
from .rate_limit import CountingRateLimitMiddleware

EMBED_PATHS = ["^/embed/"]
"""Embed pages and cards: their signed token is the permission (``api.embeds``)."""
SURVEY_PATHS = ["^/s/"]
"""A respondent's questionnaire and answers: the link's signed token is the permission (``api.surveys``)."""
OPEN_PATHS = [*PUBLIC_PATHS, *EMBED_PATHS, *SURVEY_PATHS, "^/v1/questionnaire/form$", r"^/schema(/openapi\.json)?$"]
"""Served without a key: health, embed links, survey links, and the pages that hold no data (the form, the API's
description).
Every other data route, the form's own requests included, needs the key."""

FAILED_KEYS_PER_MINUTE = 10
"""Missing or wrong keys an address may send in a minute before its further wrong ones are refused (429)."""
TRACKED_ADDRESSES = 10_000
"""Addresses remembered for failed keys; the oldest are forgotten first, so memory stays bounded."""


def presented_key(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The key from ``X-API-Key`` or ``Authorization: Bearer``, if any."""
    key = connection.headers.get("x-api-key")
    if key:
        return key
    scheme, _, credentials = connection.headers.get("authorization", "").partition(" ")
    return credentials.strip() or None if scheme.lower() == "bearer" else None


def client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    return connection.client.host if connection.client else "unknown"


class FailureWindow:
    """Failed attempts per address in the current minute, for a bounded number of addresses."""

    def __init__(self, limit: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._limit = limit
        self._clock = clock
        self._seen: OrderedDict[str, tuple[float, int]] = OrderedDict()

    def retry_after(self, address: str) -> int | None:
        """Seconds until ``address`` may try again, or None when it is not over the limit."""
        started, count = self._seen.get(address, (0.0, 0))
        left = started + 60 - self._clock()
        return max(1, math.ceil(left)) if count >= self._limit and left > 0 else None

    def record(self, address: str) -> None:
        now = self._clock()
        started, count = self._seen.pop(address, (now, 0))
        self._seen[address] = (started, count + 1) if now - started < 60 else (now, 1)
        while len(self._seen) > TRACKED_ADDRESSES:
            self._seen.popitem(last=False)


class ApiKeyMiddleware(AbstractAuthenticationMiddleware):
    """Refuses every request but the public ones unless it carries one of the accepted keys. An address that
    has sent too many missing or wrong keys in a minute gets 429 for its further ones instead of 401, cheaply
    and without a reason to keep trying; a request with a valid key is served whatever its address sent
    before. Behind a proxy that is not configured as trusted, every client shares the proxy's address, and
    one misconfigured client would otherwise lock all the others out. Guessing stays out of reach all the
    same: a key is at least 16 characters (``config.MIN_KEY_LENGTH``), and no rate of tries finds one. The count is per
    server process."""

    def __init__(self, app: ASGIApp, keys: frozenset[str], failures: FailureWindow | None = None) -> None:
        super().__init__(app, exclude=OPEN_PATHS)
        self._keys = [key.encode() for key in keys]
        self._failures = failures or FailureWindow(FAILED_KEYS_PER_MINUTE)

    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        key = presented_key(connection)
        if key is not None and self._accepted(key.encode()):
            return AuthenticationResult(user=None, auth=key)
        address = client_address(connection)
        wait = self._failures.retry_after(address)
        self._failures.record(address)
        if wait is not None:
            raise TooManyRequestsException(
                "Too many requests with a missing or wrong API key from this address; try again later.",
                headers={"Retry-After": str(wait)},
            )
        if key is None:
            raise NotAuthorizedException(
                "Send an API key in X-API-Key or Authorization: Bearer.", headers={"WWW-Authenticate": "Bearer"}
            )
        raise NotAuthorizedException("The API key is not valid.", headers={"WWW-Authenticate": "Bearer"})

    def _accepted(self, candidate: bytes) -> bool:
        """Compared against every key, always, so that timing reveals neither the key nor which one matched."""
        matched = [hmac.compare_digest(candidate, accepted) for accepted in self._keys]
        return any(matched)


def rate_limit_identity(keys_on: bool) -> Callable[[ASGIConnection[Any, Any, Any, Any]], str]:
    """What a rate limit counts against: the accepted key when keys are on (checked before the limit runs,
    and hashed, so the store never holds it); the client address when they are off, whatever key-like
    header a client makes up, so inventing one never buys a fresh allowance."""

    def identity(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        key = presented_key(connection) if keys_on else None
        if key:
            return "key:" + hashlib.sha256(key.encode()).hexdigest()[:32]
        return "addr:" + client_address(connection)

    return identity


async def _embed_read(request: Request[Any, Any, Any]) -> bool:
    # A coroutine, not a plain function: Litestar runs a plain one in its thread pool, and these are asked on
    # every request the service takes, a thread hop each.
    return request.url.path.startswith("/embed/")


async def _survey_answer(request: Request[Any, Any, Any]) -> bool:
    return request.method == "POST" and request.url.path.startswith("/s/")


def embed_read_limit(per_minute: int) -> RateLimitConfig:
    """Embed reads per client address, apart from the API's limit: they come without a key, from the browsers
    of a portal's visitors, so the address is all there is to count against."""
    return RateLimitConfig(
        rate_limit=("minute", per_minute),
        middleware_class=CountingRateLimitMiddleware,
        store="embed_rate_limit",
        check_throttle_handler=_embed_read,
        identifier_for_request=lambda connection: "embed:" + client_address(connection),
    )


def survey_answer_limit(per_minute: int) -> RateLimitConfig:
    """Answers sent through survey links, per client address (``PLADVISOR_SURVEY_ANSWERS_PER_MINUTE``), apart
    from the API's limit: they come without a key, from respondents' browsers, so the address is all there is to
    count against. A class answering together behind its school's one address sends about 30 in a minute; a
    script trying tokens is held back well before it learns anything. Reading the form is not counted: it
    stores nothing."""
    return RateLimitConfig(
        rate_limit=("minute", per_minute),
        middleware_class=CountingRateLimitMiddleware,
        store="survey_rate_limit",
        check_throttle_handler=_survey_answer,
        identifier_for_request=lambda connection: "survey:" + client_address(connection),
    )
