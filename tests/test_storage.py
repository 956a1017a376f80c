"""Stored assessments, on SQLite and on a real PostgreSQL server the suite starts: history, tenants kept apart,
deletion, keys, and the schema's version."""

import json
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import msgspec
import pytest
import sqlalchemy as sa
from litestar import Litestar
from litestar.testing import TestClient
from typer.testing import CliRunner

from pladvisor.advice.advisor import Advisor
from pladvisor.api.app import create_app
from pladvisor.cli.app import app as cli
from pladvisor.config import Settings
from pladvisor.domain.assessment import Assessment
from pladvisor.domain.base import to_json
from pladvisor.domain.profile import SchoolProfile
from pladvisor.domain.stored import findings_of_assessment
from pladvisor.storage.answers import unpack
from pladvisor.storage.database import DatabaseError, check, make_engine, upgrade
from pladvisor.storage.store import Store

from .profiles import MATURE_SCHOOL, RUSHED_DISTRICT, as_body
from .servers import postgres_server

runner = CliRunner()


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new, empty database for each test, on each kind of server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    server: str = request.getfixturevalue("postgres")
    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return server.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    engine = make_engine(database_url)
    upgrade(engine)
    store = Store(engine)
    yield store
    store.close()


@pytest.fixture
def service(advisor: Advisor, database_url: str, store: Store) -> Iterator[TestClient[Litestar]]:
    with TestClient(create_app(advisor, Settings(database_url=database_url))) as client:
        yield client


def key_of(store: Store, organization: str) -> dict[str, str]:
    return {"X-API-Key": store.create_key(organization)[0]}


def a_school(client: TestClient[Litestar], headers: dict[str, str] | None = None) -> tuple[str, str]:
    district = client.post("/v1/districts", json={"name": "North"}, headers=headers)
    assert district.status_code == 201, district.text
    school = client.post(
        f"/v1/districts/{district.json()['id']}/schools", json={"name": "Oak", "need": 40}, headers=headers
    )
    assert school.status_code == 201, school.text
    return district.json()["id"], school.json()["id"]


def test_a_schools_assessments_are_stored_and_listed_oldest_first(service: TestClient[Litestar]) -> None:
    _, school = a_school(service)
    later = service.post(
        f"/v1/schools/{school}/assessments", json={"assessed_on": "2026-09-01", "profile": as_body(MATURE_SCHOOL)}
    )
    earlier = service.post(
        f"/v1/schools/{school}/assessments", json={"assessed_on": "2025-09-01", "profile": as_body(RUSHED_DISTRICT)}
    )
    assert later.status_code == earlier.status_code == 201
    stateless = service.post("/v1/assessments", json=as_body(MATURE_SCHOOL)).json()
    assert later.json()["assessment"] == stateless
    history = service.get(f"/v1/schools/{school}/assessments").json()
    assert [a["assessed_on"] for a in history["assessments"]] == ["2025-09-01", "2026-09-01"]
    assert [a["stage"] for a in history["assessments"]] == [
        earlier.json()["assessment"]["readiness"]["stage"],
        stateless["readiness"]["stage"],
    ]
    assert history["school"]["assessments"] == 2
    one = service.get(f"/v1/schools/{school}/assessments/{later.json()['id']}")
    assert one.json() == later.json()


