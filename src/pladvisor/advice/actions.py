"""What the next assessment says of an adopted action's rule, and whether the action is overdue."""

from __future__ import annotations

from datetime import date

from pladvisor.domain.stored import ActionOut, ActionStatus, Dated, RuleState

from .advisor import Advisor
from .answers import answers_of, fact_of
from .findings import current_findings


def rule_state(advisor: Advisor, rule_id: str, later: Dated | None) -> RuleState:
    """As in a comparison: a rule no longer advised is resolved only when the later answers decide it."""
    if later is None:
        return "not_reassessed"
    if rule_id in current_findings(advisor, later).gaps:
        return "open"
    compiled = advisor.catalog.by_id.get(rule_id)
    if compiled is not None and compiled.decide(answers_of(fact_of(later.profile))) is False:
        return "resolved"
    return "unconfirmed"


def action_out(
    advisor: Advisor,
    *,
    id: str,
    school_id: str,
    assessment_id: str,
    rule_id: str,
    title: str,
    owner: str,
    due_on: date,
    status: ActionStatus,
    later: Dated | None,
    today: date,
) -> ActionOut:
    state = rule_state(advisor, rule_id, later)
    return ActionOut(
        id=id,
        school_id=school_id,
        assessment_id=assessment_id,
        rule_id=rule_id,
        title=title,
        owner=owner,
        due_on=due_on,
        status=status,
        rule_state=state,
        checked_in=later.id if later is not None else None,
        overdue=status == "open" and state != "resolved" and due_on < today,
    )
