"""Surveys against the served app: opened with rosters, answered once per link in the respondent's language,
counted against the rosters, and concluded by the team's consensus into the school's history; links that are used,
closed, made up or another organization's; and a consensus racing the last answers on SQLite."""

from __future__ import annotations

import csv
import io
import re
import shutil
import sqlite3
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import event

from pladvisor.advice.advisor import Advisor
from pladvisor.advice.combine import Combiner
from pladvisor.advice.survey_catalog import load_survey_catalog
from pladvisor.advice.survey_forms import questionnaire
from pladvisor.api.app import create_app
from pladvisor.api.embed_tokens import Terms, sign
from pladvisor.config import Settings
from pladvisor.engine.catalog import CatalogError, default_rules_dir
from pladvisor.engine.respondents import load_respondents
from pladvisor.storage.database import make_engine
from pladvisor.storage.store import Store
from pladvisor.storage.surveys import StoredResponse, SurveyedRole

from .servers import running_server

SECRET = "survey-test-secret-" * 3
CLOSES_ON = (date.today() + timedelta(days=30)).isoformat()


def serve(advisor: Advisor, database: str, **settings: Any) -> TestClient[Litestar]:
    return TestClient(create_app(advisor, Settings(database_url=database, **{"embed_secret": SECRET, **settings})))


@pytest.fixture
def service(advisor: Advisor, database: str) -> Iterator[TestClient[Litestar]]:
    with serve(advisor, database) as client:
        yield client


def a_school(client: TestClient[Litestar], headers: dict[str, str] | None = None) -> str:
    district = client.post("/v1/districts", json={"name": "North"}, headers=headers).json()
    school = client.post(f"/v1/districts/{district['id']}/schools", json={"name": "Oak Ridge"}, headers=headers)
    assert school.status_code == 201, school.text
    return str(school.json()["id"])


def opened(
    client: TestClient[Litestar], school: str, roles: dict[str, Any], headers: dict[str, str] | None = None, **body: Any
) -> dict[str, Any]:
    made = client.post(
        f"/v1/schools/{school}/surveys",
        json={"roles": roles, "closes_on": CLOSES_ON, "languages": ["en", "es"], **body},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    return dict(made.json())


def links_of(survey: dict[str, Any], role: str) -> list[str]:
    return next(list(r["links"]) for r in survey["roles"] if r["role"] == role)


def status_of(client: TestClient[Litestar], school: str, survey: dict[str, Any]) -> dict[str, Any]:
    found = client.get(f"/v1/schools/{school}/surveys/{survey['id']}")
    assert found.status_code == 200, found.text
    return dict(found.json())


def rate(status: dict[str, Any], role: str) -> dict[str, Any]:
    return next(dict(r) for r in status["roles"] if r["role"] == role)


def answer(client: TestClient[Litestar], link: str, **fields: Any) -> httpx.Response:
    """The form as a browser sends it: dotted input names, yes/no for a yes-or-no question."""
    return client.post(link, data={name.replace("__", "."): value for name, value in fields.items()})


LEADER_SHARES_WITH_FAMILIES = {"definition__shared_with": ["teachers", "leaders", "families"]}
FAMILY_DOES_NOT_KNOW = {"definition__shared_with": "no", "vision__written_why": "no"}


def test_a_survey_gives_each_roster_place_its_own_link_or_a_role_one_shared_link(
    service: TestClient[Litestar],
) -> None:
    school = a_school(service)
    made = service.post(
        f"/v1/schools/{school}/surveys",
        json={
            "roles": {"teacher": {"roster": 24}, "family": {"roster": 300, "shared_link": True}},
            "closes_on": CLOSES_ON,
            "languages": ["es", "en"],
        },
    )
    assert made.status_code == 201, made.text
    survey = made.json()
    assert made.headers["location"] == f"/v1/schools/{school}/surveys/{survey['id']}"
    assert survey["status"] == "open" and survey["closes_on"] == CLOSES_ON
    assert survey["expires_at"] == f"{date.fromisoformat(CLOSES_ON) + timedelta(days=1)}T00:00:00Z"
    teacher, family = survey["roles"]
    assert (teacher["role"], teacher["roster"], teacher["shared_link"]) == ("teacher", 24, False)
    assert len(teacher["links"]) == 24 == len(set(teacher["links"]))
    assert teacher["languages"] == ["en"], "teachers' questions have no Spanish wording yet"
    assert (family["role"], family["roster"], family["shared_link"], family["languages"]) == (
        "family",
        300,
        True,
        ["en", "es"],
    )
    assert len(family["links"]) == 1 and "one person can answer more than once" in family["note"]
    assert all(re.fullmatch(r"http://testserver\.local/s/[A-Za-z0-9_-]+", link) for link in teacher["links"])

    sheet = service.get(f"/v1/schools/{school}/surveys/{survey['id']}/links.csv")
    assert sheet.status_code == 200 and sheet.headers["content-type"].startswith("text/csv")
    assert "attachment" in sheet.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(sheet.text)))
    assert [row["url"] for row in rows] == [*teacher["links"], *family["links"]], "the same links, made again"
    assert [row["place"] for row in rows] == [*map(str, range(1, 25)), "shared"]