def test_another_organizations_ids_answer_404_on_every_stored_route(
    service: TestClient[Litestar], store: Store
) -> None:
    ours, theirs = key_of(store, "North District"), key_of(store, "Consultancy")
    district, school = a_school(service, ours)
    stored_answer = service.post(
        f"/v1/schools/{school}/assessments",
        json={"assessed_on": "2026-01-01", "profile": as_body(RUSHED_DISTRICT)},
        headers=ours,
    ).json()
    stored = stored_answer["id"]
    first_now = next(r for r in stored_answer["assessment"]["recommendations"] if r["horizon"] == "now")
    adopted = {"assessment_id": stored, "rule_id": first_now["rule_id"], "owner": "A", "due_on": "2026-03-01"}
    action = service.post(f"/v1/schools/{school}/actions", json=adopted, headers=ours).json()["id"]
    calls: list[tuple[str, str, Any]] = [
        ("GET", f"/v1/districts/{district}", None),
        ("POST", f"/v1/districts/{district}/schools", {"name": "Elm"}),
        ("GET", f"/v1/schools/{school}", None),
        ("GET", f"/v1/schools/{school}/assessments", None),
        ("GET", f"/v1/schools/{school}/assessments/{stored}", None),
        ("POST", f"/v1/schools/{school}/assessments", {"assessed_on": "2026-02-01", "profile": as_body(MATURE_SCHOOL)}),
        ("GET", f"/v1/schools/{school}/progress", None),
        ("GET", f"/v1/schools/{school}/actions", None),
        (
            "POST",
            f"/v1/schools/{school}/actions",
            {"assessment_id": stored, "rule_id": "x", "owner": "A", "due_on": "2026-01-01"},
        ),
        ("PATCH", f"/v1/schools/{school}/actions/{action}", {"status": "done"}),
        ("GET", f"/v1/districts/{district}/rollout", None),
        ("DELETE", f"/v1/schools/{school}", None),
    ]
    for method, path, body in calls:
        answer = service.request(method, path, json=body, headers=theirs)
        assert answer.status_code == 404, (method, path, answer.text)
        assert answer.json()["type"] == "urn:pladvisor:problem:not-found"
    assert service.get("/v1/districts", headers=theirs).json() == []
    assert service.get(f"/v1/schools/{school}/assessments", headers=ours).json()["school"]["assessments"] == 1
    # With keys stored, a request without one (or with a wrong one) is refused, not given a default organization.
    assert service.get("/v1/districts").status_code == 401
    assert service.get("/v1/districts", headers={"X-API-Key": "not-a-key"}).status_code == 401


def test_deleting_a_school_deletes_its_history_and_says_so(service: TestClient[Litestar], store: Store) -> None:
    _, school = a_school(service)
    for day in ("2024-09-01", "2025-09-01"):
        body = {"assessed_on": day, "profile": as_body(MATURE_SCHOOL)}
        assert service.post(f"/v1/schools/{school}/assessments", json=body).status_code == 201
    deleted = service.delete(f"/v1/schools/{school}")
    assert deleted.json() == {"school_id": school, "assessments_deleted": 2}
    assert service.get(f"/v1/schools/{school}").status_code == 404
    with store.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM assessments")).scalar() == 0


