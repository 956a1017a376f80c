"""The actions a school adopts from a stored assessment's plan, each checked in against the school's latest
assessment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from pladvisor.domain.stored import Dated
from pladvisor.errors import PladvisorError

from .assessments import dated_history, read_answer
from .models import Action, StoredAssessment
from .schools import find_school, school_row
from .shared import NotFound, Queries, reads_again


@dataclass(frozen=True, slots=True)
class AdoptedAction:
    """An adopted action as stored."""

    id: str
    school_id: str
    assessment_id: str
    rule_id: str
    title: str
    owner: str
    due_on: date
    status: str
    """open, done or dropped"""


_ACTION = (
    Action.id,
    Action.school_id,
    Action.assessment_id,
    Action.rule_id,
    Action.title,
    Action.owner,
    Action.due_on,
    Action.status,
)


class ActionProblem(PladvisorError):
    """An action that cannot be adopted as asked."""


def checked_in(
    connection: Connection, school_id: str, history: list[Dated]
) -> list[tuple[AdoptedAction, Dated | None]]:
    """The school's actions, each with the school's latest stored assessment when that came after the one
    the action was adopted from."""
    rows = connection.execute(
        select(*_ACTION).where(Action.school_id == school_id).order_by(Action.due_on, Action.created_at)
    ).all()
    place = {dated.id: index for index, dated in enumerate(history)}
    result: list[tuple[AdoptedAction, Dated | None]] = []
    for row in rows:
        action = AdoptedAction(*row)
        # An action adopted from an assessment stored since the history was read has no later one.
        later = place.get(action.assessment_id, len(history)) < len(history) - 1
        result.append((action, history[-1] if later else None))
    return result


class Actions(Queries):
    def adopt_action(
        self, organization: str, school_id: str, assessment_id: str, rule_id: str, owner: str, due_on: date
    ) -> str:
        """Adopt a ``now`` gap of a stored assessment's plan, and return the action's id; anything else is an
        ``ActionProblem``."""
        with self._sessions.begin() as session:
            find_school(session, organization, school_id)
            stored = session.get(StoredAssessment, assessment_id)
            if stored is None or stored.organization_id != organization or stored.school_id != school_id:
                raise NotFound("no such assessment")
            adopted = session.scalar(
                select(Action.id).where(Action.assessment_id == assessment_id, Action.rule_id == rule_id)
            )
            if adopted is not None:
                raise ActionProblem(f"{rule_id!r} of that assessment is already adopted, as action {adopted}")
            plan = read_answer(session, stored)[0].recommendations
            item = next((r for r in plan if r.rule_id == rule_id and r.kind == "gap" and r.horizon == "now"), None)
            if item is None:
                now = ", ".join(r.rule_id for r in plan if r.kind == "gap" and r.horizon == "now") or "none"
                raise ActionProblem(
                    f"{rule_id!r} is not a 'now' item of that assessment's plan (its 'now' items: {now})"
                )
            action = Action(
                organization_id=organization,
                school_id=school_id,
                assessment_id=assessment_id,
                rule_id=rule_id,
                title=item.title,
                owner=owner,
                due_on=due_on,
                status="open",
            )
            session.add(action)
            session.flush()
            return action.id

    def change_action(self, organization: str, school_id: str, action_id: str, changes: dict[str, Any]) -> None:
        with self._sessions.begin() as session:
            action = session.get(Action, action_id)
            if action is None or action.organization_id != organization or action.school_id != school_id:
                raise NotFound("no such action")
            for name, value in changes.items():
                setattr(action, name, value)

    @reads_again
    def actions(self, organization: str, school_id: str) -> list[tuple[AdoptedAction, Dated | None]]:
        with self._reader.connect() as connection:
            school = school_row(connection, organization, school_id)
            return checked_in(connection, school.id, dated_history(connection, school.id))