def test_a_single_use_link_takes_one_response_and_then_answers_410(service: TestClient[Litestar]) -> None:
    school = a_school(service)
    survey = opened(service, school, {"family": {"roster": 3}})
    link = links_of(survey, "family")[0]
    form = service.get(link)
    assert form.status_code == 200 and "set-cookie" not in form.headers
    assert answer(service, link, **FAMILY_DOES_NOT_KNOW).status_code == 200
    for again in (service.get(link), answer(service, link, **FAMILY_DOES_NOT_KNOW)):
        assert again.status_code == 410 and "already been used" in again.text
    assert rate(status_of(service, school, survey), "family")["responses"] == 1


def test_a_shared_link_takes_answers_up_to_its_roster(service: TestClient[Litestar]) -> None:
    school = a_school(service)
    survey = opened(service, school, {"family": {"roster": 2, "shared_link": True}})
    (link,) = links_of(survey, "family")
    assert [answer(service, link, **FAMILY_DOES_NOT_KNOW).status_code for _ in range(3)] == [200, 200, 410]
    assert "as many answers as it can take" in service.get(link).text
    family = rate(status_of(service, school, survey), "family")
    assert family["responses"] == 2 and "more than once" in family["note"]


def test_another_organizations_survey_and_links_are_not_found(service: TestClient[Litestar], store: Store) -> None:
    north, south = {"X-API-Key": store.create_key("North")[0]}, {"X-API-Key": store.create_key("South")[0]}
    school = a_school(service, north)
    survey = opened(service, school, {"family": {"roster": 2}}, headers=north)
    base = f"/v1/schools/{school}/surveys/{survey['id']}"
    for response in (
        service.get(base, headers=south),
        service.get(f"{base}/links.csv", headers=south),
        service.post(f"{base}/consensus", json={"assessed_on": "2026-12-01"}, headers=south),
        service.post(
            f"/v1/schools/{school}/surveys",
            json={"roles": {"family": {"roster": 2}}, "closes_on": CLOSES_ON},
            headers=south,
        ),
        service.get(f"/v1/schools/{school}/surveys/{'0' * 32}", headers=north),
    ):
        assert response.status_code == 404, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
    # The respondent's page takes no key at all: its signed link is the permission.
    assert service.get(links_of(survey, "family")[0]).status_code == 200


def test_a_link_altered_made_up_or_signed_for_an_embed_answers_404_and_stores_nothing(
    service: TestClient[Litestar], store: Store
) -> None:
    school = a_school(service)
    survey = opened(service, school, {"family": {"roster": 2}})
    link = links_of(survey, "family")[0]
    token = link.rsplit("/", 1)[1]
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")
    embed = sign(
        SECRET.encode(),
        Terms("x" * 32, store.local_organization(), school, "card", "en", (), datetime.now(UTC) + timedelta(days=1)),
    )
    for bad in (altered, token[:40], "not-a-token", embed):
        for response in (service.get(f"/s/{bad}"), answer(service, f"/s/{bad}", **FAMILY_DOES_NOT_KNOW)):
            assert response.status_code == 404 and "This link is not valid" in response.text
            assert "Oak Ridge" not in response.text
    assert rate(status_of(service, school, survey), "family")["responses"] == 0