def test_a_key_is_printed_once_listed_by_prefix_and_refused_once_revoked(
    service: TestClient[Litestar], database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLADVISOR_DATABASE_URL", database_url)
    made = runner.invoke(cli, ["keys", "create", "--org", "North District"])
    assert made.exit_code == 0, made.output
    key = made.output.split()[-1]
    prefix = key[:8]
    assert service.post("/v1/districts", json={"name": "North"}, headers={"X-API-Key": key}).status_code == 201
    listed = runner.invoke(cli, ["keys", "list", "--org", "North District"])
    assert f"{prefix}..." in listed.output and "active" in listed.output and key not in listed.output
    assert runner.invoke(cli, ["keys", "revoke", prefix, "--org", "North District"]).exit_code == 0
    assert service.get("/v1/districts", headers={"X-API-Key": key}).status_code == 401


def test_a_key_never_starts_with_a_dash_which_the_command_line_would_read_as_an_option(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn = iter(["-dash-first", "plain-key"])
    monkeypatch.setattr("secrets.token_urlsafe", lambda _: next(drawn))
    assert store.create_key("North") == ("plain-key", "plain-ke")


def test_keys_are_stored_hashed(store: Store) -> None:
    key, _ = store.create_key("North District")
    with store.engine.connect() as connection:
        hashes = connection.execute(sa.text("SELECT key_hash FROM api_keys")).scalars().all()
    assert key not in json.dumps(hashes) and len(hashes) == 1


def test_the_service_refuses_a_database_newer_than_it_knows(database_url: str, store: Store) -> None:
    with store.engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(DatabaseError, match="revision 9999, which this version of pladvisor does not know"):
        check(store.engine, migrated=False)
    result = runner.invoke(cli, ["serve", "--port", "0"], env={"PLADVISOR_DATABASE_URL": database_url})
    assert result.exit_code == 2 and "does not know" in result.output


def test_the_service_sets_up_its_database_at_start_when_asked(database_url: str) -> None:
    import httpx

    from .servers import running_server

    engine = make_engine(database_url)
    with running_server(PLADVISOR_DATABASE_URL=database_url, PLADVISOR_UPGRADE_DATABASE="true") as url:
        assert httpx.post(f"{url}/v1/districts", json={"name": "North"}).status_code == 201
    check(engine)
    engine.dispose()


def test_storing_routes_ask_for_the_database_to_be_set_up(advisor: Advisor, tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'empty.db'}")
    with TestClient(create_app(advisor, settings)) as client:
        answer = client.get("/v1/districts")
        assert answer.status_code == 503 and "pladvisor db upgrade" in answer.json()["detail"]
        # The stateless routes need no database.
        assert client.post("/v1/assessments", json=as_body(MATURE_SCHOOL)).status_code == 200


def test_a_server_killed_during_a_burst_of_writes_keeps_every_acknowledged_write_whole(
    database_url: str, store: Store
) -> None:
    """Four clients store assessments as fast as they can; the server is killed (SIGKILL) mid-burst. Every write
    it acknowledged is there; at most one write per client was in flight, and any of those that is there is
    whole (one transaction each)."""
    import concurrent.futures
    import os
    import signal
    import subprocess
    import threading

    import httpx

    from .servers import PLADVISOR, free_port, wait_until_healthy

    port = free_port()
    env = {**os.environ, "PLADVISOR_LOG_LEVEL": "warning", "PLADVISOR_DATABASE_URL": database_url}
    server = subprocess.Popen([str(PLADVISOR), "serve", "--port", str(port)], env=env)
    url = f"http://127.0.0.1:{port}"
    acknowledged: list[str] = []
    lock, enough = threading.Lock(), threading.Event()
    try:
        wait_until_healthy(url, server)
        _, school = a_school_over_http(url)
        body = {"assessed_on": "2026-01-01", "profile": as_body(MATURE_SCHOOL)}

        def write() -> None:
            with httpx.Client(base_url=url, timeout=10) as client:
                while True:
                    try:
                        answer = client.post(f"/v1/schools/{school}/assessments", json=body)
                    except httpx.TransportError:
                        return  # the server is gone: this write was never acknowledged
                    assert answer.status_code == 201, answer.text
                    with lock:
                        acknowledged.append(answer.json()["id"])
                        if len(acknowledged) >= 40:
                            enough.set()

        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            writers = [pool.submit(write) for _ in range(4)]
            assert enough.wait(60), "the burst did not get going"
            server.send_signal(signal.SIGKILL)
            for writer in writers:
                writer.result(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
        server.wait(timeout=15)
    with store.engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT a.id, a.findings, b.body FROM assessments a "
                "LEFT JOIN assessment_answers b ON b.assessment_id = a.id"
            )
        ).all()
    stored = {row.id for row in rows}
    assert set(acknowledged) <= stored
    assert len(stored - set(acknowledged)) <= 4
    decode = msgspec.json.Decoder(Assessment).decode
    assert all(row.body is not None and to_json(decode(unpack(row.body))) and row.findings for row in rows)


def a_school_over_http(url: str) -> tuple[str, str]:
    import httpx

    district = httpx.post(f"{url}/v1/districts", json={"name": "North"}).json()["id"]
    school = httpx.post(f"{url}/v1/districts/{district}/schools", json={"name": "Oak"}).json()["id"]
    return district, school


def test_progress_shows_the_timeline_what_was_resolved_and_growth_to_celebrate(service: TestClient[Litestar]) -> None:
    _, school = a_school(service)
    years = [("2024-09-01", RUSHED_DISTRICT), ("2025-09-01", RUSHED_DISTRICT), ("2026-09-01", MATURE_SCHOOL)]
    for day, answers in years:
        body = {"assessed_on": day, "profile": as_body(answers)}
        assert service.post(f"/v1/schools/{school}/assessments", json=body).status_code == 201
    progress = service.get(f"/v1/schools/{school}/progress").json()
    timeline = progress["timeline"]
    assert [point["assessed_on"] for point in timeline] == ["2024-09-01", "2025-09-01", "2026-09-01"]
    rushed = service.post("/v1/assessments", json=as_body(RUSHED_DISTRICT)).json()
    mature = service.post("/v1/assessments", json=as_body(MATURE_SCHOOL)).json()
    assert timeline[0]["score"] == rushed["readiness"]["score"] and timeline[2]["stage"] == mature["readiness"]["stage"]
    standstill, growth = progress["steps"]
    assert standstill["resolved"] == [] and standstill["new"] == [] and standstill["celebrate"] == []
    comparison = service.post(
        "/v1/assessments/compare", json={"before": as_body(RUSHED_DISTRICT), "after": as_body(MATURE_SCHOOL)}
    ).json()
    assert growth["resolved"] == [r["rule_id"] for r in comparison["resolved"]] and growth["resolved"]
    assert growth["celebrate"] == comparison["improvements"] and growth["celebrate"]
    assert progress["model_changes"] == (
        "The school made 3 deliberate changes to its model in the year before its assessment of 2026-09-01."
    )


def store_history(service: TestClient[Litestar], school: str, history: list[tuple[str, dict[str, Any]]]) -> None:
    for day, answers in history:
        body = {"assessed_on": day, "profile": as_body(answers)}
        assert service.post(f"/v1/schools/{school}/assessments", json=body).status_code == 201


def test_progress_says_when_the_why_was_revisited_as_the_latest_answer_says(service: TestClient[Litestar]) -> None:
    # The why's wording changed in June; the school says staff last revisited it two months before January.
    _, school = a_school(service)
    edited = {**MATURE_SCHOOL, "vision.why_names_learners_and_community": False}
    store_history(
        service,
        school,
        [
            ("2025-06-15", {**edited, "vision.months_since_why_revisited": 14}),
            ("2026-01-15", {**MATURE_SCHOOL, "vision.months_since_why_revisited": 2}),
        ],
    )
    why = service.get(f"/v1/schools/{school}/progress").json()["why_revisited"]
    assert why.startswith(
        "Staff last revisited the why together 2 months ago, as of the latest assessment (2026-01-15)"
    )


def test_progress_counts_the_model_changes_the_school_reported(service: TestClient[Litestar]) -> None:
    # The tools answers change every year, yet the school reports no deliberate change of its model.
    _, school = a_school(service)
    history = [
        ("2024-09-01", {**MATURE_SCHOOL, "tools.technology_budget_percent": 30, "mindset.model_changes_last_year": 0}),
        ("2025-09-01", {**MATURE_SCHOOL, "tools.technology_budget_percent": 45, "mindset.model_changes_last_year": 0}),
    ]
    store_history(service, school, history)
    changes = service.get(f"/v1/schools/{school}/progress").json()["model_changes"]
    assert changes == (
        "Deliberate changes the school made to its model in the year before each assessment: 0 (2024-09-01), "
        "0 (2025-09-01); a journey means iterating the model as the school learns."
    )


def test_rollout_places_proof_points_first_and_names_the_foundations_others_lack(
    service: TestClient[Litestar],
) -> None:
    district = service.post("/v1/districts", json={"name": "North"}).json()["id"]
    schools = {}
    no_why = {**MATURE_SCHOOL, "vision.written_why": False}
    for name, answers, need in (
        ("Oak", MATURE_SCHOOL, 10.0),
        ("Elm", RUSHED_DISTRICT, 80.0),
        ("Ash", no_why, 55.0),
        ("Fir", None, 90.0),
    ):
        school = service.post(f"/v1/districts/{district}/schools", json={"name": name, "need": need}).json()["id"]
        schools[name] = school
        if answers is not None:
            body = {"assessed_on": "2026-09-01", "profile": as_body(answers)}
            assert service.post(f"/v1/schools/{school}/assessments", json=body).status_code == 201

    by_readiness = service.get(f"/v1/districts/{district}/rollout", params={"capacity": 2}).json()
    placed = {p["name"]: p for wave in by_readiness["waves"] for p in wave["schools"]}
    assert [[p["name"] for p in wave["schools"]] for wave in by_readiness["waves"]] == [["Oak", "Ash"], ["Elm"]]
    assert by_readiness["not_assessed"] == [schools["Fir"]]
    assert placed["Oak"]["group"] == "proof_point"
    assert placed["Oak"]["why"].startswith("A proof point: every foundation is in place")
    assert (placed["Ash"]["group"], placed["Ash"]["foundations_missing"]) == ("close", ["A written why"])
    assert placed["Ash"]["why"].startswith("1 foundation away: A written why (")
    assert placed["Elm"]["group"] == "foundations_first" and len(placed["Elm"]["foundations_missing"]) > 2

    by_need = service.get(f"/v1/districts/{district}/rollout", params={"lens": "need", "capacity": 2}).json()
    assert [[p["name"] for p in wave["schools"]] for wave in by_need["waves"]] == [["Elm", "Ash"], ["Oak"]]
    refused = service.get(f"/v1/districts/{district}/rollout", params={"lens": "luck", "capacity": 0})
    assert refused.status_code == 422
    assert (refused.json()["title"], refused.json()["detail"]) == (
        "Invalid query parameters",
        "Invalid query parameters: lens, capacity",
    )
    assert [e["field"] for e in refused.json()["errors"]] == ["lens", "capacity"]


def test_two_server_instances_on_one_postgresql_serve_the_same_data(postgres: str, tmp_path: Path) -> None:
    import httpx

    from .servers import running_server

    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f"CREATE DATABASE {name}"))
    admin.dispose()
    url = postgres.rsplit("/", 1)[0] + f"/{name}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    with running_server(PLADVISOR_DATABASE_URL=url) as first, running_server(PLADVISOR_DATABASE_URL=url) as second:
        district, school = a_school_over_http(first)
        body = {"assessed_on": "2026-09-01", "profile": as_body(MATURE_SCHOOL)}
        stored = httpx.post(f"{second}/v1/schools/{school}/assessments", json=body).json()["id"]
        history = httpx.get(f"{first}/v1/schools/{school}/assessments").json()
        assert [a["id"] for a in history["assessments"]] == [stored]
        assert httpx.get(f"{second}/v1/districts/{district}").json()["schools"][0]["assessments"] == 1


