"""When a call is tried again, and how long it waits first: the policy a caller sets, and what the service
and the network say."""

from __future__ import annotations

import email.utils
import math
import random
import time
from dataclasses import dataclass

import httpx

RETRY_STATUSES = frozenset({429, 503})
"""Answers that say the service did not act and may later: it was busy, or not yet ready."""
RETRY_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
"""Failures a later attempt can get past: the service was busy, restarting or far away. A bad URL or a
request httpx cannot even send would fail the same way every time."""
UNSENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
"""Failures before the request left: the only ones after which a call that stores is tried again."""
MAX_RETRY_AFTER = 60.0


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How long one call keeps trying.

    Waits grow exponentially from ``initial`` up to ``maximum`` with full jitter (a uniformly random wait
    up to that bound), so that clients which failed together do not come back together. A server's
    ``Retry-After`` replaces the wait. The whole call ends within ``deadline`` seconds: no wait is begun
    that would reach it, and each attempt is given at most the time left before it (and at most the
    client's ``timeout``), so that an attempt begun late is cut short rather than let run past it.
    """

    attempts: int = 4
    initial: float = 0.25
    maximum: float = 10.0
    deadline: float = 120.0

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.deadline <= 0 or min(self.initial, self.maximum) < 0:
            raise ValueError("a retry policy needs at least one attempt, a deadline above zero and no negative waits")

    def backoff(self, retry: int) -> float:
        """A random wait before retry number ``retry`` (1 for the first)."""
        # Past 2**60 the bound is ``maximum`` anyway; the cap keeps the power from overflowing a float.
        return random.uniform(0.0, min(self.maximum, self.initial * 2.0 ** min(retry - 1, 60)))

    def wait(self, attempt: int, elapsed: float, retry_after: float | None) -> float | None:
        """Seconds to wait before trying again after attempt ``attempt`` failed ``elapsed`` seconds into the
        call, or None when the call must stop with that failure: no attempts are left, or the wait would
        leave the next attempt no time before the deadline."""
        if attempt >= self.attempts:
            return None
        delay = self.backoff(attempt) if retry_after is None else retry_after
        return None if elapsed + delay >= self.deadline else delay


DEFAULT_RETRY = RetryPolicy()


def retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait as the server asks (a number or an HTTP date), bounded; None when the header is absent
    or unreadable, so that a server's odd header never ends a run."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = email.utils.parsedate_to_datetime(value).timestamp() - time.time()
        except (ValueError, TypeError, IndexError, OverflowError):
            return None
    if not math.isfinite(seconds):
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)
