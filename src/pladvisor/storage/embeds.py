"""The embed links of an organization's schools: made, listed, revoked, and read back to check a token."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from .models import EmbedLink, School, utc


@dataclass(frozen=True, slots=True)
class Link:
    id: str
    organization_id: str
    school_id: str
    view: str
    locale: str
    origins: tuple[str, ...]
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None

    def live(self, moment: datetime) -> bool:
        return self.revoked_at is None and moment < self.expires_at


def _link(row: EmbedLink) -> Link:
    return Link(
        id=row.id,
        organization_id=row.organization_id,
        school_id=row.school_id,
        view=row.view,
        locale=row.locale,
        origins=tuple(row.origins.split()),
        created_at=utc(row.created_at),
        expires_at=utc(row.expires_at),
        revoked_at=row.revoked_at and utc(row.revoked_at),
    )


class EmbedLinks:
    """Every call names the organization it acts for, except ``get``, which a token's check makes before any
    organization is known: the token names one, and the caller compares it with the row's."""

    def __init__(self, writes: sessionmaker[Session], reads: sessionmaker[Session]) -> None:
        self._writes = writes
        self._reads = reads

    def create(
        self, organization: str, school_id: str, view: str, locale: str, origins: tuple[str, ...], expires_at: datetime
    ) -> Link | None:
        """The new link, or None when the organization has no such school."""
        with self._writes.begin() as session:
            school = session.get(School, school_id)
            if school is None or school.organization_id != organization:
                return None
            row = EmbedLink(
                organization_id=organization,
                school_id=school_id,
                view=view,
                locale=locale,
                origins=" ".join(origins),
                created_at=datetime.now(UTC),
                expires_at=expires_at,
            )
            session.add(row)
            session.flush()
            return _link(row)

    def live(self, organization: str, school_id: str) -> list[Link] | None:
        """The school's links not revoked and not expired, newest first; None when there is no such school."""
        moment = datetime.now(UTC)
        with self._reads() as session:
            school = session.get(School, school_id)
            if school is None or school.organization_id != organization:
                return None
            rows = session.scalars(
                select(EmbedLink)
                .where(EmbedLink.school_id == school_id, EmbedLink.revoked_at.is_(None))
                .order_by(EmbedLink.created_at.desc())
            )
            return [link for link in map(_link, rows) if link.live(moment)]

    def revoke(self, organization: str, link_id: str) -> Link | None:
        """Revoke a link (again is harmless); None when the organization has no such link."""
        with self._writes.begin() as session:
            row = session.get(EmbedLink, link_id)
            if row is None or row.organization_id != organization:
                return None
            if row.revoked_at is None:
                row.revoked_at = datetime.now(UTC)
            return _link(row)

    def get(self, link_id: str) -> Link | None:
        with self._reads() as session:
            row = session.get(EmbedLink, link_id)
            return None if row is None else _link(row)