def test_an_organization_is_exported_and_imported_elsewhere_once(
    service: TestClient[Litestar], database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, school = a_school(service)
    for day in ("2025-09-01", "2026-09-01"):
        body = {"assessed_on": day, "profile": as_body(MATURE_SCHOOL)}
        assert service.post(f"/v1/schools/{school}/assessments", json=body).status_code == 201
    exported = tmp_path / "north.jsonl"
    monkeypatch.setenv("PLADVISOR_DATABASE_URL", database_url)
    result = runner.invoke(cli, ["export", "--org", "local", "-o", str(exported)])
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["type"] for line in exported.read_text().splitlines()] == [
        "district",
        "school",
        "assessment",
        "assessment",
    ]

    elsewhere = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    monkeypatch.setenv("PLADVISOR_DATABASE_URL", elsewhere)
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    first = runner.invoke(cli, ["import", str(exported), "--org", "North"])
    assert "imported 1 districts, 1 schools and 2 assessments into North" in first.output
    again = runner.invoke(cli, ["import", str(exported), "--org", "North"])
    assert "imported 0 districts, 0 schools and 0 assessments" in again.output
    clash = runner.invoke(cli, ["import", str(exported), "--org", "Someone else"])
    assert clash.exit_code == 2 and "nothing imported" in clash.output and "another organization" in clash.output
    engine = make_engine(elsewhere)
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM assessments")).scalar() == 2
    engine.dispose()


