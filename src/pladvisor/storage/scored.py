"""The scored rows of a file (``pladvisor score --store``), stored a batch at a time: each batch's schools found
or made, and their assessments of the file's day, in bulk inserts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import insert, select

from .assessments import assessment_row
from .models import School, StoredAnswer, StoredAssessment, new_id, now
from .shared import Queries


@dataclass(frozen=True, slots=True)
class Scoring:
    """One scored row of a file to store: its school (the file's id and name), answers and answer."""

    school: tuple[str | None, str | None]
    profile_json: str
    answer_json: bytes
    catalog_version: str


class ScoredRows(Queries):
    def store_scored(self, organization: str, district_id: str, assessed_on: date, rows: Sequence[Scoring]) -> int:
        """Scored rows of a file, in one transaction: each row's school (found by the file's id, else by name,
        made if new) and its assessment of that day. A school that already has an assessment of that day keeps
        it, so a resumed run stores nothing twice. Returns how many were stored."""
        stored = 0
        with self._sessions.begin() as session:
            # Only this batch's schools are looked up, so that a long file's later batches cost no more.
            external_ids = {external_id for external_id, _ in (row.school for row in rows) if external_id}
            names = {name or "" for external_id, name in (row.school for row in rows) if not external_id}
            schools = session.execute(
                select(School.id, School.external_id, School.name).where(
                    School.organization_id == organization,
                    School.district_id == district_id,
                    School.external_id.in_(external_ids) | School.name.in_(names),
                )
            ).all()
            by_id = {row.external_id: row.id for row in schools if row.external_id}
            by_name = {row.name: row.id for row in schools}
            dated = set(
                session.scalars(
                    select(StoredAssessment.school_id).where(
                        StoredAssessment.school_id.in_([row.id for row in schools]),
                        StoredAssessment.assessed_on == assessed_on,
                    )
                )
            )
            new_schools: list[dict[str, Any]] = []
            assessments: list[dict[str, Any]] = []
            answers: list[dict[str, Any]] = []
            for row in rows:
                external_id, name = row.school
                school_id = by_id.get(external_id) if external_id else by_name.get(name or "")
                if school_id is None:
                    school_id = new_id()
                    school_name = name or external_id or "Unnamed school"
                    new_schools.append(
                        {
                            "id": school_id,
                            "organization_id": organization,
                            "district_id": district_id,
                            "name": school_name,
                            "external_id": external_id,
                            "need": None,
                            "created_at": now(),
                        }
                    )
                    if external_id:
                        by_id[external_id] = school_id
                    else:
                        by_name[school_name] = school_id
                if school_id in dated:
                    continue
                assessment, answer = assessment_row(
                    organization,
                    school_id,
                    assessed_on,
                    "single",
                    row.catalog_version,
                    row.profile_json,
                    row.answer_json,
                )
                assessments.append(assessment)
                answers.append(answer)
                dated.add(school_id)
                stored += 1
            for table, values in ((School, new_schools), (StoredAssessment, assessments), (StoredAnswer, answers)):
                if values:
                    session.execute(insert(table), values)
        return stored
