"""A school's surveys: opened, answered one response at a time through single-use links, and closed by the
consensus of the school's team.

A response and the consensus that closes its survey can arrive at the same moment. Each is one short transaction
whose first statement writes the survey's row: SQLite then takes its write lock before reading anything (a
transaction that read first could not take it later once another had written, and would fail at once with
"database is locked"), and PostgreSQL locks the row. The two are therefore never interleaved: a response is
stored before the survey closes, and counted by the consensus, or refused as closed. A transaction still kept
waiting past the database's busy timeout has changed nothing and is made again, a few times, shortly after.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal, TypeVar

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from pladvisor.domain.base import to_json
from pladvisor.domain.profile import SchoolProfile
from pladvisor.domain.respondents import CombinedAssessment
from pladvisor.domain.stored import StoredAssessmentOut

from .assessments import assessment_row
from .models import (
    School,
    StoredAnswer,
    StoredAssessment,
    Survey,
    SurveyConsensus,
    SurveyPlace,
    SurveyResponse,
    SurveyRole,
    utc,
)
from .shared import Queries, reads_again

R = TypeVar("R")

Outcome = Literal["stored", "used", "closed", "full", "unknown"]
"""How a response ends: stored; or refused, because its single-use link was used, the survey is closed (or its
links expired), a shared link has taken as many answers as its roster, or the survey is gone."""
Frozen = Literal["frozen", "concluded", "unknown"]
"""How freezing a survey for its consensus ends: it takes no more answers; or a consensus is kept for it already;
or there is no such survey in the organization."""

PAUSES = (0.05, 0.1, 0.2, 0.4)
"""Seconds to wait before each new try of a write the database kept waiting past its busy timeout."""
_BUSY = {5, 6}
"""SQLite's SQLITE_BUSY and SQLITE_LOCKED, the primary codes of every "database is locked" it reports."""


