"""An organization's districts and their schools; the lookups here are the organization scope every other
aggregate reaches a school or a district through."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection, Row, func, select
from sqlalchemy.orm import Session

from pladvisor.domain.stored import Deleted, DistrictOut, SchoolOut

from .models import District, School, StoredAssessment, utc
from .shared import NotFound, Queries, reads_again


class _SchoolFields(Protocol):
    """A school as a row of the table or as a mapped object: what its answer is made of."""

    id: str
    district_id: str
    name: str
    external_id: str | None
    need: float | None
    created_at: datetime


def school_out(school: _SchoolFields, count: int) -> SchoolOut:
    return SchoolOut(
        id=school.id,
        district_id=school.district_id,
        name=school.name,
        external_id=school.external_id,
        need=school.need,
        created_at=utc(school.created_at),
        assessments=count,
    )


def find_district(session: Session, organization: str, district_id: str) -> District:
    district = session.get(District, district_id)
    if district is None or district.organization_id != organization:
        raise NotFound("no such district")
    return district


def find_school(session: Session, organization: str, school_id: str) -> School:
    school = session.get(School, school_id)
    if school is None or school.organization_id != organization:
        raise NotFound("no such school")
    return school


def school_row(connection: Connection, organization: str, school_id: str) -> Row[Any]:
    """A school of the organization as a plain row, for reads that need no mapped object."""
    school = connection.execute(select(*School.__table__.c).where(School.id == school_id)).first()
    if school is None or school.organization_id != organization:
        raise NotFound("no such school")
    return school


def _counts(session: Session, school_ids: list[str]) -> dict[str, int]:
    if not school_ids:
        return {}
    rows = session.execute(
        select(StoredAssessment.school_id, func.count())
        .where(StoredAssessment.school_id.in_(school_ids))
        .group_by(StoredAssessment.school_id)
    )
    return {school_id: count for school_id, count in rows}


def _district_out(session: Session, district: District) -> DistrictOut:
    counts = _counts(session, [school.id for school in district.schools])
    return DistrictOut(
        id=district.id,
        name=district.name,
        created_at=utc(district.created_at),
        schools=tuple(school_out(school, counts.get(school.id, 0)) for school in district.schools),
    )


class Schools(Queries):
    def create_district(self, organization: str, name: str) -> DistrictOut:
        with self._sessions.begin() as session:
            district = District(organization_id=organization, name=name)
            session.add(district)
            session.flush()
            return DistrictOut(id=district.id, name=name, created_at=utc(district.created_at), schools=())

    @reads_again
    def districts(self, organization: str) -> list[DistrictOut]:
        with self._reads() as session:
            rows = session.scalars(
                select(District).where(District.organization_id == organization).order_by(District.created_at)
            )
            return [_district_out(session, district) for district in rows]

    @reads_again
    def district(self, organization: str, district_id: str) -> DistrictOut:
        with self._reads() as session:
            return _district_out(session, find_district(session, organization, district_id))

    def district_named(self, organization: str, name: str) -> str:
        """The organization's district of this name, made if it has none: what ``score --store`` stores into."""
        with self._sessions.begin() as session:
            found = session.scalar(
                select(District.id).where(District.organization_id == organization, District.name == name).limit(1)
            )
            if found is not None:
                return found
            district = District(organization_id=organization, name=name)
            session.add(district)
            session.flush()
            return district.id

    def add_school(
        self, organization: str, district_id: str, name: str, external_id: str | None, need: float | None
    ) -> SchoolOut:
        with self._sessions.begin() as session:
            find_district(session, organization, district_id)
            school = School(
                organization_id=organization, district_id=district_id, name=name, external_id=external_id, need=need
            )
            session.add(school)
            session.flush()
            return school_out(school, 0)

    @reads_again
    def school(self, organization: str, school_id: str) -> SchoolOut:
        with self._reads() as session:
            school = find_school(session, organization, school_id)
            return school_out(school, _counts(session, [school.id]).get(school.id, 0))

    def delete_school(self, organization: str, school_id: str) -> Deleted:
        with self._sessions.begin() as session:
            school = find_school(session, organization, school_id)
            count = _counts(session, [school.id]).get(school.id, 0)
            session.delete(school)
            return Deleted(school_id=school_id, assessments_deleted=count)
