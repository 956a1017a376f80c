"""pladvisor: how ready a school is for personalized learning, and what to do next.

The names the README teaches are importable from here. They load on first use, so that a
program using only the client never imports the rule engine (which needs a C build). Type
checkers read the same names from the imports below, which never run.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pladvisor.advice.advisor import Advisor
    from pladvisor.client import (
        AsyncClient,
        Client,
        InvalidIdError,
        ProblemError,
        RetryPolicy,
        ServiceUnreachableError,
        UnreadableAnswerError,
    )
    from pladvisor.domain.assessment import Assessment
    from pladvisor.domain.fields import profile_from_answers
    from pladvisor.domain.profile import SchoolProfile
    from pladvisor.engine.catalog import CatalogError
    from pladvisor.errors import PladvisorError

__version__ = "0.1.0"

_EXPORTS = {
    "Advisor": "pladvisor.advice.advisor",
    "SchoolProfile": "pladvisor.domain.profile",
    "profile_from_answers": "pladvisor.domain.fields",
    "Assessment": "pladvisor.domain.assessment",
    "Client": "pladvisor.client",
    "AsyncClient": "pladvisor.client",
    "RetryPolicy": "pladvisor.client",
    "PladvisorError": "pladvisor.errors",
    "CatalogError": "pladvisor.engine.catalog",
    "InvalidIdError": "pladvisor.client",
    "ProblemError": "pladvisor.client",
    "ServiceUnreachableError": "pladvisor.client",
    "UnreadableAnswerError": "pladvisor.client",
}
__all__ = [
    "Advisor",
    "Assessment",
    "AsyncClient",
    "CatalogError",
    "Client",
    "InvalidIdError",
    "PladvisorError",
    "ProblemError",
    "RetryPolicy",
    "SchoolProfile",
    "ServiceUnreachableError",
    "UnreadableAnswerError",
    "__version__",
    "profile_from_answers",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'pladvisor' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
