"""Stored history read over time: a school's progress with its actions, and a district's schools as its roll-out
waves and page read them, each in the same few queries however long the history."""

from __future__ import annotations

from sqlalchemy import func, select

from pladvisor.domain.stored import Dated, DistrictOut, SchoolOut

from .actions import AdoptedAction, checked_in
from .assessments import DATED, dated, dated_history
from .models import School, StoredAssessment, utc
from .schools import find_district, school_out, school_row
from .shared import OLDEST_FIRST, Queries, rank_in_school, reads_again


class Progress(Queries):
    @reads_again
    def over_time(
        self, organization: str, school_id: str
    ) -> tuple[SchoolOut, list[Dated], list[tuple[AdoptedAction, Dated | None]]]:
        """The school, each stored assessment oldest first, and its actions checked in: what its progress is
        worked out from, in three plain queries (it is read on every progress request)."""
        with self._reader.connect() as connection:
            school = school_row(connection, organization, school_id)
            history = dated_history(connection, school.id)
            return school_out(school, len(history)), history, checked_in(connection, school.id, history)

    @reads_again
    def district_over_time(self, organization: str, district_id: str) -> tuple[DistrictOut, dict[str, list[Dated]]]:
        """The district and every stored assessment of each of its schools, oldest first, in one query."""
        with self._reads() as session:
            district = find_district(session, organization, district_id)
            rows = session.execute(
                select(StoredAssessment.school_id, *DATED)
                .join(School, School.id == StoredAssessment.school_id)
                .where(School.district_id == district.id)
                .order_by(*OLDEST_FIRST)
            ).all()
            by_school: dict[str, list[Dated]] = {school.id: [] for school in district.schools}
            for row in rows:
                if row.school_id in by_school:  # not a school added since the district was read
                    by_school[row.school_id].append(dated(row))
            counts = {school_id: len(history) for school_id, history in by_school.items()}
            out = DistrictOut(
                id=district.id,
                name=district.name,
                created_at=utc(district.created_at),
                schools=tuple(school_out(school, counts[school.id]) for school in district.schools),
            )
            return out, by_school

    @reads_again
    def latest_by_school(self, organization: str, district_id: str) -> list[tuple[SchoolOut, Dated | None]]:
        """Each of the district's schools with its latest stored assessment (None when it has none), in the
        same few queries however many schools it has."""
        with self._reads() as session:
            district = find_district(session, organization, district_id)
            ranked = (
                select(
                    StoredAssessment.id,
                    rank_in_school(),
                    func.count().over(partition_by=StoredAssessment.school_id).label("assessments"),
                )
                .join(School, School.id == StoredAssessment.school_id)
                .where(School.district_id == district.id)
                .subquery()
            )
            rows = session.execute(
                select(StoredAssessment.school_id, ranked.c.assessments, *DATED)
                .join(ranked, ranked.c.id == StoredAssessment.id)
                .where(ranked.c.rank == 1)
            ).all()
            latest = {row.school_id: (row.assessments, dated(row)) for row in rows}
            return [
                (school_out(school, latest[school.id][0]), latest[school.id][1])
                if school.id in latest
                else (school_out(school, 0), None)
                for school in district.schools
            ]
