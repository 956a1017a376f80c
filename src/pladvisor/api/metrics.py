"""Prometheus metrics: what the service counts, and ``GET /metrics``, which serves them.

HTTP traffic and problem answers are counted by the application's ASGI entry point
(``service.Service``), the one place that sees every response, 404s and refused keys
included. Assessments, the rules they fired and batch items are counted by the handlers
that make them, through ``record_assessment`` and ``record_batch_item``.

With several server processes, prometheus_client keeps each process's values in files
under ``PROMETHEUS_MULTIPROC_DIR`` (``pladvisor serve --workers N`` makes one), and a
scrape, answered by any one process, adds them all up. That is decided when
prometheus_client is imported, so the variable must be set before the process starts.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path
from typing import Any, Literal

import msgspec
from litestar import Request
from litestar.plugins.prometheus import PrometheusController
from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics
from prometheus_client.multiprocess import mark_process_dead

from pladvisor.advice.batch import Outcome, SummaryOutcome
from pladvisor.domain.assessment import Assessment, AssessmentSummary
from pladvisor.domain.batch import ItemProblem

# A ``_created`` series beside every labelled counter would double what a scrape carries, for a timestamp
# that process start time already gives.
disable_created_metrics()  # type: ignore[no-untyped-call]

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
"""Where each server process keeps its values, when there are several (``pladvisor serve --workers N``)."""
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
"""Methods counted by name; any other (clients choose the method) is counted as ``other``."""
UNMATCHED = "unmatched"
"""The route of a request no route took (404, 405): raw paths would make a series per path a client invents."""
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
"""An assessment takes about a millisecond; a batch of a thousand, seconds."""

REQUESTS = Counter(
    "pladvisor_http_requests", "Responses sent, by method, route template and status.", ["method", "route", "status"]
)
LATENCY = Histogram(
    "pladvisor_http_request_duration_seconds",
    "Time from a request's arrival to its last byte handed to the server.",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)
IN_PROGRESS = Gauge(
    "pladvisor_http_requests_in_progress",
    "Requests being served now (a scrape counts itself).",
    multiprocess_mode="livesum",
)
PROBLEMS = Counter("pladvisor_problems", "RFC 9457 problem answers sent, by their type.", ["type"])
ASSESSMENTS = Counter("pladvisor_assessments", "Schools assessed, alone or as items of a batch.")
RULES_FIRED = Counter("pladvisor_rules_fired", "Rules fired by the schools assessed, in all.")
EMBED_READS = Counter(
    "pladvisor_embed_reads",
    "Embed pages and cards asked for, by view (card, report or json) and outcome (shown, unknown, expired, revoked).",
    ["view", "outcome"],
)
BATCH_ITEMS = Counter("pladvisor_batch_items", "Batch items judged, by outcome.", ["outcome"])
Cut = Literal["over-capacity", "head-too-large", "head-timeout", "body-timeout"]
CONNECTIONS_CUT = Counter(
    "pladvisor_http_connections_cut",
    "Connections the server closed itself, before any route answered, by reason: past the connection cap (503), "
    "a request head too large (431), a head (408) or a body that did not arrive in time.",
    ["reason"],
)


LIVE_GAUGE_FILE = re.compile(r"gauge_live(?:sum|all|max|min|mostrecent)_(\d+)\.db")
"""prometheus_client's file for one process's gauges that count only while the process lives."""


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # there, under another user
    return False


def forget_dead_processes(directory: Path) -> None:
    """Drop the live gauges of server processes that are gone: a worker killed mid-request never lowers its
    in-progress gauge, and prometheus_client adds a process's file up until told the process is dead. The
    supervisor starts a new worker in its place and does not tell it; the scrape can see for itself."""
    for path in directory.glob("gauge_live*_*.db"):
        match = LIVE_GAUGE_FILE.fullmatch(path.name)
        if match is not None and _gone(int(match[1])):
            mark_process_dead(int(match[1]), str(directory))  # type: ignore[no-untyped-call]


async def _before_scrape(_: Request[Any, Any, Any]) -> None:
    directory = os.environ.get(MULTIPROCESS_DIR)
    if directory:
        forget_dead_processes(Path(directory))


class MetricsController(PrometheusController):
    """Litestar's endpoint, which reads every process's values when ``PROMETHEUS_MULTIPROC_DIR`` is set; left
    out of the OpenAPI document, which describes the API rather than its operation."""

    include_in_schema = False
    before_request = staticmethod(_before_scrape)


@cache
def _request_series(method: str, route: str, status: str) -> tuple[Counter, Histogram]:
    """The counter and histogram for one label set, looked up once: ``labels()`` takes a lock and validates
    on every call. The label sets are few (methods x routes x statuses), so the cache stays small."""
    return REQUESTS.labels(method, route, status), LATENCY.labels(method, route)


def observe_request(method: str, route: str | None, status: int | None, seconds: float) -> None:
    """One response; ``route`` None when no route took the request, ``status`` None when the client left
    before any answer."""
    counted = method if method in METHODS else "other"
    requests, latency = _request_series(counted, route or UNMATCHED, str(status) if status is not None else "aborted")
    requests.inc()
    latency.observe(seconds)


class _ProblemType(msgspec.Struct):
    type: str = "about:blank"
    """RFC 9457: a problem without a type is ``about:blank``."""


_problem_type = msgspec.json.Decoder(_ProblemType).decode


def record_problem(body: bytes) -> None:
    """One problem answer, from its body: every source of problems (the problem-details plugin, Litestar's
    router, the CORS refusal) ends in a body, and only this looks at it. The types are the service's own
    constants, so the label stays bounded."""
    try:
        kind = _problem_type(body).type
    except msgspec.MsgspecError:
        kind = "unreadable"
    PROBLEMS.labels(kind).inc()


def record_cut(reason: Cut, problem: bytes | None) -> None:
    """A connection the server closed before the application answered, and the problem it was told, if any:
    counted here, as the application's own answers are counted by the service."""
    CONNECTIONS_CUT.labels(reason).inc()
    if problem is not None:
        record_problem(problem)


def fired_rules(assessment: Assessment) -> set[str]:
    """The rules the school fired, read back from its assessment: gaps in the plan, strengths, answers to
    check, and what those withheld. Rules named only as ``next_level`` or as ``sustain`` items did not fire."""
    fired = {item.rule_id for item in assessment.recommendations if item.kind == "gap"}
    fired.update(item.rule_id for item in assessment.strengths)
    for check in assessment.check_answers:
        fired.add(check.rule_id)
        fired.update(check.withheld)
    return fired


def record_summary(summary: AssessmentSummary) -> None:
    """As ``record_assessment``, for an assessment answered as its summary."""
    ASSESSMENTS.inc()
    RULES_FIRED.inc(summary.rules_fired)


def record_assessment(assessment: Assessment) -> None:
    """One school assessed, and how many rules it fired. One total rather than a series per rule: each
    increment takes a lock, and some twenty per request were a measurable share of the service's time; which
    rules fire most is what a batch's roll-up reports."""
    ASSESSMENTS.inc()
    RULES_FIRED.inc(len(fired_rules(assessment)))


def record_batch_item(outcome: Outcome | SummaryOutcome) -> None:
    """One batch item: assessed (and counted as an assessment, whichever view answers it), or invalid."""
    if isinstance(outcome, ItemProblem):
        BATCH_ITEMS.labels("invalid").inc()
        return
    BATCH_ITEMS.labels("ok").inc()
    if isinstance(outcome, AssessmentSummary):
        record_summary(outcome)
    else:
        record_assessment(outcome)