def test_a_closed_survey_refuses_answers_and_stores_nothing(service: TestClient[Litestar], store: Store) -> None:
    school = a_school(service)
    yesterday = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)
    ended = store.surveys.create(
        store.local_organization(), school, yesterday.date(), yesterday, ("en",), (SurveyedRole("family", 3, False),)
    )
    assert ended is not None
    link = service.get(f"/v1/schools/{school}/surveys/{ended.id}/links.csv").text.splitlines()[1].split(",")[2]
    for response in (service.get(link), answer(service, link, **FAMILY_DOES_NOT_KNOW)):
        assert response.status_code == 410 and "This survey is closed" in response.text
    status = status_of(service, school, {"id": ended.id})
    assert status["status"] == "closed" and rate(status, "family")["responses"] == 0


def test_response_rates_are_exact_and_a_role_below_its_threshold_is_kept_out_of_the_schools_answer(
    service: TestClient[Litestar],
) -> None:
    school = a_school(service)
    survey = opened(service, school, {"leader": {"roster": 1}, "family": {"roster": 30}})
    assert answer(service, links_of(survey, "leader")[0], **LEADER_SHARES_WITH_FAMILIES).status_code == 200
    families = links_of(survey, "family")
    for link in families[:5]:
        assert answer(service, link, **FAMILY_DOES_NOT_KNOW).status_code == 200

    below = status_of(service, school, survey)
    family = rate(below, "family")
    assert (family["responses"], family["response_rate"], family["threshold"]) == (5, 5 / 30, 0.2)
    assert not family["counted"] and family["shown_by_role"]
    assert "5 of 30 answered (16%), below the 20%" in family["note"]
    assert rate(below, "leader")["response_rate"] == 1.0 and rate(below, "leader")["counted"]
    assert below["combined"]["respondents"] == [{"role": "leader", "respondents": 1}]
    assert not below["combined"]["perception_gaps"]
    assert [gap["gap_id"] for gap in below["low_confidence_gaps"]] == ["definition-not-reaching-families"]

    # One more family reaches the 20% exactly: families count, and the gap is the school's.
    assert answer(service, families[5], **FAMILY_DOES_NOT_KNOW).status_code == 200
    reached = status_of(service, school, survey)
    assert rate(reached, "family")["counted"] and rate(reached, "family")["response_rate"] == 0.2
    assert {"role": "family", "respondents": 6} in reached["combined"]["respondents"]
    assert [gap["gap_id"] for gap in reached["combined"]["perception_gaps"]] == ["definition-not-reaching-families"]
    assert reached["low_confidence_gaps"] == [] and reached["disputed"] == ["definition.shared_with"]


def test_a_role_under_the_anonymity_floor_is_counted_but_never_shown_by_role(service: TestClient[Litestar]) -> None:
    school = a_school(service)
    survey = opened(service, school, {"family": {"roster": 6}})
    for link in links_of(survey, "family")[:4]:
        assert answer(service, link, **FAMILY_DOES_NOT_KNOW).status_code == 200
    status = status_of(service, school, survey)
    family = rate(status, "family")
    assert status["minimum_group"] == 5 and family["counted"] and not family["shown_by_role"]
    assert "Fewer than 5 answered, so their answers are not shown by role" in family["note"]
    fields = status["combined"]["combined"]
    assert all(view["role"] != "family" for field in fields for view in field["by_role"])


