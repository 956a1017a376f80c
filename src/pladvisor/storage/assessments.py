"""A school's dated assessments: each stored with its findings beside its compressed answer, so that reading a
history never unpacks an answer, and reading one assessment unpacks only its own."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any, Literal

import msgspec
from sqlalchemy import Connection, insert, select
from sqlalchemy.orm import Session

from pladvisor.domain.assessment import Assessment
from pladvisor.domain.base import to_json
from pladvisor.domain.profile import SchoolProfile
from pladvisor.domain.respondents import CombinedAssessment
from pladvisor.domain.stored import (
    Dated,
    SchoolHistory,
    StoredAssessmentOut,
    StoredSummary,
    findings_json,
    findings_of,
)

from .answers import pack, unpack
from .models import Organization, School, StoredAnswer, StoredAssessment, new_id, now
from .schools import find_school, school_out
from .shared import NEWEST_FIRST, OLDEST_FIRST, NotFound, Queries, rank_in_school, reads_again

_read_assessment = msgspec.json.Decoder(Assessment).decode
_read_combined = msgspec.json.Decoder(CombinedAssessment).decode


def read_answer(session: Session, row: StoredAssessment) -> tuple[Assessment, CombinedAssessment | None]:
    """A stored row's answer: its assessment, and the combined answer around it when it has one."""
    body = session.get_one(StoredAnswer, row.id).body
    if row.kind == "combined":
        combined = _read_combined(unpack(body))
        return combined.assessment, combined
    return _read_assessment(unpack(body)), None


def assessment_row(
    organization: str, school_id: str, assessed_on: date, kind: str, catalog_version: str, profile: str, answer: bytes
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The rows of one stored assessment, ready to insert: the assessment with its findings, and its answer."""
    findings = findings_of(answer, combined=kind == "combined")
    row_id = new_id()
    return (
        {
            "id": row_id,
            "organization_id": organization,
            "school_id": school_id,
            "assessed_on": assessed_on,
            "kind": kind,
            "catalog_version": catalog_version,
            "stage": findings.stage,
            "score": findings.score,
            "profile": profile,
            "findings": findings_json(findings),
            "created_at": now(),
        },
        {"assessment_id": row_id, "body": pack(answer)},
    )


DATED = (
    StoredAssessment.id,
    StoredAssessment.assessed_on,
    StoredAssessment.catalog_version,
    StoredAssessment.profile,
    StoredAssessment.findings,
)
"""The columns a ``Dated`` is made of."""


def dated(row: Any) -> Dated:
    return Dated(row.id, row.assessed_on, row.catalog_version, row.profile, row.findings)


def dated_history(connection: Connection, school_id: str) -> list[Dated]:
    """The school's stored assessments, oldest first, as their findings."""
    rows = connection.execute(
        select(*DATED).where(StoredAssessment.school_id == school_id).order_by(*OLDEST_FIRST)
    ).all()
    return list(map(dated, rows))


def _stored_out(session: Session, row: StoredAssessment) -> StoredAssessmentOut:
    assessment, combined = read_answer(session, row)
    return StoredAssessmentOut(
        id=row.id,
        school_id=row.school_id,
        assessed_on=row.assessed_on,
        kind=row.kind,  # type: ignore[arg-type]
        catalog_version=row.catalog_version,
        stage=row.stage,  # type: ignore[arg-type]
        score=row.score,
        assessment=assessment,
        combined=combined,
    )


_SUMMARY = (
    StoredAssessment.id,
    StoredAssessment.assessed_on,
    StoredAssessment.kind,
    StoredAssessment.catalog_version,
    StoredAssessment.stage,
    StoredAssessment.score,
)


def _summary(row: Any) -> StoredSummary:
    return StoredSummary(
        id=row.id,
        assessed_on=row.assessed_on,
        kind=row.kind,
        catalog_version=row.catalog_version,
        stage=row.stage,
        score=row.score,
    )


class Assessments(Queries):
    def store_assessment(
        self,
        organization: str,
        school_id: str,
        assessed_on: date,
        profile: SchoolProfile,
        assessment: Assessment,
        combined: CombinedAssessment | None = None,
    ) -> StoredAssessmentOut:
        """One dated assessment, written in one transaction: after a crash it is there whole or not at all."""
        kind: Literal["single", "combined"] = "single" if combined is None else "combined"
        row, answer = assessment_row(
            organization,
            school_id,
            assessed_on,
            kind,
            assessment.catalog_version,
            profile.model_dump_json(exclude_none=True),
            to_json(assessment if combined is None else combined),
        )
        with self._sessions.begin() as session:
            find_school(session, organization, school_id)
            session.execute(insert(StoredAssessment), [row])
            session.execute(insert(StoredAnswer), [answer])
        return StoredAssessmentOut(
            id=row["id"],
            school_id=school_id,
            assessed_on=assessed_on,
            kind=kind,
            catalog_version=assessment.catalog_version,
            stage=assessment.readiness.stage,
            score=assessment.readiness.score,
            assessment=assessment,
            combined=combined,
        )

    @reads_again
    def history(self, organization: str, school_id: str) -> SchoolHistory:
        with self._reads() as session:
            school = find_school(session, organization, school_id)
            rows = session.execute(
                select(*_SUMMARY).where(StoredAssessment.school_id == school.id).order_by(*OLDEST_FIRST)
            ).all()
            return SchoolHistory(school=school_out(school, len(rows)), assessments=tuple(map(_summary, rows)))

    @reads_again
    def stored_assessment(self, organization: str, school_id: str, assessment_id: str) -> StoredAssessmentOut:
        with self._reads() as session:
            row = session.get(StoredAssessment, assessment_id)
            if row is None or row.organization_id != organization or row.school_id != school_id:
                raise NotFound("no such assessment")
            return _stored_out(session, row)

    @reads_again
    def latest(self, organization: str, school_id: str) -> tuple[str, date | None, Assessment | None]:
        """The school's name, and its latest stored assessment (a combined one as the school's own), if any."""
        with self._reads() as session:
            school = find_school(session, organization, school_id)
            row = session.scalars(
                select(StoredAssessment).where(StoredAssessment.school_id == school.id).order_by(*NEWEST_FIRST).limit(1)
            ).first()
            if row is None:
                return school.name, None, None
            return school.name, row.assessed_on, read_answer(session, row)[0]

    def latest_profiles(self, organization: str) -> Iterator[tuple[str, str, str | None, str]]:
        """Each school of the organization named that has a stored assessment, with its latest one's answers as
        stored: (school id, name, id in the files it was scored from, profile JSON), a few hundred rows fetched
        at a time, never all at once. ``NotFound`` (on the first row asked for) when there is no such
        organization. Streamed on the writing engine: a server-side cursor needs a transaction, which the
        reading engine's connections, autocommitting, never open."""
        with self.engine.connect() as connection:
            owner = connection.scalar(select(Organization.id).where(Organization.name == organization))
            if owner is None:
                raise NotFound(f"no organization named {organization!r}")
            ranked = (
                select(
                    StoredAssessment.id,
                    rank_in_school(),
                )
                .where(StoredAssessment.organization_id == owner)
                .subquery()
            )
            rows = connection.execution_options(yield_per=500).execute(
                select(School.id, School.name, School.external_id, StoredAssessment.profile)
                .join(StoredAssessment, StoredAssessment.school_id == School.id)
                .join(ranked, ranked.c.id == StoredAssessment.id)
                .where(ranked.c.rank == 1, School.organization_id == owner)
                .order_by(School.created_at, School.id)
            )
            for row in rows:
                yield row.id, row.name, row.external_id, row.profile
