"""The API document as client generators and people read it: operation ids, named choices, the headers every
answer carries, where a creation says its resource is, and the API reference page the service serves itself."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from pladvisor.advice.advisor import Advisor
from pladvisor.api.app import create_app
from pladvisor.api.contract_examples import EXAMPLE_RESPONSES
from pladvisor.config import Settings

from .browser import Browser, chromium
from .profiles import RUSHED_DISTRICT, as_body

Document = dict[str, Any]


@pytest.fixture
def document(client: TestClient[Litestar]) -> Document:
    served: Document = client.get("/schema/openapi.json").json()
    return served


def operations(document: Document) -> Iterator[tuple[str, str, Document]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield method, path, operation


VERBS = {"add", "adopt", "ask", "assess", "change", "check", "compare", "create", "delete", "get", "list"}
VERBS |= {"render", "revoke", "store"}
CAMEL_CASE = re.compile(r"[a-z]+(?:[A-Z][a-z]+)+")


def test_every_operation_id_is_a_camel_case_verb_and_noun(document: Document) -> None:
    """What a client generator names its methods after: a verb and what it acts on, not the path it is served at."""
    ids = [operation["operationId"] for _, _, operation in operations(document)]
    assert len(ids) == len(set(ids))
    for operation_id in ids:
        assert CAMEL_CASE.fullmatch(operation_id), operation_id
        verb, *nouns = re.findall(r"^[a-z]+|[A-Z][a-z]+", operation_id)
        assert verb in VERBS and nouns, operation_id
        assert "Id" not in nouns and "V" not in operation_id, f"{operation_id}: a path fragment"
    by_route = {(method, path): operation["operationId"] for method, path, operation in operations(document)}
    assert by_route[("get", "/v1/schools/{school_id}/assessments/{assessment_id}")] == "getAssessment"
    assert by_route[("get", "/v1/schools/{school_id}/assessments")] == "listSchoolAssessments"
    assert by_route[("post", "/v1/schools/{school_id}/embeds")] == "createEmbed"
    assert by_route[("post", "/v1/assessments/batch")] == "assessBatch"
    assert by_route[("post", "/v1/rules/{rule_id}/check")] == "checkRule"
    assert (by_route[("get", "/health")], by_route[("get", "/health/live")]) == ("getHealth", "getLiveness")


def test_every_link_leads_to_an_operation_of_the_document(document: Document) -> None:
    ids = {operation["operationId"] for _, _, operation in operations(document)}
    links = [
        link
        for _, _, operation in operations(document)
        for response in operation["responses"].values()
        for link in response.get("links", {}).values()
    ]
    assert len(links) == 9
    assert all(link["operationId"] in ids for link in links)


def enums(node: Any, where: str = "") -> Iterator[tuple[frozenset[Any], str]]:
    """Every ``enum`` in the document, by its values (null aside), and where it is."""
    if isinstance(node, dict):
        if "enum" in node:
            yield frozenset(v for v in node["enum"] if v is not None), where
        for key, value in node.items():
            yield from enums(value, f"{where}/{key}")
    elif isinstance(node, list):
        for position, value in enumerate(node):
            yield from enums(value, f"{where}/{position}")


NAMED_CHOICES = {
    "Stage": ["undetermined", "exploring", "preparing", "implementing", "sustaining"],
    "Confidence": ["low", "medium", "high"],
    "Horizon": ["now", "next", "later"],
    "Priority": ["critical", "high", "medium", "low"],
    "Basis": ["documented", "practice"],
    "Role": ["leader", "teacher", "coach", "student", "family"],
    "ActionStatus": ["open", "done", "dropped"],
    "Lens": ["readiness", "need"],
    "ReadinessGroup": ["proof_point", "close", "foundations_first"],
    "BuyInApproach": ["mandate_all_by_date", "phased_pilot", "voluntary", "readiness_based"],
}
"""Choices used in several places (and one of the profile's), written out: each is one schema of the document."""


def test_each_choice_is_written_once_as_a_named_schema_and_referred_to(document: Document) -> None:
    """A client generator makes one class per enum it finds: one per choice, not one per use."""
    found = Counter(values for values, _ in enums(document))
    assert [set(values) for values, count in found.items() if count > 1] == []
    schemas = document["components"]["schemas"]
    for name, values in NAMED_CHOICES.items():
        assert schemas[name] == {"type": "string", "enum": values}
    text = json.dumps(document)
    assert text.count('"#/components/schemas/Stage"') >= 15
    nullable = document["components"]["schemas"]["EmbedCard"]["properties"]["stage"]
    assert nullable == {"oneOf": [{"$ref": "#/components/schemas/Stage"}, {"type": "null"}]}
    described = document["components"]["schemas"]["Readiness"]["properties"]["stage"]
    assert described["$ref"] == "#/components/schemas/Stage" and described["description"]
    lens = next(
        p
        for p in document["paths"]["/v1/districts/{district_id}/rollout"]["get"]["parameters"]
        if p.get("name") == "lens"
    )
    assert (
        lens["schema"]["allOf"] == [{"$ref": "#/components/schemas/Lens"}] and lens["schema"]["default"] == "readiness"
    )


def resolved(document: Document, node: Document) -> Document:
    if "$ref" not in node:
        return node
    found: Document = document
    for part in node["$ref"].removeprefix("#/").split("/"):
        found = found[part]
    return found


def test_request_ids_retry_after_and_the_servers_refusals_are_documented(document: Document) -> None:
    components = document["components"]
    assert components["parameters"]["RequestId"]["name"] == "X-Request-ID"
    assert components["parameters"]["RequestId"]["in"] == "header"
    for method, path, operation in operations(document):
        assert {"$ref": "#/components/parameters/RequestId"} in operation["parameters"], (method, path)
        responses = {status: resolved(document, r) for status, r in operation["responses"].items()}
        assert responses["431"] == components["responses"]["HeadTooLarge"], (method, path)
        assert "503" in responses, (method, path)
        for status, response in responses.items():
            headers = response.get("headers", {})
            # The server's own refusals come before a request reaches the service, and so before it has an id.
            if "$ref" not in operation["responses"][status]:
                assert headers.get("X-Request-ID") == {"$ref": "#/components/headers/X-Request-ID"}, (path, status)
            if status in ("429", "503"):
                assert headers["Retry-After"] == {"$ref": "#/components/headers/Retry-After"}, (path, status)
    assert components["headers"]["Retry-After"]["schema"] == {"type": "integer", "minimum": 1}
    refusal = components["responses"]["HeadTooLarge"]
    assert "larger than 65536 bytes" in refusal["description"]
    assert set(refusal["content"]) == {"application/problem+json"}


def test_every_creation_documents_its_location(document: Document) -> None:
    created = [(method, path) for method, path, op in operations(document) if "201" in op["responses"]]
    assert len(created) == 8
    for method, path in created:
        answer = document["paths"][path][method]["responses"]["201"]
        assert answer["headers"]["Location"] == {"$ref": "#/components/headers/Location"}, path
    assert document["components"]["headers"]["Location"]["required"] is True


def test_every_creation_says_where_the_new_resource_is(client: TestClient[Litestar]) -> None:
    """Location is the new resource's path: reading it gives what the creation answered."""

    def create(path: str, body: Any) -> tuple[str, Document]:
        response = client.post(path, json=body)
        assert response.status_code == 201, response.text
        return response.headers["location"], response.json()

    where, district = create("/v1/districts", {"name": "Located"})
    assert where == f"/v1/districts/{district['id']}" and client.get(where).json() == district
    where, school = create(f"/v1/districts/{district['id']}/schools", {"name": "Oak"})
    assert where == f"/v1/schools/{school['id']}" and client.get(where).json() == school
    body = {"assessed_on": "2026-09-01", "profile": as_body(RUSHED_DISTRICT)}
    where, stored = create(f"/v1/schools/{school['id']}/assessments", body)
    assert where == f"/v1/schools/{school['id']}/assessments/{stored['id']}" and client.get(where).json() == stored
    body = {**EXAMPLE_RESPONSES, "assessed_on": "2026-10-01"}
    where, combined = create(f"/v1/schools/{school['id']}/assessments/combined", body)
    assert where == f"/v1/schools/{school['id']}/assessments/{combined['id']}"
    assert client.get(where).json()["kind"] == "combined"
    now = next(r["rule_id"] for r in stored["assessment"]["recommendations"] if r["horizon"] == "now")
    adopted = {"assessment_id": stored["id"], "rule_id": now, "owner": "A", "due_on": "2026-12-01"}
    where, action = create(f"/v1/schools/{school['id']}/actions", adopted)
    assert where == f"/v1/schools/{school['id']}/actions/{action['id']}"
    assert client.patch(where, json={"status": "done"}).json()["status"] == "done"
    where, embed = create(f"/v1/schools/{school['id']}/embeds", {"origins": ["https://portal.example.org"]})
    assert where == f"/v1/embeds/{embed['id']}"
    assert client.delete(where).status_code == 204
    assert client.get(f"/v1/schools/{school['id']}/embeds").json() == []


ASSET = re.compile(r'(?:src|href)="([^"]+)"')


def test_the_api_reference_is_served_with_its_files_from_the_service(client: TestClient[Litestar]) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "style-src 'self';" in policy and "connect-src 'self'" in policy
    assert "http" not in policy and "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    files = ASSET.findall(page.text)
    assert len(files) == 4
    for file in files:
        assert file.startswith("/docs/"), file
        served = client.get(file)
        assert served.status_code == 200, file
        assert served.headers["content-type"].split(";")[0] in {"text/javascript", "text/css", "image/png"}
    assert client.get("/docs/swagger-editor-bundle.js").status_code == 404, "only the files the page loads"
    moved = client.get("/schema/swagger", follow_redirects=False)
    assert moved.status_code == 301 and moved.headers["location"] == "/docs"
    assert "/docs" not in client.get("/schema/openapi.json").json()["paths"]


def test_the_api_reference_needs_no_key(advisor: Advisor) -> None:
    with TestClient(create_app(advisor, Settings(api_keys="reference-key-0123456789"))) as keyed:
        assert keyed.get("/v1/rules").status_code == 401
        assert keyed.get("/docs").status_code == 200
        assert keyed.get("/docs/swagger-ui-bundle.js").status_code == 200
        assert keyed.get("/schema/swagger", follow_redirects=False).status_code == 301


def test_the_api_reference_shows_every_operation_loading_nothing_from_elsewhere(base_url: str, tmp_path: Path) -> None:
    with Browser(chromium(), tmp_path).devtools() as browser:
        page = browser.open(f"{base_url}/schema/swagger")
        assert page.evaluate("location.pathname") == "/docs"
        shown = page.wait_for("document.querySelectorAll('.opblock').length", timeout=20)
        document: Document = httpx.get(f"{base_url}/schema/openapi.json").json()
        assert shown == sum(1 for _ in operations(document))
        page.evaluate("document.querySelector('.opblock-summary-control').click()")
        page.wait_for("!!document.querySelector('.opblock-body .responses-table')")
        requested = {event["request"]["url"] for event in page.events("Network.requestWillBeSent")}
        assert all(url.startswith((base_url + "/", "data:")) for url in requested), requested
        assert {f"{base_url}/docs/swagger-ui-bundle.js", f"{base_url}/schema/openapi.json"} <= requested
        assert not [line for line in page.console() if "Content Security Policy" in line or "Refused" in line]
