"""RFC 9457 problem details for every error the API returns, built on Litestar's plugin.

Litestar reports body-validation failures as a 400 with a list of ``{key, message}``;
here they become a 422 problem whose ``errors`` name each offending field path, while a
body that is not JSON at all stays a 400. Any other HTTP error keeps its status, and an
unexpected exception is a 500 problem that reveals nothing internal.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

import msgspec
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.plugins.problem_details import ProblemDetailsConfig, ProblemDetailsException, ProblemDetailsPlugin

from pladvisor.domain.problems import WHOLE, FieldError, Problem
from pladvisor.domain.profile import MAX_REPORTED

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:pladvisor:problem:"

log = logging.getLogger("pladvisor.api")


def problem_response(status: int, description: str) -> ResponseSpec:
    return ResponseSpec(
        data_container=Problem, media_type=PROBLEM_MEDIA_TYPE, description=description, generate_examples=False
    )


BAD_BODY = {
    400: problem_response(400, "The body is not valid JSON."),
    413: problem_response(413, "The body is larger than the configured limit."),
    415: problem_response(415, "The body is not declared as application/json."),
    422: problem_response(422, "The body failed validation; `errors` names each field."),
}
"""What any handler that reads a JSON body can answer with besides its own result."""


def field_errors(extra: Any) -> list[FieldError] | None:
    """Litestar's ``[{key, message, source}]`` as field errors, or None when it is not a list of field problems."""
    if not isinstance(extra, list) or not extra or not all(isinstance(e, dict) and "message" in e for e in extra):
        return None
    # Litestar names the body after the handler's ``data`` parameter; callers know it as the body.
    return [
        FieldError(field=WHOLE if e.get("key") in (None, "", "data") else str(e["key"]), message=str(e["message"]))
        for e in extra
    ]


def problem(
    status: int,
    kind: str,
    title: str,
    detail: str,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
    **fields: Any,
) -> ProblemDetailsException:
    """A problem; ``fields`` are further members of the problem object (RFC 9457 allows them)."""
    extra = dict(fields)
    if errors:
        extra |= {"errors": msgspec.to_builtins(errors[:MAX_REPORTED]), "error_count": len(errors)}
    return ProblemDetailsException(
        status_code=status,
        type_=TYPE_PREFIX + kind,
        title=title,
        detail=detail,
        extra=extra or None,
        headers=headers,
    )


def invalid_body(errors: list[FieldError]) -> ProblemDetailsException:
    """A 422 naming each field at fault, whether the body's shape or a handler's own checks found them."""
    fields = ", ".join(dict.fromkeys(e.field for e in errors[:MAX_REPORTED]))
    more = f" and {len(errors) - MAX_REPORTED} more errors" if len(errors) > MAX_REPORTED else ""
    return problem(422, "invalid-body", "Invalid request body", f"Invalid or unknown fields: {fields}{more}", errors)


def _from_validation(exc: ValidationException) -> ProblemDetailsException:
    errors = field_errors(exc.extra)
    if errors is None:
        return problem(400, "malformed-body", "Malformed request body", str(exc.detail))
    sources = [e.get("source") for e in exc.extra] if isinstance(exc.extra, list) else []
    if all(source == "query" for source in sources):  # a str enum, equal to its value
        fields = ", ".join(dict.fromkeys(e.field for e in errors[:MAX_REPORTED]))
        return problem(422, "invalid-query", "Invalid query parameters", f"Invalid query parameters: {fields}", errors)
    return invalid_body(errors)


def _from_http(exc: HTTPException) -> ProblemDetailsException:
    if isinstance(exc, ProblemDetailsException):
        return exc
    phrase = HTTPStatus(exc.status_code).phrase
    kind = "malformed-body" if exc.status_code == 400 else phrase.lower().replace(" ", "-")
    headers = dict(exc.headers or {})
    if exc.status_code == 429 and "RateLimit-Reset" in headers:
        # Litestar's limiter says when the window resets; Retry-After is what clients act on.
        headers["Retry-After"] = str(max(int(headers["RateLimit-Reset"]), 1))
    return problem(exc.status_code, kind, phrase, str(exc.detail), field_errors(exc.extra), headers or None)


def _from_undecodable(exc: UnicodeDecodeError | RecursionError) -> ProblemDetailsException:
    # Litestar's JSON decoding lets these escape; both mean the body itself is unusable.
    reason = "is not valid UTF-8" if isinstance(exc, UnicodeDecodeError) else "nests deeper than JSON decoding allows"
    return problem(400, "malformed-body", "Bad Request", f"The request body {reason}.")


def _from_unexpected(exc: Exception) -> ProblemDetailsException:
    log.exception("unexpected error", exc_info=exc)
    return problem(500, "internal-error", "Internal server error", "The server could not complete the request.")


def problem_details_plugin() -> ProblemDetailsPlugin:
    return ProblemDetailsPlugin(
        ProblemDetailsConfig(
            exception_to_problem_detail_map={
                ValidationException: _from_validation,
                HTTPException: _from_http,
                UnicodeDecodeError: _from_undecodable,
                RecursionError: _from_undecodable,
                Exception: _from_unexpected,
            }
        )
    )


def not_found(what: str, detail: str) -> ProblemDetailsException:
    return problem(404, "not-found", f"{what} not found", detail)