def test_the_consensus_stores_the_schools_assessment_in_its_history_and_closes_the_survey(
    service: TestClient[Litestar],
) -> None:
    school = a_school(service)
    survey = opened(service, school, {"leader": {"roster": 1}, "family": {"roster": 10}})
    base = f"/v1/schools/{school}/surveys/{survey['id']}"
    assert answer(service, links_of(survey, "leader")[0], **LEADER_SHARES_WITH_FAMILIES).status_code == 200
    families = links_of(survey, "family")
    for link in families[:5]:
        assert answer(service, link, **FAMILY_DOES_NOT_KNOW).status_code == 200
    before = status_of(service, school, survey)
    assert before["disputed"] == ["definition.shared_with"]

    unsettled = service.post(f"{base}/consensus", json={"assessed_on": "2026-12-01", "answers": []})
    assert unsettled.status_code == 422 and unsettled.json()["errors"][0]["field"] == "answers"
    assert "definition.shared_with is disputed" in unsettled.json()["errors"][0]["message"]
    wrong = service.post(
        f"{base}/consensus",
        json={
            "assessed_on": "2026-12-01",
            "answers": [{"field": "tools.plan_centre", "value": "devices", "note": "x"}],
        },
    )
    assert wrong.status_code == 422 and {e["field"] for e in wrong.json()["errors"]} == {"answers.0.field", "answers"}

    agreed = {"field": "definition.shared_with", "value": ["teachers", "leaders"], "note": "Families were not told."}
    done = service.post(f"{base}/consensus", json={"assessed_on": "2026-12-01", "answers": [agreed]})
    assert done.status_code == 201, done.text
    stored = done.json()["assessment"]
    assert done.headers["location"] == f"/v1/schools/{school}/assessments/{stored['id']}"
    shared = next(f for f in stored["combined"]["combined"] if f["field"] == "definition.shared_with")
    assert shared["value"] == ["teachers", "leaders"] and "Families were not told." in shared["explanation"]
    settled = done.json()["consensus"]["settled"]
    assert settled == [
        {
            "field": "definition.shared_with",
            "surveyed": next(f["value"] for f in before["combined"]["combined"] if f["field"] == agreed["field"]),
            "agreed": ["teachers", "leaders"],
            "note": "Families were not told.",
            "gaps": ["definition-not-reaching-families"],
        }
    ]

    history = service.get(f"/v1/schools/{school}/assessments").json()["assessments"]
    assert [(a["id"], a["kind"], a["assessed_on"]) for a in history] == [(stored["id"], "combined", "2026-12-01")]
    after = status_of(service, school, survey)
    assert after["status"] == "closed" and after["closed_at"] is not None
    kept = after["consensus"]
    assert kept["assessment_id"] == stored["id"]
    assert kept["perception_gaps"] == before["combined"]["perception_gaps"], "the disagreements are kept beside it"
    refused = answer(service, families[5], **FAMILY_DOES_NOT_KNOW)
    assert refused.status_code == 410 and "This survey is closed" in refused.text
    again = service.post(f"{base}/consensus", json={"assessed_on": "2026-12-01", "answers": [agreed]})
    assert again.status_code == 409 and again.json()["type"].endswith("survey-concluded")
    assert len(service.get(f"/v1/schools/{school}/assessments").json()["assessments"]) == 1