def test_an_adopted_action_is_marked_by_the_next_assessment_and_shown_when_overdue(
    service: TestClient[Litestar],
) -> None:
    _, school = a_school(service)
    first = service.post(
        f"/v1/schools/{school}/assessments", json={"assessed_on": "2025-09-01", "profile": as_body(RUSHED_DISTRICT)}
    ).json()
    now = [r for r in first["assessment"]["recommendations"] if r["horizon"] == "now"]
    later_item = next(r for r in first["assessment"]["recommendations"] if r["horizon"] != "now")
    adopt = {"assessment_id": first["id"], "rule_id": now[0]["rule_id"], "owner": "Ms Rivera", "due_on": "2025-12-01"}
    action = service.post(f"/v1/schools/{school}/actions", json=adopt)
    assert action.status_code == 201, action.text
    assert (action.json()["title"], action.json()["rule_state"]) == (now[0]["title"], "not_reassessed")
    refused = service.post(f"/v1/schools/{school}/actions", json={**adopt, "rule_id": later_item["rule_id"]})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "rule_id"

    (listed,) = service.get(f"/v1/schools/{school}/actions").json()
    assert listed["overdue"] is True and listed["status"] == "open"
    overdue = service.get(f"/v1/schools/{school}/progress").json()["overdue_actions"]
    assert [a["id"] for a in overdue] == [action.json()["id"]]

    second = service.post(
        f"/v1/schools/{school}/assessments", json={"assessed_on": "2026-09-01", "profile": as_body(MATURE_SCHOOL)}
    ).json()
    (checked,) = service.get(f"/v1/schools/{school}/actions").json()
    assert (checked["rule_state"], checked["checked_in"], checked["overdue"]) == ("resolved", second["id"], False)
    again = service.post(f"/v1/schools/{school}/actions", json=adopt)
    assert again.status_code == 422 and "already adopted, as action" in again.json()["errors"][0]["message"]
    late = service.post(f"/v1/schools/{school}/actions", json={**adopt, "rule_id": now[1]["rule_id"]}).json()
    assert (late["rule_state"], late["checked_in"]) == ("resolved", second["id"]), "as the list will show it"
    done = service.patch(f"/v1/schools/{school}/actions/{checked['id']}", json={"status": "done"})
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert service.get(f"/v1/schools/{school}/progress").json()["overdue_actions"] == []


