"""Embed links against the served app: made, read, listed and revoked; expiry, tampering, another organization,
the origins a link names (validation, CORS, frame-ancestors) and what a card shows and keeps back."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from pladvisor.advice.advisor import Advisor
from pladvisor.advice.card import NOTHING_STORED
from pladvisor.api.app import create_app
from pladvisor.api.embed_tokens import TOKEN_PATTERN, read, sign
from pladvisor.config import Settings
from pladvisor.domain.embeds import EmbedCard
from pladvisor.storage.store import Store

from .profiles import MATURE_SCHOOL, RUSHED_DISTRICT, as_body

SECRET = "s" * 40
PORTAL = "https://portal.example.org"
ELSEWHERE = "https://elsewhere.example.org"


def serve(advisor: Advisor, database: str, **settings: Any) -> TestClient[Litestar]:
    return TestClient(create_app(advisor, Settings(database_url=database, **{"embed_secret": SECRET, **settings})))


@pytest.fixture
def service(advisor: Advisor, database: str) -> Iterator[TestClient[Litestar]]:
    with serve(advisor, database) as client:
        yield client


def a_school(client: TestClient[Litestar], name: str = "Oak", headers: dict[str, str] | None = None) -> str:
    district = client.post("/v1/districts", json={"name": "North"}, headers=headers).json()
    school = client.post(f"/v1/districts/{district['id']}/schools", json={"name": name}, headers=headers)
    assert school.status_code == 201, school.text
    return str(school.json()["id"])


def assessed(client: TestClient[Litestar], school: str, profile: Any = MATURE_SCHOOL) -> dict[str, Any]:
    stored = client.post(
        f"/v1/schools/{school}/assessments", json={"assessed_on": "2026-11-02", "profile": as_body(profile)}
    )
    assert stored.status_code == 201, stored.text
    return dict(stored.json()["assessment"])


def a_link(client: TestClient[Litestar], school: str, **body: Any) -> dict[str, Any]:
    made = client.post(f"/v1/schools/{school}/embeds", json={"origins": [PORTAL], **body})
    assert made.status_code == 201, made.text
    return dict(made.json())


def policy(response: Any) -> dict[str, str]:
    return {
        part.split(" ", 1)[0]: part.split(" ", 1)[1] if " " in part else ""
        for part in (p.strip() for p in response.headers["content-security-policy"].split(";"))
        if part
    }


def test_a_link_shows_the_schools_latest_stage_and_first_steps_to_its_origins_only(
    service: TestClient[Litestar],
) -> None:
    school = a_school(service)
    assessed(service, school, MATURE_SCHOOL)
    answer = assessed(service, school, RUSHED_DISTRICT)
    link = a_link(service, school, origins=[PORTAL, "http://localhost:8080"])
    assert re.fullmatch(TOKEN_PATTERN, link["token"]) and link["url"].endswith(f"/embed/{link['token']}")
    assert set(link) == {"id", "school_id", "view", "locale", "origins", "url", "token", "created_at", "expires_at"}

    page = service.get(f"/embed/{link['token']}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert policy(page)["frame-ancestors"] == f"{PORTAL} http://localhost:8080"
    assert policy(page)["default-src"] == "'none'"
    assert "x-frame-options" not in page.headers and "set-cookie" not in page.headers
    assert page.headers["cache-control"] == "no-store"
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page.text), "the card loads nothing from elsewhere"
    stage = answer["readiness"]["stage"]
    assert f'id="stage">{stage.capitalize()}<' in page.text
    now = [r["title"] for r in answer["recommendations"] if r["horizon"] == "now"]
    assert now and all(title in html.unescape(page.text) for title in now)
    assert "postMessage" in page.text and '"*"' not in page.text

    card = service.get(f"/embed/{link['token']}.json", headers={"Origin": PORTAL})
    assert card.status_code == 200 and card.headers["access-control-allow-origin"] == PORTAL
    assert card.headers["vary"] == "Origin" and "set-cookie" not in card.headers
    body = card.json()
    assert set(body) == set(EmbedCard.__struct_fields__)
    assert (body["stage"], body["assessed_on"], body["school"]) == (stage, "2026-11-02", "Oak")
    assert [step["title"] for step in body["now"]] == now
    assert body["strengths"] == [s["title"] for s in answer["strengths"]]


def test_cors_names_only_a_listed_origin(service: TestClient[Litestar]) -> None:
    school = a_school(service)
    link = a_link(service, school)
    for headers in ({"Origin": ELSEWHERE}, {"Origin": "null"}, {}):
        card = service.get(f"/embed/{link['token']}.json", headers=headers)
        assert card.status_code == 200 and "access-control-allow-origin" not in card.headers, headers


def test_a_school_without_a_stored_assessment_says_so(service: TestClient[Litestar]) -> None:
    link = a_link(service, a_school(service))
    card = service.get(f"/embed/{link['token']}.json").json()
    assert card["stage"] is None and card["verdict"] == NOTHING_STORED and card["now"] == []
    assert NOTHING_STORED in service.get(f"/embed/{link['token']}").text


def test_the_report_view_frames_the_printable_report(service: TestClient[Litestar]) -> None:
    school = a_school(service)
    assessed(service, school)
    page = service.get(f"/embed/{a_link(service, school, view='report')['token']}")
    assert page.status_code == 200 and "readiness report" in page.text
    assert policy(page)["frame-ancestors"] == PORTAL


def test_links_are_listed_while_live_and_a_revoked_link_ends_at_once(
    service: TestClient[Litestar], store: Store
) -> None:
    school = a_school(service)
    first, second = a_link(service, school), a_link(service, school, origins=[ELSEWHERE])
    organization = store.local_organization()
    ended = store.embeds.create(
        organization, school, "card", "en", (PORTAL,), datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)
    )
    assert ended is not None
    listed = service.get(f"/v1/schools/{school}/embeds").json()
    assert [link["id"] for link in listed] == [second["id"], first["id"]]
    assert listed[1]["token"] == first["token"]

    assert service.delete(f"/v1/embeds/{first['id']}").status_code == 204
    assert [link["id"] for link in service.get(f"/v1/schools/{school}/embeds").json()] == [second["id"]]
    for path in (f"/embed/{first['token']}", f"/embed/{first['token']}.json"):
        gone = service.get(path)
        assert gone.status_code == 410 and "Oak" not in gone.text, path
    assert service.get(f"/embed/{second['token']}").status_code == 200
    assert service.delete("/v1/embeds/no-such-link").status_code == 404


def test_an_expired_link_answers_410_and_its_page_may_still_be_framed_to_say_so(
    service: TestClient[Litestar], store: Store
) -> None:
    school = a_school(service)
    assessed(service, school)
    moment = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)
    link = store.embeds.create(store.local_organization(), school, "card", "en", (PORTAL,), moment)
    assert link is not None
    token = sign(SECRET.encode(), _terms(link))
    page = service.get(f"/embed/{token}")
    assert page.status_code == 410 and "expired" in page.text and "Oak" not in page.text
    assert policy(page)["frame-ancestors"] == PORTAL
    assert service.get(f"/embed/{token}.json").json()["type"] == "urn:pladvisor:problem:embed-expired"


def _terms(link: Any) -> Any:
    from pladvisor.api.embeds import _terms as terms_of

    return terms_of(link)


def test_a_tampered_or_made_up_token_answers_the_same_page_that_says_nothing(service: TestClient[Litestar]) -> None:
    school = a_school(service)
    assessed(service, school)
    token = a_link(service, school)["token"]
    flipped = token[:5] + ("A" if token[5] != "A" else "B") + token[6:]
    bad = [flipped, token[:-1], token + "A", "A" * 60, "not-a-token", token[:-43] + "A" * 43]
    pages = [service.get(f"/embed/{t}") for t in bad]
    assert {p.status_code for p in pages} == {404}
    assert len({p.text for p in pages}) == 1 and "Oak" not in pages[0].text
    assert policy(pages[0])["frame-ancestors"] == "'none'"
    cards = [service.get(f"/embed/{t}.json") for t in bad]
    assert {c.status_code for c in cards} == {404} and len({c.text for c in cards}) == 1


def test_rotating_the_secret_ends_every_link(advisor: Advisor, database: str, service: TestClient[Litestar]) -> None:
    school = a_school(service)
    token = a_link(service, school)["token"]
    with serve(advisor, database, embed_secret="r" * 40) as rotated:
        assert rotated.get(f"/embed/{token}").status_code == 404
        assert rotated.get(f"/embed/{token}.json").status_code == 404
    assert read(SECRET.encode(), token) is not None


def test_another_organizations_key_finds_no_school_no_link_and_no_token_passes_for_its_school(
    service: TestClient[Litestar], store: Store
) -> None:
    north, south = {"X-API-Key": store.create_key("North")[0]}, {"X-API-Key": store.create_key("South")[0]}
    oak, elm = a_school(service, "Oak", north), a_school(service, "Elm", south)
    assessed_headers = {"assessed_on": "2026-11-02", "profile": as_body(MATURE_SCHOOL)}
    assert service.post(f"/v1/schools/{elm}/assessments", json=assessed_headers, headers=south).status_code == 201
    link = service.post(f"/v1/schools/{oak}/embeds", json={"origins": [PORTAL]}, headers=north).json()
    assert service.post(f"/v1/schools/{oak}/embeds", json={"origins": [PORTAL]}, headers=south).status_code == 404
    assert service.get(f"/v1/schools/{oak}/embeds", headers=south).status_code == 404
    assert service.delete(f"/v1/embeds/{link['id']}", headers=south).status_code == 404
    assert service.get(f"/v1/schools/{oak}/embeds").status_code == 401
    # The embed page itself takes no key.
    assert service.get(f"/embed/{link['token']}").status_code == 200
    # A token naming another organization's school, even signed with the right secret, is not the stored link.
    terms = read(SECRET.encode(), link["token"])
    assert terms is not None
    south_id = store.organization_named("South")
    forged = sign(SECRET.encode(), replace(terms, organization_id=south_id, school_id=elm))
    page = service.get(f"/embed/{forged}")
    assert page.status_code == 404 and "Elm" not in page.text


@pytest.mark.parametrize(
    ("origin", "why"),
    [
        ("https://portal.example.org/", "without a path"),
        ("https://portal.example.org/page", "without a path"),
        ("https://*.example.org", "no wildcards"),
        ("*", "no wildcards"),
        ("HTTPS://Portal.example.org", "lowercase"),
        ("ftp://portal.example.org", "the scheme must be https"),
        ("http://portal.example.org", "http is accepted for localhost only"),
        ("portal.example.org", "expected an origin"),
        ("https://portal.example.org:99999", "the port 1-65535"),
        ("https://portal.example.org:0", "the port 1-65535"),
        ("https://portal.example.org?x=1", "expected an origin"),
        ("https://-portal.example.org", "expected an origin"),
        ("https://portal..example.org", "expected an origin"),
        ("https://portal.example.org 'unsafe-inline'", "expected an origin"),
        ("https://portal.example.org; script-src *", "no wildcards"),
    ],
)
def test_an_origin_that_is_not_one_is_refused_naming_the_item(
    service: TestClient[Litestar], origin: str, why: str
) -> None:
    school = a_school(service)
    refused = service.post(f"/v1/schools/{school}/embeds", json={"origins": [PORTAL, origin]})
    assert refused.status_code == 422
    errors = refused.json()["errors"]
    assert [e["field"] for e in errors] == ["origins.1"] and why in errors[0]["message"]


def test_origins_are_written_as_browsers_send_them_and_bounded_in_number(service: TestClient[Litestar]) -> None:
    school = a_school(service)
    link = a_link(service, school, origins=["https://portal.example.org:443", PORTAL, "http://[::1]:8080"])
    assert link["origins"] == [PORTAL, "http://[::1]:8080"]
    many = [f"https://p{i}.example.org" for i in range(6)]
    for origins in ([], many):
        refused = service.post(f"/v1/schools/{school}/embeds", json={"origins": origins})
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "origins"


def test_expiry_has_a_default_and_a_maximum(advisor: Advisor, database: str) -> None:
    with serve(advisor, database, embed_default_seconds=3600, embed_max_seconds=7200) as client:
        school = a_school(client)
        made = datetime.now(UTC)
        link = a_link(client, school)
        expires = datetime.fromisoformat(link["expires_at"])
        assert timedelta(seconds=3598) < expires - made <= timedelta(seconds=3601)
        for seconds in (59, 7201):
            refused = client.post(f"/v1/schools/{school}/embeds", json={"origins": [PORTAL], "expires_in": seconds})
            assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "expires_in"
        assert a_link(client, school, expires_in=7200)


def test_without_a_secret_links_cannot_be_made_and_none_is_read(advisor: Advisor, database: str) -> None:
    with TestClient(create_app(advisor, Settings(database_url=database))) as client:
        school = a_school(client)
        refused = client.post(f"/v1/schools/{school}/embeds", json={"origins": [PORTAL]})
        assert refused.status_code == 503 and "PLADVISOR_EMBED_SECRET" in refused.json()["detail"]
        assert client.get(f"/embed/{'A' * 60}").status_code == 404


def test_embed_reads_are_rate_limited_per_address_and_counted(advisor: Advisor, database: str) -> None:
    with serve(advisor, database, embed_reads_per_minute=3) as client:
        token = a_link(client, a_school(client))["token"]
        statuses = [client.get(f"/embed/{token}").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        # The organization's own routes are not held back by its visitors' reads.
        assert client.get("/v1/districts").status_code == 200
        metrics = client.get("/metrics").text
        assert re.search(r'pladvisor_embed_reads_total\{outcome="shown",view="card"\} [3-9]', metrics), metrics


def test_the_card_element_is_a_module_any_page_may_load(service: TestClient[Litestar]) -> None:
    script = service.get("/embed/pladvisor-card.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert script.headers["access-control-allow-origin"] == "*"
    assert 'customElements.define("pladvisor-card"' in script.text and "set-cookie" not in script.headers
