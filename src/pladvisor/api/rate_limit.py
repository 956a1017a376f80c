"""Rate limits that cost the same at the thousandth request of a minute as at the first.

Litestar's ``RateLimitMiddleware`` keeps, for each identity, the time of every request of the current window
as a JSON list, read and written back whole on each request: its cost grows with the limit, and with a
generous one (thousands a minute, as a district's scoring script needs) a request spent more on counting
than on being served. Its windows are fixed (a window opens with an identity's first request and holds
``limit`` requests until it ends), so a count and the window's end say all the list said. This middleware
keeps exactly that, in the same store (so a shared Redis store still works across workers), with the same
answer: the same ``RateLimit-*`` headers, and a 429 once the window's count is reached.

Windows that are over expire from the store with their window; the in-memory store forgets an expired
entry only when it is read again, so every ``SWEEP_EVERY`` counts it is swept, and an address that came
once and never again does not stay for the life of the process.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from litestar.datastructures import MutableScopeHeaders
from litestar.exceptions import TooManyRequestsException
from litestar.middleware.rate_limit import DURATION_VALUES, RateLimitMiddleware
from litestar.stores.memory import MemoryStore

if TYPE_CHECKING:
    from litestar import Request
    from litestar.stores.base import Store
    from litestar.types import Message, Receive, Scope, Send

SWEEP_EVERY = 10_000
"""Requests counted by one limit between two sweeps of an in-memory store's ended windows."""


class Window:
    """An identity's current window: requests counted in it, and when it ends (Unix seconds)."""

    __slots__ = ("count", "reset")

    def __init__(self, count: int, reset: int) -> None:
        self.count = count
        self.reset = reset

    def encode(self) -> bytes:
        return b"%d %d" % (self.count, self.reset)

    @classmethod
    def decode(cls, stored: bytes | None, now: int, duration: int) -> Window:
        """The window ``stored`` holds, or a new one if none is open; a value in another form (Litestar's own
        list, from before) counts as no window, which at most allows one window's requests again."""
        if stored:
            count, _, reset = stored.partition(b" ")
            if count.isdigit() and reset.isdigit() and int(reset) > now:
                return cls(int(count), int(reset))
        return cls(0, now + duration)


class CountingRateLimitMiddleware(RateLimitMiddleware):
    """``RateLimitMiddleware`` with a count in place of the list of request times (see the module's text)."""

    def __init__(self, *arguments: Any, **options: Any) -> None:
        super().__init__(*arguments, **options)
        self._counted = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = scope["litestar_app"]
        request: Request[Any, Any, Any] = app.request_class(scope)
        if await self.should_check_request(request=request):
            store = self.config.get_store_from_app(app)
            key = self.cache_key_from_request(request)
            async with self._lock:
                now = int(time.time())
                window = Window.decode(await store.get(key), now, DURATION_VALUES[self.unit])
                if window.count >= self.max_requests:
                    raise TooManyRequestsException(
                        headers=self._headers(window) if self.config.set_rate_limit_headers else None
                    )
                window.count += 1
                await store.set(key, window.encode(), expires_in=window.reset - now)
            await self._sweep(store)
            if self.config.set_rate_limit_headers:
                send = self._with_headers(send, window)
        await self.app(scope, receive, send)

    def _headers(self, window: Window) -> dict[str, str]:
        """The headers Litestar's middleware sends, from the count where it took a list's length."""
        config, limit = self.config, self.max_requests
        return {
            config.rate_limit_policy_header_key: f"{limit}; w={DURATION_VALUES[self.unit]}",
            config.rate_limit_limit_header_key: str(limit),
            config.rate_limit_remaining_header_key: str(max(limit - window.count, 0)),
            config.rate_limit_reset_header_key: str(window.reset - int(time.time())),
        }

    def _with_headers(self, send: Send, window: Window) -> Send:
        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                headers = MutableScopeHeaders(message)
                for name, value in self._headers(window).items():
                    headers[name] = value
            await send(message)

        return sending

    async def _sweep(self, store: Store) -> None:
        self._counted += 1
        if self._counted % SWEEP_EVERY == 0 and isinstance(store, MemoryStore):
            await store.delete_expired()
