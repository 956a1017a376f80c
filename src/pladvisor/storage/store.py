"""Reading and writing the stored rows, always within one organization: a row of another organization is
"not found", exactly as a row that does not exist, so ids reveal nothing across organizations."""

from __future__ import annotations

import functools
import hashlib
import json
import re
import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Concatenate, Literal, ParamSpec, Protocol, TypeVar

import msgspec
from sqlalchemy import Connection, Engine, Label, Row, func, insert, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from pladvisor.domain.assessment import Assessment
from pladvisor.domain.base import to_json
from pladvisor.domain.profile import SchoolProfile
from pladvisor.domain.respondents import CombinedAssessment
from pladvisor.domain.stored import (
    Dated,
    Deleted,
    DistrictOut,
    SchoolHistory,
    SchoolOut,
    StoredAssessmentOut,
    StoredSummary,
    findings_json,
    findings_of,
)
from pladvisor.errors import PladvisorError

from .answers import pack, unpack
from .database import check, make_engine, sessions
from .embeds import EmbedLinks
from .models import Action, ApiKey, District, Organization, School, StoredAnswer, StoredAssessment, new_id, now, utc

ID = re.compile(r"[A-Za-z0-9_-]{1,32}")
"""An imported record's id: as the ids made here (``models.new_id``), one path segment in every route."""
P = ParamSpec("P")
R = TypeVar("R")
LOCAL_ORGANIZATION = "local"
"""The one organization of a service run without stored keys."""
KEY_BYTES = 32
_read_assessment = msgspec.json.Decoder(Assessment).decode
_read_combined = msgspec.json.Decoder(CombinedAssessment).decode


@dataclass(frozen=True, slots=True)
class Scoring:
    """One scored row of a file to store: its school (the file's id and name), answers and answer."""

    school: tuple[str | None, str | None]
    profile_json: str
    answer_json: bytes
    catalog_version: str


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


class ImportProblem(PladvisorError):
    """An import that cannot be applied; nothing of it was stored."""


class NotFound(PladvisorError):
    """No such row in the caller's organization."""


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


NEWEST_FIRST = (StoredAssessment.assessed_on.desc(), StoredAssessment.created_at.desc())
"""A school's assessments, latest first: by the day they describe, then by when they were stored."""


def _rank_in_school() -> Label[int]:
    """Each assessment's place in its school's history, 1 for the latest."""
    return func.row_number().over(partition_by=StoredAssessment.school_id, order_by=NEWEST_FIRST).label("rank")


class _SchoolFields(Protocol):
    """A school as a row of the table or as a mapped object: what its answer is made of."""

    id: str
    district_id: str
    name: str
    external_id: str | None
    need: float | None
    created_at: datetime


def _school_out(school: _SchoolFields, count: int) -> SchoolOut:
    return SchoolOut(
        id=school.id,
        district_id=school.district_id,
        name=school.name,
        external_id=school.external_id,
        need=school.need,
        created_at=utc(school.created_at),
        assessments=count,
    )


def _answer(session: Session, row: StoredAssessment) -> tuple[Assessment, CombinedAssessment | None]:
    """A stored row's answer: its assessment, and the combined answer around it when it has one."""
    body = session.get_one(StoredAnswer, row.id).body
    if row.kind == "combined":
        combined = _read_combined(unpack(body))
        return combined.assessment, combined
    return _read_assessment(unpack(body)), None


_DATED = (
    StoredAssessment.id,
    StoredAssessment.assessed_on,
    StoredAssessment.catalog_version,
    StoredAssessment.profile,
    StoredAssessment.findings,
)
"""The columns a ``Dated`` is made of."""


def _dated(row: Any) -> Dated:
    return Dated(row.id, row.assessed_on, row.catalog_version, row.profile, row.findings)