def test_a_combined_assessment_is_stored_and_counts_in_progress(service: TestClient[Litestar]) -> None:
    _, school = a_school(service)
    responses = [
        {"role": "leader", "answers": {"professional_development": {"timely": True}}},
        *({"role": "teacher", "answers": {"professional_development": {"timely": False}}} for _ in range(6)),
    ]
    stored = service.post(
        f"/v1/schools/{school}/assessments/combined", json={"assessed_on": "2026-03-01", "responses": responses}
    )
    assert stored.status_code == 201, stored.text
    body = stored.json()
    assert body["kind"] == "combined" and body["combined"]["perception_gaps"][0]["gap_id"]
    assert body["assessment"] == body["combined"]["assessment"]
    again = service.get(f"/v1/schools/{school}/assessments/{body['id']}").json()
    assert again == body
    history = service.get(f"/v1/schools/{school}/assessments").json()["assessments"]
    assert [entry["kind"] for entry in history] == ["combined"]
    progress = service.get(f"/v1/schools/{school}/progress").json()
    assert progress["timeline"][0]["stage"] == body["assessment"]["readiness"]["stage"]
    refused = service.post(
        f"/v1/schools/{school}/assessments/combined",
        json={"assessed_on": "2026-03-01", "responses": [{"role": "student", "answers": {"tools": {}}}]},
    )
    assert refused.status_code == 422


def test_the_example_district_over_time_renders_its_rollout_page_in_a_browser(
    service: TestClient[Litestar], tmp_path: Path
) -> None:
    from .browser import Browser, chromium, visible_text

    example = json.loads((Path(__file__).resolve().parents[1] / "examples" / "district_over_time.json").read_text())
    district = service.post("/v1/districts", json={"name": example["name"]}).json()["id"]
    for school in example["schools"]:
        body = {"name": school["name"], "need": school["need"]}
        school_id = service.post(f"/v1/districts/{district}/schools", json=body).json()["id"]
        for entry in school["assessments"]:
            assert service.post(f"/v1/schools/{school_id}/assessments", json=entry).status_code == 201
    page = service.get(f"/v1/districts/{district}/page", params={"capacity": 2})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<script" not in page.text and page.text.count("<polyline") == len(example["schools"])
    written = tmp_path / "district.html"
    written.write_text(page.text, encoding="utf-8")
    text = visible_text(Browser(chromium(), tmp_path).dom(written))
    assert "North Valley Unified" in text and "Wave 1" in text and "Wave 3" in text
    assert all(school["name"] in text for school in example["schools"])