def test_bad_input_is_a_problem_naming_the_field(service: TestClient[Litestar]) -> None:
    school = a_school(service)
    url = f"/v1/schools/{school}/surveys"
    cases = [
        ({"roles": {"family": {"roster": 0}}, "closes_on": CLOSES_ON}, "roles.family.roster"),
        ({"roles": {"family": {"roster": 2_001}}, "closes_on": CLOSES_ON}, "roles.family.roster"),
        ({"roles": {}, "closes_on": CLOSES_ON}, "roles"),
        ({"roles": {"family": {"roster": 2}}, "closes_on": "2020-01-01"}, "closes_on"),
        ({"roles": {"family": {"roster": 2}}, "closes_on": CLOSES_ON, "languages": ["en", "fr"]}, "languages.1"),
        ({"roles": {"family": {"roster": 2}}, "closes_on": CLOSES_ON, "languages": ["es", "es"]}, "languages.1"),
    ]
    for body, field in cases:
        refused = service.post(url, json=body)
        assert refused.status_code == 422, (body, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert field in [e["field"] for e in refused.json()["errors"]], (body, refused.json())
    survey = opened(service, school, {"family": {"roster": 2}})
    bad_day = service.post(f"{url}/{survey['id']}/consensus", json={"assessed_on": "yesterday"})
    assert bad_day.status_code == 422 and bad_day.json()["errors"][0]["field"] == "assessed_on"
    nothing_yet = service.post(f"{url}/{survey['id']}/consensus", json={"assessed_on": "2026-12-01"})
    assert nothing_yet.status_code == 422 and "no role's answers are counted yet" in nothing_yet.text


def labelled(page: str) -> bool:
    """Every input but the hidden one has a label naming its id, or is described by its fieldset's legend."""
    ids = re.findall(r'<input type="(?:radio|checkbox|number)" id="([^"]+)"', page)
    return bool(ids) and all(f'<label for="{i}">' in page for i in ids)


def test_the_form_is_in_the_roles_wording_and_the_respondents_language(service: TestClient[Litestar]) -> None:
    school = a_school(service)
    survey = opened(service, school, {"teacher": {"roster": 2}, "family": {"roster": 2}})
    family, teacher = links_of(survey, "family")[0], links_of(survey, "teacher")[0]

    english = service.get(family)
    assert english.status_code == 200 and '<html lang="en">' in english.text
    assert "A short survey from Oak Ridge" in english.text and 'class="draft"' not in english.text
    spanish = service.get(family, headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"})
    assert '<html lang="es">' in spanish.text and "Una breve encuesta de Oak Ridge" in spanish.text
    assert "Esta traducción es un borrador" in spanish.text
    assert "¿La escuela le ha explicado por qué está cambiando" in spanish.text
    assert '<html lang="en">' in service.get(f"{family}?lang=en", headers={"Accept-Language": "es"}).text
    assert '<html lang="es">' in service.get(f"{family}?lang=es").text
    assert '<html lang="en">' in service.get(f"{teacher}?lang=es").text, "no Spanish wording for teachers yet"

    for page in (english, spanish, service.get(teacher)):
        assert labelled(page.text) and "<fieldset" in page.text and "<legend>" in page.text
        assert page.headers["cache-control"] == "no-store" and "set-cookie" not in page.headers
        policy = page.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "script-src 'none'" in policy and "frame-ancestors 'none'" in policy
        assert not re.search(r"""(src|href|action)=["']?(https?:)?//""", page.text), "nothing from elsewhere"
    assert 'inputmode="numeric"' in service.get(teacher).text


def test_an_answer_the_form_does_not_offer_shows_the_form_again_and_stores_nothing(
    service: TestClient[Litestar],
) -> None:
    school = a_school(service)
    survey = opened(service, school, {"family": {"roster": 2}})
    link = links_of(survey, "family")[0]
    wrong = service.post(link, data={"definition.shared_with": "maybe", "lang": "es"})
    assert wrong.status_code == 422 and 'role="alert"' in wrong.text
    assert "Hay que elegir una de las opciones que se muestran." in wrong.text
    empty = service.post(link, data={"definition.shared_with": ""})
    assert empty.status_code == 422 and "Answer at least one question before sending." in empty.text
    assert rate(status_of(service, school, survey), "family")["responses"] == 0
    assert service.get(link).status_code == 200, "the link is still unused"


def test_answers_posted_from_another_sites_page_are_refused_and_store_nothing(
    service: TestClient[Litestar],
) -> None:
    school = a_school(service)
    survey = opened(service, school, {"family": {"roster": 3}})
    first, second = links_of(survey, "family")[:2]
    fields = {name.replace("__", "."): value for name, value in FAMILY_DOES_NOT_KNOW.items()}
    elsewhere = service.post(first, data=fields, headers={"Origin": "https://elsewhere.example"})
    assert elsewhere.status_code == 403 and "only from its own page" in elsewhere.text
    assert rate(status_of(service, school, survey), "family")["responses"] == 0
    across = service.post(first, data=fields, headers={"Sec-Fetch-Site": "cross-site", "Origin": "null"})
    assert across.status_code == 403
    assert rate(status_of(service, school, survey), "family")["responses"] == 0
    own = service.post(first, data=fields, headers={"Sec-Fetch-Site": "same-origin", "Origin": "null"})
    assert own.status_code == 200, "the link was not used up by the refused answers"
    assert service.post(second, data=fields).status_code == 200, "a request naming no page is no browser's form"
    assert rate(status_of(service, school, survey), "family")["responses"] == 2


def test_answers_come_as_a_form_of_bounded_size(service: TestClient[Litestar]) -> None:
    school = a_school(service)
    survey = opened(service, school, {"family": {"roster": 2}})
    link = links_of(survey, "family")[0]
    assert service.post(link, json={"definition.shared_with": "yes"}).status_code == 415
    huge = service.post(link, data={"vision.written_why": "yes", "padding": "x" * 70_000})
    assert huge.status_code == 413 and "Send this form only once" in huge.text
    many = service.post(link, content="&".join(f"f{i}=1" for i in range(500)), headers=FORM)
    assert many.status_code == 400
    assert rate(status_of(service, school, survey), "family")["responses"] == 0


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def test_answers_are_rate_limited_per_address_apart_from_the_api(service: TestClient[Litestar]) -> None:
    school = a_school(service)
    statuses = [service.post("/s/made-up", content="a=1", headers=FORM).status_code for _ in range(121)]
    assert statuses[:120] == [404] * 120 and statuses[120] == 429
    assert service.get("/s/made-up").status_code == 404, "reading the form is not counted"
    assert service.get(f"/v1/schools/{school}").status_code == 200, "the organization's own routes go on"


# --- the catalog: thresholds and translations ---------------------------------------------------------------------


def combiner(advisor: Advisor, rules: Path) -> Combiner:
    return Combiner(advisor, load_respondents(rules, advisor.catalog), 5)


def test_the_spanish_translation_words_every_question_and_choice_of_the_student_and_family_questionnaires(
    advisor: Advisor,
) -> None:
    rules = default_rules_dir()
    combined = combiner(advisor, rules)
    catalog = load_survey_catalog(rules, combined)
    for role in ("student", "family"):
        english = questionnaire(catalog, combined, role, "en")
        spanish = questionnaire(catalog, combined, role, "es")
        assert [q.name for q in spanish.questions] == [q.name for q in english.questions]
        for mine, theirs in zip(spanish.questions, english.questions, strict=True):
            assert mine.text != theirs.text and "¿" in mine.text
            assert [c.value for c in mine.choices] == [c.value for c in theirs.choices]
            assert all(a.label != b.label for a, b in zip(mine.choices, theirs.choices, strict=True))
    assert catalog.languages["es"].draft_notice and catalog.thresholds["family"] == 0.2


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda text: text.replace("    vision.written_why: >-", "    vision.unasked: >-"), "questions.family"),
        (lambda text: text.replace("roles: [student, family]", "roles: [student]"), "roles"),
        (lambda text: text.replace('    where: "Dónde aprender"\n', ""), "choices.student_agency.choices.where"),
        (lambda text: text.replace("{school}", "{escuela}"), "form.heading"),
    ],
)
def test_a_translation_missing_a_question_or_a_choice_stops_the_catalog_naming_it(
    advisor: Advisor, tmp_path: Path, change: Any, named: str
) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), rules)
    spanish = rules / "respondents" / "translations" / "es.yaml"
    spanish.write_text(change(spanish.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(CatalogError, match=re.escape(named)) as raised:
        load_survey_catalog(rules, combiner(advisor, rules))
    assert "es.yaml" in str(raised.value)


# --- a consensus racing the last answers ------------------------------------------------------------------------


def test_a_consensus_and_answers_arriving_together_lose_nothing_and_count_exactly(tmp_path: Path) -> None:
    """On SQLite, many respondents answer while the team posts its consensus: every answer is either stored before
    the survey closes, and counted in the stored assessment, or refused as closed; none fails, none is lost."""
    database = tmp_path / "race.db"
    with (
        running_server(
            PLADVISOR_DATABASE_URL=f"sqlite:///{database}",
            PLADVISOR_UPGRADE_DATABASE="true",
            PLADVISOR_EMBED_SECRET=SECRET,
        ) as url,
        httpx.Client(base_url=url, timeout=30) as client,
    ):
        district = client.post("/v1/districts", json={"name": "North"}).json()
        school = client.post(f"/v1/districts/{district['id']}/schools", json={"name": "Oak"}).json()["id"]
        survey = client.post(
            f"/v1/schools/{school}/surveys", json={"roles": {"teacher": {"roster": 100}}, "closes_on": CLOSES_ON}
        ).json()
        links = survey["roles"][0]["links"]
        # Past the teachers' 50%, so that the consensus has counted answers to store.
        first = [client.post(link, data={"definition.written": "yes"}).status_code for link in links[:60]]
        assert first == [200] * 60

        def respond(link: str) -> int:
            with httpx.Client(timeout=30) as own:
                return own.post(link, data={"definition.written": "yes"}).status_code

        with ThreadPoolExecutor(max_workers=12) as pool:
            answers = [pool.submit(respond, link) for link in links[60:]]
            while sum(future.done() for future in answers) < 10:  # the consensus lands mid-stream
                time.sleep(0.002)
            concluded = client.post(
                f"/v1/schools/{school}/surveys/{survey['id']}/consensus", json={"assessed_on": "2026-12-01"}
            )
            outcomes = [future.result() for future in answers]
        assert concluded.status_code == 201, concluded.text
        assert set(outcomes) <= {200, 410}, outcomes
        stored = 60 + outcomes.count(200)
        counted = concluded.json()["assessment"]["combined"]["respondents"]
        assert counted == [{"role": "teacher", "respondents": stored}], (counted, outcomes.count(410))
        status = client.get(f"/v1/schools/{school}/surveys/{survey['id']}").json()
        assert status["roles"][0]["responses"] == stored and status["status"] == "closed"


def test_a_write_kept_waiting_past_the_busy_timeout_is_made_again(database: str) -> None:
    """Another process holds SQLite's write lock longer than the store's connections wait for it: the response is
    stored once the lock is let go, not refused with "database is locked"."""
    engine = make_engine(database)

    @event.listens_for(engine, "connect")
    def impatient(connection: Any, _: Any) -> None:
        connection.execute("PRAGMA busy_timeout=50")

    store = Store(engine)
    try:
        survey = store.surveys.create(
            store.local_organization(),
            a_stored_school(store),
            date.today(),
            datetime.now(UTC) + timedelta(days=1),
            ("en",),
            (SurveyedRole("teacher", 3, False),),
        )
        assert survey is not None
        holder = sqlite3.connect(database.removeprefix("sqlite:///"), isolation_level=None, check_same_thread=False)
        holder.execute("BEGIN IMMEDIATE")
        released = threading.Timer(0.3, lambda: holder.execute("COMMIT"))
        released.start()
        response = StoredResponse("teacher", None, "en", {"definition": {"written": True}})
        assert store.surveys.respond(survey.id, "teacher", 1, response, datetime.now(UTC)) == "stored"
        released.join()
        holder.close()
        assert len(store.surveys.responses(survey.id)) == 1
        assert store.surveys.respond(survey.id, "teacher", 1, response, datetime.now(UTC)) == "used"
    finally:
        store.close()


def a_stored_school(store: Store) -> str:
    organization = store.local_organization()
    district = store.create_district(organization, "North")
    return store.add_school(organization, district.id, "Oak", None, None).id


def test_the_team_meets_after_the_last_day_and_its_consensus_is_stored(
    service: TestClient[Litestar], store: Store
) -> None:
    """The usual order: the links stop working at the end of the last day, then the team meets."""
    school = a_school(service)
    ended_at = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)
    ended = store.surveys.create(
        store.local_organization(), school, ended_at.date(), ended_at, ("en",), (SurveyedRole("family", 5, False),)
    )
    assert ended is not None
    family = StoredResponse("family", None, "en", {"definition": {"shared_with": False}})
    before_the_end = ended_at - timedelta(days=1)
    assert [store.surveys.respond(ended.id, "family", place, family, before_the_end) for place in (1, 2, 3)] == [
        "stored"
    ] * 3
    base = f"/v1/schools/{school}/surveys/{ended.id}"
    assert status_of(service, school, {"id": ended.id})["status"] == "closed"
    done = service.post(f"{base}/consensus", json={"assessed_on": ended_at.date().isoformat()})
    assert done.status_code == 201, done.text
    assert done.json()["assessment"]["combined"]["respondents"] == [{"role": "family", "respondents": 3}]
    assert status_of(service, school, {"id": ended.id})["consensus"]["assessment_id"] == done.json()["assessment"]["id"]


def test_a_frozen_survey_takes_no_answers_until_it_is_reopened(store: Store) -> None:
    """Freezing is the consensus's first step: a consensus that then cannot be made gives the survey back its
    answers (one that is stored closes it for good: see the consensus test above)."""
    organization = store.local_organization()
    survey = store.surveys.create(
        organization,
        a_stored_school(store),
        date.today(),
        datetime.now(UTC) + timedelta(days=1),
        ("en",),
        (SurveyedRole("family", 5, False),),
    )
    assert survey is not None
    family = StoredResponse("family", None, "en", {"definition": {"shared_with": False}})
    frozen_at = datetime.now(UTC)
    assert store.surveys.freeze("another organization", survey.id, frozen_at) == "unknown"
    assert store.surveys.freeze(organization, survey.id, frozen_at) == "frozen"
    assert store.surveys.respond(survey.id, "family", 1, family, datetime.now(UTC)) == "closed"
    store.surveys.reopen(survey.id, frozen_at)
    assert store.surveys.respond(survey.id, "family", 1, family, datetime.now(UTC)) == "stored"
    assert store.surveys.respond(survey.id, "family", 1, family, datetime.now(UTC)) == "used"
    assert store.surveys.by_id(survey.id) is not None and store.surveys.responses(survey.id) == [family]