def _assessment_row(
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


def _stored_out(session: Session, row: StoredAssessment) -> StoredAssessmentOut:
    assessment, combined = _answer(session, row)
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


def reads_again(read: Callable[Concatenate[Store, P], R]) -> Callable[Concatenate[Store, P], R]:
    """Make a read once more when its pooled connection turns out closed (the database restarted, or dropped
    idle connections): the pool then discards the connections of that age, and the next one is new. A read
    changes nothing, so making it twice is safe."""

    @functools.wraps(read)
    def again(store: Store, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return read(store, *args, **kwargs)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            return read(store, *args, **kwargs)

    return again


class Store:
    """One database: a short transaction per write, so a process killed mid-call leaves nothing half-written.

    Reads run outside transactions: each statement sees what was committed when it ran, as it would in
    PostgreSQL's default READ COMMITTED transaction anyway, without the round trips to begin and end one.
    """

    def __init__(self, engine: Engine) -> None:
        check(engine)
        self.engine = engine
        self._reader = make_engine(engine.url.render_as_string(hide_password=False), reads=True)
        self._sessions = sessions(engine)
        self._reads = sessions(self._reader)
        self.embeds = EmbedLinks(self._sessions, self._reads)

    def close(self) -> None:
        """Close every pooled connection, rather than leave them to the collector."""
        self._reader.dispose()
        self.engine.dispose()

    # --- organizations and keys --------------------------------------------------------------------------------

    def _organization(self, session: Session, name: str, create: bool) -> Organization:
        found = session.scalar(select(Organization).where(Organization.name == name))
        if found is None:
            if not create:
                raise NotFound(f"no organization named {name!r}")
            found = Organization(name=name)
            session.add(found)
            session.flush()
        return found

    @reads_again
    def keys_in_use(self) -> bool:
        """Whether any key was ever made: from then on every stored route needs a live one. Revoking the last
        key must not open the data to everyone."""
        with self._reader.connect() as connection:
            return connection.scalar(select(func.count()).select_from(ApiKey)) != 0

    @reads_again
    def organization_for_key(self, key: str) -> str | None:
        """Asked on every storing request: a plain query on a connection, without an ORM session."""
        with self._reader.connect() as connection:
            return connection.scalar(
                select(ApiKey.organization_id).where(ApiKey.key_hash == key_hash(key), ApiKey.revoked_at.is_(None))
            )

    def organization_named(self, name: str) -> str:
        """The id of the organization of this name, made if new."""
        with self._sessions.begin() as session:
            return self._organization(session, name, create=True).id

    def local_organization(self) -> str:
        with self._sessions.begin() as session:
            return self._organization(session, LOCAL_ORGANIZATION, create=True).id

    def create_key(self, organization: str) -> tuple[str, str]:
        """A new key for ``organization`` (made if new): the key, to be shown once, and its prefix."""
        key = secrets.token_urlsafe(KEY_BYTES)
        while key.startswith("-"):  # its prefix is given on the command line, where it would read as an option
            key = secrets.token_urlsafe(KEY_BYTES)
        with self._sessions.begin() as session:
            owner = self._organization(session, organization, create=True)
            session.add(ApiKey(organization_id=owner.id, key_hash=key_hash(key), prefix=key[:8]))
        return key, key[:8]

    @reads_again
    def list_keys(self, organization: str) -> list[tuple[str, datetime, datetime | None]]:
        with self._reads() as session:
            owner = self._organization(session, organization, create=False)
            rows = session.scalars(select(ApiKey).where(ApiKey.organization_id == owner.id).order_by(ApiKey.created_at))
            return [(row.prefix, utc(row.created_at), row.revoked_at and utc(row.revoked_at)) for row in rows]

    def revoke_key(self, organization: str, prefix: str) -> int:
        """Revoke the organization's live keys starting with ``prefix``; how many were revoked."""
        with self._sessions.begin() as session:
            owner = self._organization(session, organization, create=False)
            rows = session.scalars(
                select(ApiKey).where(
                    ApiKey.organization_id == owner.id, ApiKey.prefix == prefix[:8], ApiKey.revoked_at.is_(None)
                )
            ).all()
            for row in rows:
                row.revoked_at = datetime.now(UTC)
            return len(rows)

    # --- districts and schools ---------------------------------------------------------------------------------

    def _district(self, session: Session, organization: str, district_id: str) -> District:
        district = session.get(District, district_id)
        if district is None or district.organization_id != organization:
            raise NotFound("no such district")
        return district

    def _school(self, session: Session, organization: str, school_id: str) -> School:
        school = session.get(School, school_id)
        if school is None or school.organization_id != organization:
            raise NotFound("no such school")
        return school

    def _counts(self, session: Session, school_ids: list[str]) -> dict[str, int]:
        if not school_ids:
            return {}
        rows = session.execute(
            select(StoredAssessment.school_id, func.count())
            .where(StoredAssessment.school_id.in_(school_ids))
            .group_by(StoredAssessment.school_id)
        )
        return {school_id: count for school_id, count in rows}

    def _district_out(self, session: Session, district: District) -> DistrictOut:
        counts = self._counts(session, [school.id for school in district.schools])
        return DistrictOut(
            id=district.id,
            name=district.name,
            created_at=utc(district.created_at),
            schools=tuple(_school_out(school, counts.get(school.id, 0)) for school in district.schools),
        )

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
            return [self._district_out(session, district) for district in rows]

    @reads_again
    def district(self, organization: str, district_id: str) -> DistrictOut:
        with self._reads() as session:
            return self._district_out(session, self._district(session, organization, district_id))

    def add_school(
        self, organization: str, district_id: str, name: str, external_id: str | None, need: float | None
    ) -> SchoolOut:
        with self._sessions.begin() as session:
            self._district(session, organization, district_id)
            school = School(
                organization_id=organization, district_id=district_id, name=name, external_id=external_id, need=need
            )
            session.add(school)
            session.flush()
            return _school_out(school, 0)

    @reads_again
    def school(self, organization: str, school_id: str) -> SchoolOut:
        with self._reads() as session:
            school = self._school(session, organization, school_id)
            return _school_out(school, self._counts(session, [school.id]).get(school.id, 0))

    def delete_school(self, organization: str, school_id: str) -> Deleted:
        with self._sessions.begin() as session:
            school = self._school(session, organization, school_id)
            count = self._counts(session, [school.id]).get(school.id, 0)
            session.delete(school)
            return Deleted(school_id=school_id, assessments_deleted=count)

    # --- assessments -------------------------------------------------------------------------------------------

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
        row, answer = _assessment_row(
            organization,
            school_id,
            assessed_on,
            kind,
            assessment.catalog_version,
            profile.model_dump_json(exclude_none=True),
            to_json(assessment if combined is None else combined),
        )
        with self._sessions.begin() as session:
            self._school(session, organization, school_id)
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
            school = self._school(session, organization, school_id)
            rows = session.execute(
                select(*_SUMMARY)
                .where(StoredAssessment.school_id == school.id)
                .order_by(StoredAssessment.assessed_on, StoredAssessment.created_at)
            ).all()
            return SchoolHistory(school=_school_out(school, len(rows)), assessments=tuple(map(_summary, rows)))

    @staticmethod
    def _history(connection: Connection, school_id: str) -> list[Dated]:
        rows = connection.execute(
            select(*_DATED)
            .where(StoredAssessment.school_id == school_id)
            .order_by(StoredAssessment.assessed_on, StoredAssessment.created_at)
        ).all()
        return list(map(_dated, rows))

    @staticmethod
    def _checked_in(
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

    @staticmethod
    def _school_row(connection: Connection, organization: str, school_id: str) -> Row[Any]:
        """A school of the organization as a plain row, for reads that need no mapped object."""
        school = connection.execute(select(*School.__table__.c).where(School.id == school_id)).first()
        if school is None or school.organization_id != organization:
            raise NotFound("no such school")
        return school

    @reads_again
    def over_time(
        self, organization: str, school_id: str
    ) -> tuple[SchoolOut, list[Dated], list[tuple[AdoptedAction, Dated | None]]]:
        """The school, each stored assessment oldest first, and its actions checked in: what its progress is
        worked out from, in three plain queries (it is read on every progress request)."""
        with self._reader.connect() as connection:
            school = self._school_row(connection, organization, school_id)
            history = self._history(connection, school.id)
            return _school_out(school, len(history)), history, self._checked_in(connection, school.id, history)

    @reads_again
    def district_over_time(self, organization: str, district_id: str) -> tuple[DistrictOut, dict[str, list[Dated]]]:
        """The district and every stored assessment of each of its schools, oldest first, in one query."""
        with self._reads() as session:
            district = self._district(session, organization, district_id)
            rows = session.execute(
                select(StoredAssessment.school_id, *_DATED)
                .join(School, School.id == StoredAssessment.school_id)
                .where(School.district_id == district.id)
                .order_by(StoredAssessment.assessed_on, StoredAssessment.created_at)
            ).all()
            by_school: dict[str, list[Dated]] = {school.id: [] for school in district.schools}
            for row in rows:
                if row.school_id in by_school:  # not a school added since the district was read
                    by_school[row.school_id].append(_dated(row))
            counts = {school_id: len(dated) for school_id, dated in by_school.items()}
            out = DistrictOut(
                id=district.id,
                name=district.name,
                created_at=utc(district.created_at),
                schools=tuple(_school_out(school, counts[school.id]) for school in district.schools),
            )
            return out, by_school

    @reads_again
    def latest_by_school(self, organization: str, district_id: str) -> list[tuple[SchoolOut, Dated | None]]:
        """Each of the district's schools with its latest stored assessment (None when it has none), in the
        same few queries however many schools it has."""
        with self._reads() as session:
            district = self._district(session, organization, district_id)
            ranked = (
                select(
                    StoredAssessment.id,
                    _rank_in_school(),
                    func.count().over(partition_by=StoredAssessment.school_id).label("assessments"),
                )
                .join(School, School.id == StoredAssessment.school_id)
                .where(School.district_id == district.id)
                .subquery()
            )
            rows = session.execute(
                select(StoredAssessment.school_id, ranked.c.assessments, *_DATED)
                .join(ranked, ranked.c.id == StoredAssessment.id)
                .where(ranked.c.rank == 1)
            ).all()
            latest = {row.school_id: (row.assessments, _dated(row)) for row in rows}
            return [
                (_school_out(school, latest[school.id][0]), latest[school.id][1])
                if school.id in latest
                else (_school_out(school, 0), None)
                for school in district.schools
            ]

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
                assessment, answer = _assessment_row(
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

    # --- actions ----------------------------------------------------------------------------------------------

    def adopt_action(
        self, organization: str, school_id: str, assessment_id: str, rule_id: str, owner: str, due_on: date
    ) -> str:
        """Adopt a ``now`` gap of a stored assessment's plan, and return the action's id; anything else is an
        ``ActionProblem``."""
        with self._sessions.begin() as session:
            self._school(session, organization, school_id)
            stored = session.get(StoredAssessment, assessment_id)
            if stored is None or stored.organization_id != organization or stored.school_id != school_id:
                raise NotFound("no such assessment")
            adopted = session.scalar(
                select(Action.id).where(Action.assessment_id == assessment_id, Action.rule_id == rule_id)
            )
            if adopted is not None:
                raise ActionProblem(f"{rule_id!r} of that assessment is already adopted, as action {adopted}")
            plan = _answer(session, stored)[0].recommendations
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
            school = self._school_row(connection, organization, school_id)
            return self._checked_in(connection, school.id, self._history(connection, school.id))

    # --- moving an organization's data ------------------------------------------------------------------------

    def export_rows(self, organization: str) -> Iterator[dict[str, Any]]:
        """Every district, school and assessment of the organization named, as JSON-ready records, parents first."""
        with self._sessions() as session:
            owner = self._organization(session, organization, create=False)
            for district in session.scalars(
                select(District).where(District.organization_id == owner.id).order_by(District.created_at)
            ):
                yield {"type": "district", "id": district.id, "name": district.name}
                for school in district.schools:
                    yield {
                        "type": "school",
                        "id": school.id,
                        "district_id": district.id,
                        "name": school.name,
                        "external_id": school.external_id,
                        "need": school.need,
                    }
                    for row in school.assessments:
                        yield {
                            "type": "assessment",
                            "id": row.id,
                            "school_id": school.id,
                            "assessed_on": row.assessed_on.isoformat(),
                            "kind": row.kind,
                            "catalog_version": row.catalog_version,
                            "stage": row.stage,
                            "score": row.score,
                            "answer": json.loads(unpack(session.get_one(StoredAnswer, row.id).body)),
                            "profile": json.loads(row.profile),
                        }

    def import_rows(self, organization: str, records: Iterable[dict[str, Any]]) -> dict[str, int]:
        """Records made by ``export_rows`` into the organization named (made if new), in one transaction: all of
        them or none. A record whose id the organization already holds is skipped, so a second import adds
        nothing; an id held by another organization stops the import."""
        added = {"district": 0, "school": 0, "assessment": 0}
        kinds: dict[str, type[District | School | StoredAssessment]] = {
            "district": District,
            "school": School,
            "assessment": StoredAssessment,
        }
        with self._sessions.begin() as session:
            owner = self._organization(session, organization, create=True).id
            for number, record in enumerate(records, start=1):
                kind = kinds.get(record.get("type", ""))
                if kind is None:
                    raise ImportProblem(f"record {number}: unknown type {record.get('type')!r}")
                if not isinstance(record.get("id"), str) or not ID.fullmatch(record["id"]):
                    raise ImportProblem(f"record {number}: its id is not 1-32 letters, digits, '-' or '_'")
                found = session.get(kind, record["id"])
                if found is not None:
                    if getattr(found, "organization_id", None) != owner:
                        raise ImportProblem(f"record {number}: id {record['id']} belongs to another organization")
                    continue
                fields = {k: v for k, v in record.items() if k != "type"}
                if record["type"] == "school" and not self._holds(session, District, owner, fields.get("district_id")):
                    raise ImportProblem(f"record {number}: its district_id is not among the organization's")
                if record["type"] == "assessment" and not self._holds(session, School, owner, fields.get("school_id")):
                    raise ImportProblem(f"record {number}: its school_id is not among the organization's")
                if kind is StoredAssessment:
                    row, answer = _assessment_row(
                        owner,
                        fields["school_id"],
                        date.fromisoformat(fields["assessed_on"]),
                        fields["kind"],
                        fields["catalog_version"],
                        json.dumps(fields["profile"]),
                        json.dumps(fields["answer"]).encode(),
                    )
                    session.execute(insert(StoredAssessment), [{**row, "id": fields["id"]}])
                    session.execute(insert(StoredAnswer), [{**answer, "assessment_id": fields["id"]}])
                else:
                    session.add(kind(organization_id=owner, **fields))
                    session.flush()
                added[record["type"]] += 1
        return added

    @staticmethod
    def _holds(session: Session, table: type[District | School], organization: str, row_id: object) -> bool:
        held = session.get(table, row_id) if isinstance(row_id, str) else None
        return getattr(held, "organization_id", None) == organization

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
            school = self._school(session, organization, school_id)
            row = session.scalars(
                select(StoredAssessment).where(StoredAssessment.school_id == school.id).order_by(*NEWEST_FIRST).limit(1)
            ).first()
            if row is None:
                return school.name, None, None
            return school.name, row.assessed_on, _answer(session, row)[0]

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
                    _rank_in_school(),
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
