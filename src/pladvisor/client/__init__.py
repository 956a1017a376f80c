"""Calling the pladvisor API from Python, as typed answers and pladvisor's own exceptions.

:class:`Client` and :class:`AsyncClient` differ only in how they wait: for the network and between
attempts. What each call sends and what its answer decodes to is described once (``_calls``); when to try
again, how long an attempt may take and how an answer or a problem reads live once too (``_base``,
``_retry``), so that the two clients cannot drift apart.

Assessments are pure functions of their input, so a call that reads or assesses is safe to repeat: it is
tried again after a connection failure, a timeout, a 429 or a 503, as :class:`RetryPolicy` allows. A call
that stores would store twice if repeated after the service acted on it, so it is tried again only when the
service cannot have acted: no connection was made, or a 429 or a 503 refused it. Any other error answer
raises :class:`ProblemError`; no answer at all raises :class:`ServiceUnreachableError`; an id that cannot
name one item raises :class:`InvalidIdError` before anything is sent.
"""

from pladvisor.client._async import AsyncClient
from pladvisor.client._base import DEFAULT_URL
from pladvisor.client._calls import Profile
from pladvisor.client._errors import InvalidIdError, ProblemError, ServiceUnreachableError, UnreadableAnswerError
from pladvisor.client._retry import (
    DEFAULT_RETRY,
    MAX_RETRY_AFTER,
    RETRY_ERRORS,
    RETRY_STATUSES,
    UNSENT_ERRORS,
    RetryPolicy,
)
from pladvisor.client._sync import Client
from pladvisor.domain.problems import Problem
from pladvisor.errors import PladvisorError

__all__ = [
    "DEFAULT_RETRY",
    "DEFAULT_URL",
    "MAX_RETRY_AFTER",
    "RETRY_ERRORS",
    "RETRY_STATUSES",
    "UNSENT_ERRORS",
    "AsyncClient",
    "Client",
    "InvalidIdError",
    "PladvisorError",
    "Problem",
    "ProblemError",
    "Profile",
    "RetryPolicy",
    "ServiceUnreachableError",
    "UnreadableAnswerError",
]
