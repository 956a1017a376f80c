"""The client's errors: each a :class:`~pladvisor.errors.PladvisorError`, so that one clause catches every
failure of a call, whether the service refused it, never answered, answered in a shape the client does not
know, or the call could not even be sent."""

from __future__ import annotations

from pladvisor.domain.problems import Problem
from pladvisor.errors import PladvisorError


class ProblemError(PladvisorError):
    """The service answered, and refused: ``problem`` says why, in the service's words."""

    def __init__(self, status_code: int, problem: Problem) -> None:
        # Both in args, so that the error survives pickling (a process pool sends errors back that way).
        super().__init__(status_code, problem)
        self.status_code = status_code
        self.problem = problem

    def __str__(self) -> str:
        heading = f"{self.status_code} {self.problem.title}".rstrip()
        return f"{heading}: {self.problem.detail}" if self.problem.detail else heading


class UnreadableAnswerError(PladvisorError):
    """The service said yes (2xx), with a body that is not the answer this client knows: usually something
    other than the service (a proxy, a captive portal) answered, or a service much older than the client."""


class ServiceUnreachableError(PladvisorError):
    """No answer came back on any attempt: the service could not be reached, timed out, or dropped the
    connection. The httpx exception of the last attempt is the ``__cause__``."""


class InvalidIdError(PladvisorError, ValueError):
    """An id passed to a call cannot name one item, so nothing was sent: it is empty, or holds "/".

    The service routes on the decoded path, where ``/v1/districts/`` is the list of districts and
    ``{id}/assessments`` a school's history; no id the service makes is empty or holds "/". It is a
    ``ValueError`` too, as the caller passed a value the call cannot take."""

    def __init__(self, argument: str, value: str) -> None:
        # Both in args, so that the error survives pickling, as ProblemError does.
        super().__init__(argument, value)
        self.argument = argument
        self.value = value

    def __str__(self) -> str:
        if not self.value:
            return f"{self.argument} cannot be empty"
        return f"{self.argument} cannot hold '/': {self.value!r}"