def _locked(exc: OperationalError) -> bool:
    code = getattr(exc.orig, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF in _BUSY


def retried(write: Callable[[], R]) -> R:
    """``write`` (one whole transaction), made again when SQLite reports the database locked: a transaction that
    failed so was rolled back whole, so making it again cannot store anything twice."""
    for pause in PAUSES:
        try:
            return write()
        except OperationalError as exc:
            if not _locked(exc):
                raise
        time.sleep(pause)
    return write()


@dataclass(frozen=True, slots=True)
class SurveyedRole:
    role: str
    roster: int
    shared: bool


@dataclass(frozen=True, slots=True)
class StoredSurvey:
    id: str
    organization_id: str
    school_id: str
    closes_on: date
    expires_at: datetime
    languages: tuple[str, ...]
    created_at: datetime
    closed_at: datetime | None
    roles: tuple[SurveyedRole, ...]

    def open_at(self, moment: datetime) -> bool:
        return self.closed_at is None and moment < self.expires_at

    def role(self, name: str) -> SurveyedRole | None:
        return next((role for role in self.roles if role.role == name), None)


@dataclass(frozen=True, slots=True)
class StoredResponse:
    role: str
    stage: str | None
    language: str
    answers: dict[str, dict[str, Any]]


def _survey(session: Session, row: Survey) -> StoredSurvey:
    roles = session.scalars(select(SurveyRole).where(SurveyRole.survey_id == row.id).order_by(SurveyRole.role))
    return StoredSurvey(
        id=row.id,
        organization_id=row.organization_id,
        school_id=row.school_id,
        closes_on=row.closes_on,
        expires_at=utc(row.expires_at),
        languages=tuple(row.languages.split()),
        created_at=utc(row.created_at),
        closed_at=row.closed_at and utc(row.closed_at),
        roles=tuple(SurveyedRole(r.role, r.roster, r.shared) for r in roles),
    )


def _hold(session: Session, survey_id: str, *scope: Any) -> bool:
    """Write the survey's row to itself, first in the transaction, to hold it (see the module's docstring);
    False when there is no such survey."""
    held = session.execute(
        update(Survey).where(Survey.id == survey_id, *scope).values(closed_at=Survey.closed_at),
        execution_options={"synchronize_session": False},
    )
    return bool(held.rowcount)  # type: ignore[attr-defined]


def _count(session: Session, survey_id: str, role: str | None = None) -> int:
    where = [SurveyResponse.survey_id == survey_id, *([] if role is None else [SurveyResponse.role == role])]
    return session.scalar(select(func.count()).select_from(SurveyResponse).where(*where)) or 0


class Surveys(Queries):
    """Every call made for a school's team names its organization; ``by_id``, ``answered`` and ``respond`` are made
    for a respondent's link, before any organization is known: the link names one, and the caller compares it."""

    def create(
        self,
        organization: str,
        school_id: str,
        closes_on: date,
        expires_at: datetime,
        languages: tuple[str, ...],
        roles: tuple[SurveyedRole, ...],
    ) -> StoredSurvey | None:
        """The new survey, or None when the organization has no such school."""

        def write() -> StoredSurvey | None:
            with self._sessions.begin() as session:
                school = session.get(School, school_id)
                if school is None or school.organization_id != organization:
                    return None
                row = Survey(
                    organization_id=organization,
                    school_id=school_id,
                    closes_on=closes_on,
                    expires_at=expires_at,
                    languages=" ".join(languages),
                    created_at=datetime.now(UTC),
                )
                session.add(row)
                session.flush()
                session.add_all(
                    SurveyRole(survey_id=row.id, role=r.role, roster=r.roster, shared=r.shared) for r in roles
                )
                session.flush()
                return _survey(session, row)

        return retried(write)

    def get(self, organization: str, school_id: str, survey_id: str) -> StoredSurvey | None:
        """The survey, or None when the organization's school has no such survey."""
        found = self.by_id(survey_id)
        if found is None or found.organization_id != organization or found.school_id != school_id:
            return None
        return found

    @reads_again
    def by_id(self, survey_id: str) -> StoredSurvey | None:
        with self._reads() as session:
            row = session.get(Survey, survey_id)
            return None if row is None else _survey(session, row)

    @reads_again
    def school_name(self, school_id: str) -> str | None:
        with self._reads() as session:
            school = session.get(School, school_id)
            return None if school is None else school.name

    @reads_again
    def answered(self, survey_id: str, role: str, place: int | None) -> bool:
        """Whether a link can take no more answers: its single-use place was used, or (``place`` None) the role's
        shared link has as many answers as its roster."""
        with self._reads() as session:
            if place is not None:
                return session.get(SurveyPlace, (survey_id, role, place)) is not None
            roster = session.get(SurveyRole, (survey_id, role))
            return roster is None or _count(session, survey_id, role) >= roster.roster

    def respond(
        self, survey_id: str, role: str, place: int | None, response: StoredResponse, moment: datetime
    ) -> Outcome:
        """Store one response through a link: ``place`` for a single-use link, which is then used; None for a shared
        link, which takes answers up to the role's roster. Nothing ties the response to its place."""

        def write() -> Outcome:
            with self._sessions.begin() as session:
                if not _hold(session, survey_id):
                    return "unknown"
                row = session.get_one(Survey, survey_id)
                if row.closed_at is not None or moment >= utc(row.expires_at):
                    return "closed"
                roster = session.get(SurveyRole, (survey_id, role))
                if roster is None:
                    return "unknown"
                if place is not None:
                    if session.get(SurveyPlace, (survey_id, role, place)) is not None:
                        return "used"
                    session.add(SurveyPlace(survey_id=survey_id, role=role, place=place))
                elif _count(session, survey_id, role) >= roster.roster:
                    return "full"
                session.add(
                    SurveyResponse(
                        survey_id=survey_id,
                        role=role,
                        stage=response.stage,
                        language=response.language,
                        answers=json.dumps(response.answers, separators=(",", ":")),
                        created_at=moment,
                    )
                )
                return "stored"

        return retried(write)

    @reads_again
    def responses(self, survey_id: str) -> list[StoredResponse]:
        """Every response, in the order received."""
        with self._reads() as session:
            rows = session.execute(
                select(SurveyResponse.role, SurveyResponse.stage, SurveyResponse.language, SurveyResponse.answers)
                .where(SurveyResponse.survey_id == survey_id)
                .order_by(SurveyResponse.created_at, SurveyResponse.id)
            ).all()
            return [StoredResponse(row.role, row.stage, row.language, json.loads(row.answers)) for row in rows]

    def freeze(self, organization: str, survey_id: str, moment: datetime) -> Frozen:
        """Stop the survey taking answers, for a consensus to be made from those it has: ``frozen`` (and
        ``closed_at`` set to ``moment``, or left as it was when the survey was closed already), ``concluded`` when a
        consensus is kept for it already, ``unknown`` when the organization has no such survey. Once it returns,
        no response is stored any more: those the consensus reads are all there will be."""

        def write() -> Frozen:
            with self._sessions.begin() as session:
                if not _hold(session, survey_id, Survey.organization_id == organization):
                    return "unknown"
                if session.get(SurveyConsensus, survey_id) is not None:
                    return "concluded"
                row = session.get_one(Survey, survey_id)
                if row.closed_at is None:
                    row.closed_at = moment
                return "frozen"

        return retried(write)

    def reopen(self, survey_id: str, frozen_at: datetime) -> None:
        """Undo ``freeze`` at ``frozen_at`` when no consensus could be made: the survey takes answers again (until
        its links expire), unless a consensus was kept meanwhile."""

        def write() -> None:
            with self._sessions.begin() as session:
                if not _hold(session, survey_id) or session.get(SurveyConsensus, survey_id) is not None:
                    return
                row = session.get_one(Survey, survey_id)
                if row.closed_at is not None and utc(row.closed_at) == frozen_at:
                    row.closed_at = None

        retried(write)

    def conclude(
        self,
        organization: str,
        survey_id: str,
        assessed_on: date,
        profile: SchoolProfile,
        combined: CombinedAssessment,
        consensus: Callable[[str], str],
        moment: datetime,
    ) -> StoredAssessmentOut | None:
        """Store the school's dated assessment from a frozen survey's consensus, with the consensus beside it
        (``consensus`` writes it, given the new assessment's id), in one transaction: both or neither. None when
        a consensus is kept for the survey already (or the organization has no such survey), and nothing is
        stored."""
        assessment = combined.assessment

        def write() -> StoredAssessmentOut | None:
            with self._sessions.begin() as session:
                if not _hold(session, survey_id, Survey.organization_id == organization):
                    return None
                if session.get(SurveyConsensus, survey_id) is not None:
                    return None
                row = session.get_one(Survey, survey_id)
                stored, answer = assessment_row(
                    organization,
                    row.school_id,
                    assessed_on,
                    "combined",
                    assessment.catalog_version,
                    profile.model_dump_json(exclude_none=True),
                    to_json(combined),
                )
                session.execute(insert(StoredAssessment), [stored])
                session.execute(insert(StoredAnswer), [answer])
                session.add(
                    SurveyConsensus(
                        survey_id=survey_id, assessment_id=stored["id"], body=consensus(stored["id"]), created_at=moment
                    )
                )
                if row.closed_at is None:
                    row.closed_at = moment
                return StoredAssessmentOut(
                    id=stored["id"],
                    school_id=row.school_id,
                    assessed_on=assessed_on,
                    kind="combined",
                    catalog_version=assessment.catalog_version,
                    stage=assessment.readiness.stage,
                    score=assessment.readiness.score,
                    assessment=assessment,
                    combined=combined,
                )

        return retried(write)

    @reads_again
    def consensus(self, survey_id: str) -> str | None:
        """The consensus kept for the survey, as ``conclude`` was given it; None before."""
        with self._reads() as session:
            row = session.get(SurveyConsensus, survey_id)
            return None if row is None else row.body
