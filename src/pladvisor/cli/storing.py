"""``pladvisor score --store``: each scored school also stored, dated, in a district of the database."""

from __future__ import annotations

from datetime import date
from typing import Any

import msgspec

from pladvisor.storage.store import Scoring, Store

from .scorers import Scored


class _Head(msgspec.Struct):
    catalog_version: str


_head = msgspec.json.Decoder(_Head).decode
_encode = msgspec.json.Encoder().encode


class StoreWriter:
    """Stores each scored row before its result is written (see ``runs.run``): a resumed run finds the school's
    assessment of that day already there and keeps it, so nothing is stored twice."""

    def __init__(self, store: Store, organization: str | None, district: str, assessed_on: date) -> None:
        self._store = store
        self._organization = (
            store.local_organization() if organization is None else store.organization_named(organization)
        )
        self._district = store.district_named(self._organization, district)
        self._day = assessed_on
        self.stored = 0
        self.kept = 0

    def store(self, rows: list[tuple[dict[str, Any], Scored]]) -> None:
        batch = []
        for raw, scored in rows:
            assert scored.answer_json is not None
            # The record was validated when scored: its answers are stored as read, not validated again.
            profile = _encode({name: value for name, value in raw.items() if value is not None}).decode()
            answer = scored.answer_json
            school = (raw.get("school_id"), raw.get("name"))
            batch.append(Scoring(school, profile, answer, _head(answer).catalog_version))
        stored = self._store.store_scored(self._organization, self._district, self._day, batch)
        self.stored += stored
        self.kept += len(batch) - stored

    def close(self) -> None:
        self._store.close()
