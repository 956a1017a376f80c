"""Figure 10: a school's progress and a district's roll-out read from a database of 1,000,000 stored assessments.

The database is filled in bulk with rows as the service writes them. Each stored assessment is one of a
thousand generated schools' real assessments (its answers, findings and compressed answer), so rows have the
service's own sizes and contents: 100 districts of 1,000 schools, each school assessed every six months ten
times (quick: 10 districts). Each school of the measured district has an adopted action as well.

The reads are measured twice against one running `pladvisor serve`: once with only the measured district
stored (10,000 assessments: the baseline), then after the other districts are added. Requests go one at a
time, timed by the client, so each latency is one request's own.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Engine, insert

from pladvisor.advice.advisor import Advisor
from pladvisor.domain.base import to_json
from pladvisor.domain.profile import SchoolProfile
from pladvisor.domain.stored import findings_json, findings_of
from pladvisor.storage.answers import pack
from pladvisor.storage.database import make_engine, upgrade
from pladvisor.storage.models import Action, District, School, StoredAnswer, StoredAssessment, new_id
from pladvisor.storage.store import Store

DISTINCT = 1000
"""Distinct assessments the rows are drawn from."""
SCHOOLS = 1000
PER_SCHOOL = 10
FIRST_DAY = date(2021, 9, 1)
INTERVAL = timedelta(days=182)


@dataclass(frozen=True)
class Row:
    """One distinct assessment as the service stores it."""

    catalog_version: str
    stage: str
    score: int | None
    profile: str
    findings: str
    body: bytes
    gap: str | None


@dataclass(frozen=True)
class Latencies:
    progress: list[float]
    rollout: list[float]

    @staticmethod
    def p(values: Sequence[float], q: int) -> float:
        """The q-th percentile in milliseconds."""
        return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


def distinct_rows(advisor: Advisor, raws: Sequence[dict[str, Any]]) -> list[Row]:
    rows = []
    for raw in raws[:DISTINCT]:
        profile = SchoolProfile.model_validate(raw, strict=True)
        answer = to_json(advisor.assess(profile))
        findings = findings_of(answer)
        rows.append(
            Row(
                catalog_version=advisor.catalog.version,
                stage=findings.stage,
                score=findings.score,
                profile=profile.model_dump_json(exclude_none=True),
                findings=findings_json(findings),
                body=pack(answer),
                gap=findings.gaps[0] if findings.gaps else None,
            )
        )
    return rows


class Seeder:
    """Adds districts of assessed schools to one organization, a district per transaction."""

    def __init__(self, url: str, rows: Sequence[Row]) -> None:
        self.engine: Engine = make_engine(url)
        upgrade(self.engine)
        self.rows = rows
        self.random = random.Random(10)
        store = Store(self.engine)
        self.key = store.create_key("Bench")[0]
        """Reads are made with the organization's key, as a district portal would make them."""
        self.organization = store.organization_named("Bench")
        self.assessments = 0
        self._number = 0

    def district(self, actions: bool = False) -> tuple[str, list[str]]:
        """One more district of SCHOOLS schools, PER_SCHOOL assessments each: its id and its schools' ids."""
        now = datetime.now(UTC)
        district_id = new_id()
        schools: list[dict[str, Any]] = []
        assessments: list[dict[str, Any]] = []
        answers: list[dict[str, Any]] = []
        adopted: list[dict[str, Any]] = []
        for _ in range(SCHOOLS):
            school_id = new_id()
            self._number += 1
            schools.append(
                {
                    "id": school_id,
                    "organization_id": self.organization,
                    "district_id": district_id,
                    "name": f"School {self._number}",
                    "external_id": None,
                    "need": self.random.uniform(0, 100),
                    "created_at": now,
                }
            )
            start = self.random.randrange(len(self.rows))
            for k in range(PER_SCHOOL):
                row = self.rows[(start + 37 * k) % len(self.rows)]
                assessment_id = new_id()
                assessments.append(
                    {
                        "id": assessment_id,
                        "organization_id": self.organization,
                        "school_id": school_id,
                        "assessed_on": FIRST_DAY + k * INTERVAL,
                        "kind": "single",
                        "catalog_version": row.catalog_version,
                        "stage": row.stage,
                        "score": row.score,
                        "profile": row.profile,
                        "findings": row.findings,
                        "created_at": now,
                    }
                )
                answers.append({"assessment_id": assessment_id, "body": row.body})
                if actions and k == 0 and row.gap is not None:
                    adopted.append(
                        {
                            "id": new_id(),
                            "organization_id": self.organization,
                            "school_id": school_id,
                            "assessment_id": assessment_id,
                            "rule_id": row.gap,
                            "title": "An adopted action",
                            "owner": "A principal",
                            "due_on": FIRST_DAY + INTERVAL,
                            "status": "open",
                            "created_at": now,
                        }
                    )
        with self.engine.begin() as connection:
            connection.execute(
                insert(District),
                [{"id": district_id, "organization_id": self.organization, "name": "A district", "created_at": now}],
            )
            for table, values in ((School, schools), (StoredAssessment, assessments), (StoredAnswer, answers)):
                connection.execute(insert(table), values)
            if adopted:
                connection.execute(insert(Action), adopted)
        self.assessments += len(assessments)
        return district_id, [school["id"] for school in schools]


def measure(url: str, key: str, district_id: str, school_ids: Sequence[str], progress: int, rollouts: int) -> Latencies:
    """Sequential reads of random schools' progress and of the district's roll-out, after a few untimed ones."""

    def timed(client: httpx.Client, path: str) -> float:
        start = time.perf_counter()
        answer = client.get(path)
        elapsed = time.perf_counter() - start
        if answer.status_code != 200:
            raise RuntimeError(f"GET {path} answered {answer.status_code}: {answer.text[:300]}")
        return elapsed

    chosen = random.Random(11)
    with httpx.Client(base_url=url, timeout=60, headers={"X-API-Key": key}) as client:
        for school_id in school_ids[:20]:
            timed(client, f"/v1/schools/{school_id}/progress")
        timed(client, f"/v1/districts/{district_id}/rollout")
        return Latencies(
            progress=[timed(client, f"/v1/schools/{chosen.choice(school_ids)}/progress") for _ in range(progress)],
            rollout=[timed(client, f"/v1/districts/{district_id}/rollout?lens=need") for _ in range(rollouts)],
        )
