"""Organizations and their API keys: a key is kept only as its hash, and names the one organization whose rows
its requests may reach."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import ApiKey, Organization, utc
from .shared import NotFound, Queries, reads_again

LOCAL_ORGANIZATION = "local"
"""The one organization of a service run without stored keys."""
KEY_BYTES = 32


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def find_organization(session: Session, name: str, create: bool) -> Organization:
    """The organization of this name; made if new with ``create``, else ``NotFound``."""
    found = session.scalar(select(Organization).where(Organization.name == name))
    if found is None:
        if not create:
            raise NotFound(f"no organization named {name!r}")
        found = Organization(name=name)
        session.add(found)
        session.flush()
    return found


class Organizations(Queries):
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
            return find_organization(session, name, create=True).id

    def local_organization(self) -> str:
        with self._sessions.begin() as session:
            return find_organization(session, LOCAL_ORGANIZATION, create=True).id

    def create_key(self, organization: str) -> tuple[str, str]:
        """A new key for ``organization`` (made if new): the key, to be shown once, and its prefix."""
        key = secrets.token_urlsafe(KEY_BYTES)
        while key.startswith("-"):  # its prefix is given on the command line, where it would read as an option
            key = secrets.token_urlsafe(KEY_BYTES)
        with self._sessions.begin() as session:
            owner = find_organization(session, organization, create=True)
            session.add(ApiKey(organization_id=owner.id, key_hash=key_hash(key), prefix=key[:8]))
        return key, key[:8]

    @reads_again
    def list_keys(self, organization: str) -> list[tuple[str, datetime, datetime | None]]:
        with self._reads() as session:
            owner = find_organization(session, organization, create=False)
            rows = session.scalars(select(ApiKey).where(ApiKey.organization_id == owner.id).order_by(ApiKey.created_at))
            return [(row.prefix, utc(row.created_at), row.revoked_at and utc(row.revoked_at)) for row in rows]

    def revoke_key(self, organization: str, prefix: str) -> int:
        """Revoke the organization's live keys starting with ``prefix``; how many were revoked."""
        with self._sessions.begin() as session:
            owner = find_organization(session, organization, create=False)
            rows = session.scalars(
                select(ApiKey).where(
                    ApiKey.organization_id == owner.id, ApiKey.prefix == prefix[:8], ApiKey.revoked_at.is_(None)
                )
            ).all()
            for row in rows:
                row.revoked_at = datetime.now(UTC)
            return len(rows)
