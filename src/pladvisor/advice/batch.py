"""Assessing many raw items where any of them may be invalid: one bad item never costs the others."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from pladvisor.domain.assessment import Assessment, AssessmentSummary
from pladvisor.domain.base import to_json
from pladvisor.domain.batch import BatchItem, BatchSummaryItem, ItemProblem, View
from pladvisor.domain.problems import field_errors
from pladvisor.domain.profile import MAX_TEXT, SchoolProfile

from .advisor import Advisor
from .rollup import RollupBuilder, Summary


def readable_school_id(raw: Any) -> str | None:
    """The item's school_id if it is a usable string, so a problem can still be matched to its school."""
    school_id = raw.get("school_id") if isinstance(raw, dict) else None
    return school_id if isinstance(school_id, str) and len(school_id) <= MAX_TEXT else None


Outcome = Assessment | ItemProblem
"""An item's assessment, or why it could not be assessed."""
SummaryOutcome = AssessmentSummary | ItemProblem
"""An item's assessment as its summary, or why it could not be assessed."""


def _profile(index: int, raw: Any) -> SchoolProfile | ItemProblem:
    try:
        return SchoolProfile.model_validate(raw, strict=True)
    except ValidationError as exc:
        return ItemProblem(
            index=index,
            school_id=readable_school_id(raw),
            errors=tuple(field_errors(exc)),
            error_count=exc.error_count(),
        )


def assess_raw(advisor: Advisor, index: int, raw: Any) -> Outcome:
    profile = _profile(index, raw)
    return profile if isinstance(profile, ItemProblem) else advisor.assess(profile)


def summarize_raw(advisor: Advisor, index: int, raw: Any) -> SummaryOutcome:
    profile = _profile(index, raw)
    return profile if isinstance(profile, ItemProblem) else advisor.summarize(profile)


def judge_raw(advisor: Advisor, index: int, raw: Any, view: View) -> Outcome | SummaryOutcome:
    """The item judged as ``view`` asks: its assessment or the assessment's summary."""
    return summarize_raw(advisor, index, raw) if view == "summary" else assess_raw(advisor, index, raw)


class BatchJson:
    """The JSON of a ``BatchResult`` (or, for the summary view, a ``BatchSummaryResult``), built one item at
    a time.

    Each answer lives only until its JSON text exists: holding a thousand answers until the
    end would make the garbage collector walk them again and again, and serializing them
    in one piece would double the peak memory. One item at a time also lets a caller
    interleave other work between items.
    """

    def __init__(self, advisor: Advisor, view: View = "full") -> None:
        self._advisor = advisor
        self._view: View = view
        self._rollup = RollupBuilder(advisor.catalog.version)
        self._parts: list[bytes] = []

    def add(self, raw: Any) -> Outcome | SummaryOutcome:
        """Assess one more item; its outcome is returned for whoever counts outcomes."""
        index = len(self._parts)
        outcome = judge_raw(self._advisor, index, raw, self._view)
        if isinstance(outcome, ItemProblem):
            self._rollup.add(None)
            item: BatchItem | BatchSummaryItem = (
                BatchSummaryItem(index=index, status="invalid", problem=outcome)
                if self._view == "summary"
                else BatchItem(index=index, status="invalid", problem=outcome)
            )
        elif isinstance(outcome, AssessmentSummary):
            self._rollup.add(Summary.of_summary(index, outcome))
            item = BatchSummaryItem(index=index, status="ok", summary=outcome)
        else:
            self._rollup.add(Summary.of(index, outcome))
            item = BatchItem(index=index, status="ok", assessment=outcome)
        self._parts.append(to_json(item))
        return outcome

    def finish(self) -> bytes:
        rollup = to_json(self._rollup.build())
        head = b'{"view":"' + self._view.encode() + b'","results":['
        return head + b",".join(self._parts) + b'],"rollup":' + rollup + b"}"