def test_score_stores_a_districts_file_once_however_often_it_is_run(
    database_url: str, store: Store, advisor: Advisor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def advisor_answer(profile: SchoolProfile) -> Any:
        return json.loads(to_json(advisor.assess(profile)))

    district_file = Path(__file__).resolve().parents[1] / "examples" / "district.csv"
    monkeypatch.setenv("PLADVISOR_DATABASE_URL", database_url)
    out = tmp_path / "out.jsonl"
    command = ["score", str(district_file), "-o", str(out), "--store", "North", "--assessed-on", "2026-09-01"]
    first = runner.invoke(cli, command)
    assert "stored 46 assessments in North (0 already there)" in first.output
    again = runner.invoke(cli, command)
    assert "stored 0 assessments in North (46 already there)" in again.output
    with store.engine.connect() as connection:
        counts = connection.execute(sa.text("SELECT count(*) FROM assessments")).scalar()
        schools = connection.execute(sa.text("SELECT count(*) FROM schools")).scalar()
    assert (counts, schools) == (46, 46)
    written = {json.loads(line)["assessment"]["school_id"]: line for line in out.read_text().splitlines()}
    assert len(written) == 46
    organization = store.local_organization()
    (north,) = store.districts(organization)
    _, history, _ = store.over_time(organization, north.schools[0].id)
    (stored,) = history
    answer = json.loads(written[stored.profile.school_id or ""])["assessment"]
    assert advisor_answer(stored.profile) == answer, "the stored answers assess as the file's row did"
    assert stored.findings is not None and stored.findings.score == answer["readiness"]["score"]
    refused = runner.invoke(cli, [*command, "--api", "http://127.0.0.1:9"])
    said = " ".join(re.sub(r"[│╭╮╰╯─]", " ", refused.output).split())
    assert refused.exit_code == 2 and "cannot be used with --api" in said


def test_an_upgrade_moves_stored_answers_apart_and_gives_them_findings(database_url: str, advisor: Advisor) -> None:
    engine = make_engine(database_url)
    upgrade(engine, "0001")
    assessment = advisor.assess(SchoolProfile.model_validate(as_body(RUSHED_DISTRICT)))
    answer = to_json(assessment).decode()
    with engine.begin() as connection:
        for statement, values in (
            ("INSERT INTO organizations VALUES ('o', 'local', :now)", {}),
            ("INSERT INTO districts VALUES ('d', 'o', 'North', :now)", {}),
            ("INSERT INTO schools VALUES ('s', 'o', 'd', 'Elm', NULL, NULL, :now)", {}),
            (
                "INSERT INTO assessments VALUES ('a', 'o', 's', :day, 'single', :version, :stage, :score, :answer, "
                "'{}', :now)",
                {
                    "day": date(2026, 9, 1),
                    "version": assessment.catalog_version,
                    "stage": assessment.readiness.stage,
                    "score": assessment.readiness.score,
                    "answer": answer,
                },
            ),
            (
                "INSERT INTO actions VALUES ('x', 'o', 's', 'a', 'r', 'T', 'Ann', :day, 'open', :now)",
                {"day": date.today()},
            ),
        ):
            connection.execute(sa.text(statement), {"now": datetime.now(UTC), **values})

    upgrade(engine)

    store = Store(engine)
    stored = store.stored_assessment("o", "s", "a")
    assert to_json(stored.assessment).decode() == answer
    (latest,) = [dated for _, dated in store.latest_by_school("o", "d")]
    assert latest is not None and latest.findings == findings_of_assessment(assessment)
    assert [action.id for action, _ in store.actions("o", "s")] == ["x"], "rows referring to assessments are kept"
    store.close()


def test_stored_findings_are_read_while_the_catalog_that_made_them_is_in_use(
    service: TestClient[Litestar], store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    district, school = a_school(service)
    for day, answers in (
        ("2024-09-01", RUSHED_DISTRICT),
        ("2025-09-01", MATURE_SCHOOL),
        ("2026-09-01", RUSHED_DISTRICT),
    ):
        body = {"assessed_on": day, "profile": as_body(answers)}
        assert service.post(f"/v1/schools/{school}/assessments", json=body).status_code == 201
    assessed: list[SchoolProfile] = []
    assess = Advisor.assess

    def counted(self: Advisor, profile: SchoolProfile) -> Assessment:
        assessed.append(profile)
        return assess(self, profile)

    monkeypatch.setattr(Advisor, "assess", counted)

    reads = (f"/v1/districts/{district}/rollout", f"/v1/schools/{school}/progress", f"/v1/districts/{district}/page")
    current = [service.get(path).text for path in reads]
    assert assessed == []
    with store.engine.begin() as connection:
        connection.execute(sa.text("UPDATE assessments SET catalog_version = 'an earlier catalog'"))
    again = [service.get(path).text for path in reads]
    # The roll-out's latest, the progress's three, the page's three and its roll-out's latest.
    assert len(assessed) == 1 + 3 + 3 + 1, "answers stored under another catalog are assessed again"
    assert again == current, "and read as their stored findings are"


def test_stored_answers_are_compressed(service: TestClient[Litestar], store: Store) -> None:
    _, school = a_school(service)
    body = {"assessed_on": "2026-09-01", "profile": as_body(MATURE_SCHOOL)}
    answer = service.post(f"/v1/schools/{school}/assessments", json=body)
    with store.engine.connect() as connection:
        (stored,) = connection.execute(sa.text("SELECT body FROM assessment_answers")).scalars()
    assert stored.startswith(b"\x28\xb5\x2f\xfd"), "a Zstandard frame"
    assert len(stored) * 2 < len(json.dumps(answer.json()["assessment"]))


def test_an_import_refuses_ids_that_are_not_one_path_segment_and_parents_of_other_organizations(
    store: Store,
) -> None:
    from pladvisor.storage.store import ImportProblem

    with pytest.raises(ImportProblem, match="record 1: its id is not"):
        store.import_rows("North", [{"type": "district", "id": "a/b", "name": "North"}])
    theirs = store.create_district(store.organization_named("South"), "South")
    school = {"type": "school", "id": "s1", "district_id": theirs.id, "name": "Oak", "external_id": None, "need": None}
    with pytest.raises(ImportProblem, match="record 1: its district_id is not among the organization's"):
        store.import_rows("North", [school])
    assert store.districts(store.organization_named("North")) == []


def test_reads_and_writes_outlive_the_database_closing_their_connections(database_url: str, store: Store) -> None:
    """As after a restart of PostgreSQL: pooled connections are closed under the service."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no server to close connections")
    organization = store.local_organization()
    district = store.create_district(organization, "North")
    assert store.district(organization, district.id).name == "North"
    admin = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        closed = connection.execute(
            sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar()
    admin.dispose()
    assert closed == 2, "the pooled connections of reads and of writes"
    assert store.district(organization, district.id).name == "North"
    assert store.add_school(organization, district.id, "Oak", None, None).name == "Oak"


def test_score_writes_a_batchs_results_only_once_the_batch_is_stored(
    database_url: str, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches are stored while the next ones are scored; a result in the output still means a stored row."""
    from pladvisor.cli import runs, scorers
    from pladvisor.cli.storing import StoreWriter

    district_file = Path(__file__).resolve().parents[1] / "examples" / "district.csv"
    out = tmp_path / "out.jsonl"
    monkeypatch.setenv("PLADVISOR_DATABASE_URL", database_url)
    monkeypatch.setattr(runs, "STORE_BATCH", 10)
    store_batch = StoreWriter.store
    batches: list[int] = []

    def checked(writer: StoreWriter, rows: list[tuple[dict[str, Any], scorers.Scored]]) -> None:
        written = {json.loads(line)["line"] for line in out.read_text().splitlines()} if out.exists() else set()
        assert not written & {scored.line for _, scored in rows}, "a result was written before its row was stored"
        store_batch(writer, rows)
        batches.append(len(rows))

    monkeypatch.setattr(StoreWriter, "store", checked)
    result = runner.invoke(cli, ["score", str(district_file), "-o", str(out), "--store", "North"])
    assert "stored 46 assessments in North" in result.output, result.output
    assert batches == [10, 10, 10, 10, 6]
    assert len(out.read_text().splitlines()) == 46
