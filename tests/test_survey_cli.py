"""`pladvisor survey` over the store the service uses: a survey opened from the command line is answered through
its links on the service, followed and concluded from the command line, and ends in the school's history as it
would through the API; another organization's survey is not found, and each refusal is one line with status 2."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from typer.testing import CliRunner, Result

from pladvisor.advice.advisor import Advisor
from pladvisor.api.app import create_app
from pladvisor.cli.app import app
from pladvisor.config import Settings
from pladvisor.storage.database import make_engine
from pladvisor.storage.store import Store

from .test_surveys import CLOSES_ON, FAMILY_DOES_NOT_KNOW, LEADER_SHARES_WITH_FAMILIES, SECRET, a_school

PUBLIC_URL = "https://advice.example.org"
runner = CliRunner()


@pytest.fixture
def service(advisor: Advisor, database: str) -> Iterator[TestClient[Litestar]]:
    """The service on the same database, with the same secret and public address as the command line."""
    settings = Settings(database_url=database, embed_secret=SECRET, public_url=PUBLIC_URL)
    with TestClient(create_app(advisor, settings)) as client:
        yield client


@pytest.fixture
def env(database: str) -> dict[str, str | None]:
    return {
        "PLADVISOR_DATABASE_URL": database,
        "PLADVISOR_EMBED_SECRET": SECRET,
        "PLADVISOR_PUBLIC_URL": PUBLIC_URL,
        "PLADVISOR_EMBED_SECRET_FILE": None,
    }


def survey(env: dict[str, str | None], *args: str) -> Result:
    return runner.invoke(app, ["survey", *args], env=env)


def refused(result: Result) -> str:
    """The one line a refused command prints, after checking that it is all it printed and it exited 2."""
    assert result.exit_code == 2, result.output
    assert result.stdout == "" and result.stderr.count("\n") == 1, result.output
    assert result.stderr.startswith("error: ")
    return result.stderr.strip()


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(text.splitlines()))


def answer(service: TestClient[Litestar], link: str, fields: dict[str, Any]) -> None:
    """The form as a browser sends it, through the link the command line wrote."""
    assert link.startswith(f"{PUBLIC_URL}/s/")
    sent = service.post(urlsplit(link).path, data={name.replace("__", "."): value for name, value in fields.items()})
    assert sent.status_code == 200, sent.text


def opened(env: dict[str, str | None], school: str, tmp_path: Path, *extra: str) -> tuple[str, list[dict[str, str]]]:
    links = tmp_path / "links.csv"
    made = survey(
        env,
        "open",
        "--school",
        school,
        "--role",
        "leader=1",
        "--role",
        "family=30",
        "--closes-on",
        CLOSES_ON,
        "--language",
        "en",
        "--language",
        "es",
        "-o",
        str(links),
        *extra,
    )
    assert made.exit_code == 0, made.output
    return made.stdout.strip(), rows(links.read_text(encoding="utf-8"))


def test_a_survey_opened_from_the_command_line_is_answered_followed_and_concluded_into_the_schools_history(
    service: TestClient[Litestar], env: dict[str, str | None], tmp_path: Path
) -> None:
    school = a_school(service)
    survey_id, links = opened(env, school, tmp_path)
    assert [(row["role"], row["place"]) for row in links] == [("leader", "1")] + [
        ("family", str(place)) for place in range(1, 31)
    ]
    base = f"/v1/schools/{school}/surveys/{survey_id}"
    assert rows(service.get(f"{base}/links.csv").text) == links, "the service's own links, for the same survey"
    again = survey(env, "links", survey_id, "--school", school)
    assert again.exit_code == 0 and rows(again.stdout) == links

    leader, families = links[0]["url"], [row["url"] for row in links[1:]]
    answer(service, leader, LEADER_SHARES_WITH_FAMILIES)
    for link in families[:5]:
        answer(service, link, FAMILY_DOES_NOT_KNOW)
    below = survey(env, "status", survey_id, "--school", school)
    assert below.exit_code == 0, below.output
    assert below.stdout.splitlines() == [
        f"survey {survey_id} of school {school}: open, taking answers until {CLOSES_ON}",
        "leader: Counted in the school's answer: 1 of 1 answered (100%), at or above the 50% from which leaders count.",
        "family: Not counted in the school's answer: 5 of 30 answered (16%), below the 20% from which families "
        "count. Their perception gaps are shown apart, as low confidence.",
        "kept out of the school's answer: family",
        "low-confidence gaps: definition-not-reaching-families",
        "disputed: none",
    ]

    answer(service, families[5], FAMILY_DOES_NOT_KNOW)
    reached = survey(env, "status", survey_id, "--school", school, "--json")
    assert reached.exit_code == 0, reached.output
    assert json.loads(reached.stdout) == service.get(base).json(), "the same JSON as GET on the survey"
    text = survey(env, "status", survey_id, "--school", school).stdout
    assert "family: Counted in the school's answer: 6 of 30 answered (20%)" in text
    assert "kept out of the school's answer: none\ndisputed: definition.shared_with\n" in text

    agreed = tmp_path / "agreed.json"
    agreed.write_text(
        json.dumps(
            {
                "answers": [
                    {
                        "field": "definition.shared_with",
                        "value": ["teachers", "leaders"],
                        "note": "Families were not told.",
                    }
                ],
                "note": "Agreed at the staff meeting.",
            }
        ),
        encoding="utf-8",
    )
    done = survey(
        env, "consensus", survey_id, "--school", school, "--answers", str(agreed), "--assessed-on", "2026-12-01"
    )
    assert done.exit_code == 0, done.output
    assessment_id = done.stdout.strip()
    history = service.get(f"/v1/schools/{school}/assessments").json()["assessments"]
    assert [(a["id"], a["kind"], a["assessed_on"]) for a in history] == [(assessment_id, "combined", "2026-12-01")]
    stored = service.get(f"/v1/schools/{school}/assessments/{assessment_id}").json()
    shared = next(f for f in stored["combined"]["combined"] if f["field"] == "definition.shared_with")
    assert shared["value"] == ["teachers", "leaders"] and "Families were not told." in shared["explanation"]
    after = service.get(base).json()
    assert after["status"] == "closed" and after["consensus"]["assessment_id"] == assessment_id
    assert service.post(urlsplit(families[6]).path, data=FAMILY_DOES_NOT_KNOW).status_code == 410
    concluded = survey(env, "status", survey_id, "--school", school).stdout.splitlines()
    assert concluded[0].startswith(f"survey {survey_id} of school {school}: closed on ")
    assert concluded[-1] == f"concluded: assessment {assessment_id}, assessed on 2026-12-01"

    twice = survey(env, "consensus", survey_id, "--school", school, "--answers", str(agreed))
    assert refused(twice) == (
        "error: a consensus was stored for this survey already; its assessment is in the school's history"
    )
    assert len(service.get(f"/v1/schools/{school}/assessments").json()["assessments"]) == 1


def test_a_consensus_the_route_would_refuse_is_refused_in_one_line_and_the_survey_goes_on(
    service: TestClient[Litestar], env: dict[str, str | None], tmp_path: Path
) -> None:
    school = a_school(service)
    survey_id, links = opened(env, school, tmp_path)
    answer(service, links[0]["url"], LEADER_SHARES_WITH_FAMILIES)
    for row in links[1:7]:
        answer(service, row["url"], FAMILY_DOES_NOT_KNOW)
    agreed = tmp_path / "agreed.json"

    def consensus(body: Any) -> str:
        agreed.write_text(json.dumps(body), encoding="utf-8")
        return refused(survey(env, "consensus", survey_id, "--school", school, "--answers", str(agreed)))

    assert consensus({"answers": []}) == (
        "error: answers: definition.shared_with is disputed: give the team's answer (null to leave it open) and a note"
    )
    wrong = {"field": "tools.plan_centre", "value": "devices", "note": "x"}
    assert consensus({"answers": [wrong]}).startswith(
        "error: answers.0.field: not disputed: the respondents' answer stands; answers: definition.shared_with is "
    )
    assert consensus({"assessed_on": "yesterday"}) == (
        f"error: {agreed}: assessed_on: Value error, expected a day as YYYY-MM-DD"
    )
    assert consensus([]) == f"error: {agreed}: the consensus is a JSON object, with assessed_on, answers and note"
    status = json.loads(survey(env, "status", survey_id, "--school", school, "--json").stdout)
    assert status["status"] == "open" and status["consensus"] is None
    answer(service, links[7]["url"], FAMILY_DOES_NOT_KNOW)


def test_another_organizations_survey_and_school_are_not_found(
    service: TestClient[Litestar], env: dict[str, str | None], database: str, tmp_path: Path
) -> None:
    store = Store(make_engine(database))
    north, _ = store.create_key("North")
    store.create_key("South")
    store.close()
    school = a_school(service, {"X-API-Key": north})
    survey_id, links = opened(env, school, tmp_path, "--org", "North")
    agreed = tmp_path / "agreed.json"
    agreed.write_text('{"answers": []}', encoding="utf-8")
    missing = f"error: no survey {survey_id} of school {school} in organization South"
    for command in (
        ["status", survey_id, "--school", school, "--org", "South"],
        ["links", survey_id, "--school", school, "--org", "South"],
        ["consensus", survey_id, "--school", school, "--answers", str(agreed), "--org", "South"],
    ):
        assert refused(survey(env, *command)) == missing
    elsewhere = survey(
        env, "open", "--school", school, "--role", "family=2", "--closes-on", CLOSES_ON, "-o", "-", "--org", "South"
    )
    assert refused(elsewhere) == f"error: no school {school} in organization South"
    assert refused(survey(env, "status", survey_id, "--school", school)) == (
        f"error: no survey {survey_id} of school {school} in organization local"
    )
    assert refused(survey(env, "status", survey_id, "--school", school, "--org", "Nowhere")) == (
        "error: no organization named 'Nowhere'"
    )
    north_sees = survey(env, "status", survey_id, "--school", school, "--org", "North", "--json")
    assert north_sees.exit_code == 0 and json.loads(north_sees.stdout)["id"] == survey_id
    assert len(links) == 31


def test_links_need_the_services_secret_and_address_and_a_survey_its_terms(
    service: TestClient[Litestar], env: dict[str, str | None], tmp_path: Path
) -> None:
    school = a_school(service)

    def open_with(settings: dict[str, str | None], *args: str) -> str:
        base = ["open", "--school", school, "--closes-on", CLOSES_ON, "-o", str(tmp_path / "links.csv")]
        return refused(survey({**env, **settings}, *base, *args))

    family = ("--role", "family=30")
    assert open_with({"PLADVISOR_EMBED_SECRET": None}, *family) == (
        "error: survey links are signed with the service's secret: set PLADVISOR_EMBED_SECRET (or "
        "PLADVISOR_EMBED_SECRET_FILE) as the service has it"
    )
    assert open_with({"PLADVISOR_PUBLIC_URL": None}, *family) == (
        "error: survey links need the service's address as respondents reach it: give --base-url (as in "
        "https://advice.example.org) or set PLADVISOR_PUBLIC_URL"
    )
    assert open_with({}, *family, "--base-url", "advice.example.org/path") == (
        "error: --base-url: must be an http:// or https:// address with no path, as in https://advice.example.org, "
        "not 'advice.example.org/path'"
    )
    assert open_with({}, "--role", "family") == (
        "error: --role 'family': give the role and its roster, as in teacher=24, or family=300:shared for one link "
        "shared by the whole role"
    )
    assert open_with({}, "--role", "family=2", "--role", "family=3") == "error: --role: family is given twice"
    assert open_with({}, "--role", "janitor=2") == (
        "error: --role 'janitor=2': janitor is not a role; the roles are leader, teacher, coach, student, family"
    )
    assert open_with({}, "--role", "family=0") == "error: --role family: Input should be greater than or equal to 1"
    assert open_with({}, *family, "--language", "xx") == "error: --language: no wording in 'xx'; known: en, es"
    assert open_with({}, *family, "--closes-on", "2020-01-01") == (
        "error: --closes-on: the last day to answer cannot be in the past"
    )


def test_a_shared_link_is_written_once_and_the_id_goes_to_standard_error_when_the_links_go_to_standard_output(
    service: TestClient[Litestar], env: dict[str, str | None]
) -> None:
    school = a_school(service)
    made = survey(
        env,
        "open",
        "--school",
        school,
        "--role",
        "family=300:shared",
        "--closes-on",
        CLOSES_ON,
        "-o",
        "-",
        "--base-url",
        "http://127.0.0.1:8000/",
    )
    assert made.exit_code == 0, made.output
    (link,) = rows(made.stdout)
    assert (link["role"], link["place"]) == ("family", "shared")
    assert link["url"].startswith("http://127.0.0.1:8000/s/")
    lines = made.stderr.splitlines()
    assert lines[0] == (
        "family: One shared link for all 300: anyone who has it can answer, and one person can answer more than "
        "once. It takes up to 300 answers."
    )
    survey_id = lines[-1]
    assert service.get(f"/v1/schools/{school}/surveys/{survey_id}").json()["roles"][0]["shared_link"] is True
    assert service.get(urlsplit(link["url"]).path).status_code == 200
