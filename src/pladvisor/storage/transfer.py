"""Moving an organization's data between databases: its districts, schools and assessments exported as records,
parents first, and imported elsewhere whole or not at all."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from pladvisor.errors import PladvisorError

from .answers import unpack
from .assessments import assessment_row
from .models import District, School, StoredAnswer, StoredAssessment
from .organizations import find_organization
from .shared import Queries

ID = re.compile(r"[A-Za-z0-9_-]{1,32}")
"""An imported record's id: as the ids made here (``models.new_id``), one path segment in every route."""


class ImportProblem(PladvisorError):
    """An import that cannot be applied; nothing of it was stored."""


def _holds(session: Session, table: type[District | School], organization: str, row_id: object) -> bool:
    held = session.get(table, row_id) if isinstance(row_id, str) else None
    return getattr(held, "organization_id", None) == organization


class Transfer(Queries):
    def export_rows(self, organization: str) -> Iterator[dict[str, Any]]:
        """Every district, school and assessment of the organization named, as JSON-ready records, parents first."""
        with self._sessions() as session:
            owner = find_organization(session, organization, create=False)
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
            owner = find_organization(session, organization, create=True).id
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
                if record["type"] == "school" and not _holds(session, District, owner, fields.get("district_id")):
                    raise ImportProblem(f"record {number}: its district_id is not among the organization's")
                if record["type"] == "assessment" and not _holds(session, School, owner, fields.get("school_id")):
                    raise ImportProblem(f"record {number}: its school_id is not among the organization's")
                if kind is StoredAssessment:
                    row, answer = assessment_row(
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
