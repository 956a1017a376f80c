"""The HTTP contract: answers, the catalog, health, problem details and the checked-in OpenAPI document."""

import json
import subprocess
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from pladvisor import __version__
from pladvisor.advice.advisor import Advisor
from pladvisor.api.app import create_app

from .profiles import MATURE_SCHOOL, RUSHED_DISTRICT, as_body

ROOT = Path(__file__).resolve().parents[1]
OPENAPI = ROOT / "openapi" / "openapi.json"
PROBLEM = "application/problem+json"


def test_assessment_returns_ranked_explained_advice(client: TestClient[Litestar]) -> None:
    response = client.post("/v1/assessments", json=as_body(RUSHED_DISTRICT, school_id="d-7", name="Rushed"))
    assert response.status_code == 200
    answer = response.json()
    assert answer["school_id"] == "d-7"
    first = answer["recommendations"][0]
    assert first["rank"] == 1 and first["horizon"] == "now"
    assert {"rule_id", "area", "priority", "title", "why", "evidence", "next_steps", "sources"} <= set(first)
    assert answer["readiness"]["stage"] == "exploring"


def test_mature_school_over_http(client: TestClient[Litestar]) -> None:
    answer = client.post("/v1/assessments", json=as_body(MATURE_SCHOOL)).json()
    assert answer["readiness"]["stage"] == "sustaining"
    assert answer["strengths"]


def test_rule_catalog_is_readable(client: TestClient[Litestar]) -> None:
    catalog = client.get("/v1/rules").json()
    assert len(catalog["points"]) == 27
    rule = client.get("/v1/rules/buy-in-mandated").json()
    assert rule["when"] == {"buy_in.approach": "mandate_all_by_date"}
    assert rule["cites"] == {"M4": "004_72cf62e6ea6ea115.txt"}
    assert catalog["version"] == client.get("/health").json()["catalog_version"]


def test_unknown_rule_is_a_404_problem(client: TestClient[Litestar]) -> None:
    response = client.get("/v1/rules/no-such-rule")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert "no-such-rule" in response.json()["detail"]


@pytest.mark.parametrize(("method", "path"), [("POST", "/v1/schools//assessments"), ("GET", "/v1/schools//progress")])
def test_a_path_with_a_missing_id_is_a_404_not_another_route(
    client: TestClient[Litestar], method: str, path: str
) -> None:
    """The router would read ``//`` as ``/`` and take ``assessments`` for the school's id (a 405 or a 503)."""
    response = client.request(method, path, json={})
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert "empty segment" in response.json()["detail"]
    assert response.headers["x-request-id"]


def test_health_reports_the_catalog_version(client: TestClient[Litestar]) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["catalog_version"] and body["rules"] > 27
    assert body["version"] == __version__


@pytest.mark.parametrize("path", ["/health", "/health/live", "/health/ready"])
def test_health_answers_get_and_head_once_started(client: TestClient[Litestar], path: str) -> None:
    assert client.get(path).status_code == 200
    head = client.head(path)
    assert head.status_code == 200 and head.content == b""


def test_readiness_fails_before_start_up_and_once_shutdown_begins(advisor: Advisor, app: Litestar) -> None:
    app = create_app(advisor, app.state.settings)  # a new application on the shared database, which is set up
    not_started = TestClient(app)
    refused = not_started.get("/health/ready")
    assert refused.status_code == 503 and refused.headers["content-type"] == PROBLEM
    assert refused.headers["retry-after"] == "1"
    assert not_started.get("/health/live").status_code == 200, "alive, though not ready"
    with TestClient(app) as started:
        assert started.get("/health/ready").json()["status"] == "ready"
    assert TestClient(app).head("/health/ready").status_code == 503, "shut down: not ready again"


BAD_BODIES = [
    pytest.param(b"{not json", 400, None, id="malformed-json"),
    pytest.param(b"[1, 2]", 422, ["body"], id="not-an-object"),
    pytest.param(
        b"{}", 422, ["definition", "tools", "professional_development", "buy_in", "measurement"], id="missing-sections"
    ),
    pytest.param(
        json.dumps(as_body({"definition.written": "yes"})).encode(), 422, ["definition.written"], id="wrong-type-bool"
    ),
    pytest.param(
        json.dumps(as_body({"professional_development.days_per_year": "3"})).encode(),
        422,
        ["professional_development.days_per_year"],
        id="wrong-type-number",
    ),
    pytest.param(
        json.dumps(as_body({"buy_in.approach": "whenever"})).encode(), 422, ["buy_in.approach"], id="unknown-choice"
    ),
    pytest.param(
        json.dumps(as_body({"tools.technology_budget_percent": 101})).encode(),
        422,
        ["tools.technology_budget_percent"],
        id="out-of-range",
    ),
    pytest.param(
        json.dumps(as_body({"student_agency.choices": ["where", "anywhere"]})).encode(),
        422,
        ["student_agency.choices.1"],
        id="unknown-list-item",
    ),
    pytest.param(json.dumps({**as_body({}), "budget": 3}).encode(), 422, ["budget"], id="unknown-top-field"),
    pytest.param(
        json.dumps(as_body({"buy_in.deadline": "August"})).encode(), 422, ["buy_in.deadline"], id="unknown-nested-field"
    ),
    pytest.param(json.dumps(as_body({}, name="x" * 201)).encode(), 422, ["name"], id="name-too-long"),
]


@pytest.mark.parametrize(("body", "status", "fields"), BAD_BODIES)
def test_bad_input_is_a_problem_naming_the_fields(
    client: TestClient[Litestar], body: bytes, status: int, fields: list[str] | None
) -> None:
    response = client.post("/v1/assessments", content=body, headers={"content-type": "application/json"})
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["status"] == status and problem["title"] and problem["type"].startswith("urn:pladvisor:problem:")
    if fields is not None:
        assert [error["field"] for error in problem["errors"]] == fields
        assert all(field in problem["detail"] for field in fields)


def test_wrong_method_is_a_problem(client: TestClient[Litestar]) -> None:
    response = client.delete("/v1/assessments")
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM


def test_served_openapi_equals_the_checked_in_document(client: TestClient[Litestar]) -> None:
    served = client.get("/schema/openapi.json").json()
    assert served == json.loads(OPENAPI.read_text(encoding="utf-8")), "run `make openapi` and commit the result"


SECTION_SCHEMAS = (
    "Definition",
    "Tools",
    "ProfessionalDevelopment",
    "BuyIn",
    "Measurement",
    "Vision",
    "Mindset",
    "StudentAgency",
    "ClassroomPractice",
)
"""The profile's sections as the API document names them, written out rather than derived from the models."""


def test_openapi_documents_every_field_with_a_description(client: TestClient[Litestar]) -> None:
    schemas = client.get("/schema/openapi.json").json()["components"]["schemas"]
    for name in SECTION_SCHEMAS:
        schema = next(s for key, s in schemas.items() if key == name or key.endswith(f"_{name}"))
        for field, prop in schema["properties"].items():
            assert prop.get("description"), f"{name}.{field}"


def test_an_empty_body_is_refused_in_words(client: TestClient[Litestar]) -> None:
    response = client.post("/v1/assessments", content=b"", headers={"content-type": "application/json"})
    assert response.status_code == 400 and response.headers["content-type"] == PROBLEM
    assert response.json()["detail"] == "The request body is empty; send the JSON this operation takes."


def test_the_contract_declares_keys_and_the_answers_middleware_gives(client: TestClient[Litestar]) -> None:
    document = client.get("/schema/openapi.json").json()
    assert set(document["components"]["securitySchemes"]) == {"ApiKey", "Bearer"}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if path.startswith("/v1/") and path != "/v1/questionnaire/form":
                assert {"401", "429"} <= set(operation["responses"]), (method, path)
                assert {} in operation["security"], "keys are optional: off unless configured"
    arrays_with_string_bounds = [
        name
        for schema in document["components"]["schemas"].values()
        for name, prop in schema.get("properties", {}).items()
        if "maxLength" in prop and "array" in json.dumps(prop)
    ]
    assert arrays_with_string_bounds == []


def test_every_request_body_has_an_example_the_service_accepts(client: TestClient[Litestar]) -> None:
    document = client.get("/schema/openapi.json").json()
    bodies = [
        (method, path, op)
        for path, item in document["paths"].items()
        for method, op in item.items()
        if "application/json" in op.get("requestBody", {}).get("content", {})
    ]
    assert len(bodies) == 16
    forms = [
        (method, path)
        for path, item in document["paths"].items()
        for method, op in item.items()
        if "application/x-www-form-urlencoded" in op.get("requestBody", {}).get("content", {})
    ]
    assert forms == [("post", "/s/{token}")], "the respondent's answers come as the page's form sends them"
    # The stored routes' paths name a district, a school and an action: the examples are sent to real ones, and
    # the action's example to a real assessment's first 'now' item (its second is adopted for the change).
    district = client.post("/v1/districts", json={"name": "Examples"}).json()["id"]
    school = client.post(f"/v1/districts/{district}/schools", json={"name": "Example school"}).json()["id"]
    stored = client.post(
        f"/v1/schools/{school}/assessments", json={"assessed_on": "2026-09-01", "profile": as_body(RUSHED_DISTRICT)}
    ).json()
    now, other = [r["rule_id"] for r in stored["assessment"]["recommendations"] if r["horizon"] == "now"][:2]
    adopted = {"assessment_id": stored["id"], "rule_id": other, "owner": "A", "due_on": "2026-12-01"}
    action = client.post(f"/v1/schools/{school}/actions", json=adopted).json()["id"]
    # The consensus example settles what a leader and five of ten families disagree on.
    roles = {"leader": {"roster": 1}, "family": {"roster": 10}}
    survey = client.post(f"/v1/schools/{school}/surveys", json={"roles": roles, "closes_on": "2027-06-30"}).json()
    leader, family = ({r["role"]: r["links"] for r in survey["roles"]}[role] for role in ("leader", "family"))
    assert client.post(leader[0], data={"definition.shared_with": ["teachers", "leaders", "families"]}).is_success
    for link in family[:5]:
        assert client.post(link, data={"definition.shared_with": "no", "vision.written_why": "no"}).is_success
    for method, path, operation in bodies:
        example = operation["requestBody"]["content"]["application/json"]["example"]
        if path.endswith("/actions"):
            example = {**example, "assessment_id": stored["id"], "rule_id": now}
        url = path.format(
            district_id=district, school_id=school, action_id=action, rule_id="why-missing", survey_id=survey["id"]
        )
        response = client.request(method.upper(), url, json=example)
        assert response.status_code in (200, 201), (path, response.text[:300])
        if path.endswith("/batch"):
            assert {r["status"] for r in response.json()["results"]} == {"ok"}


def test_options_names_every_method_of_a_path(client: TestClient[Litestar]) -> None:
    assert client.options("/v1/districts").headers["allow"] == "GET, OPTIONS, POST"
    assert client.options("/v1/schools/any").headers["allow"] == "DELETE, GET, OPTIONS"


SPECTRAL = ROOT / ".tools" / "node_modules" / ".bin" / "spectral"


@pytest.mark.skipif(not SPECTRAL.exists(), reason="Spectral is not installed: `make test` installs it with npm")
def test_the_contract_passes_spectrals_openapi_rules() -> None:
    linted = subprocess.run(
        [
            str(SPECTRAL),
            "lint",
            str(OPENAPI),
            "--ruleset",
            str(ROOT / ".spectral.yaml"),
            "--fail-severity",
            "error",
            "--format",
            "text",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert linted.returncode == 0, linted.stdout[-3000:]


def test_every_nullable_choice_is_one_named_enum_or_null(client: TestClient[Litestar]) -> None:
    schemas = client.get("/schema/openapi.json").json()["components"]["schemas"]
    for model in SECTION_SCHEMAS:
        for name, prop in schemas[model]["properties"].items():
            assert not isinstance(prop.get("type"), list), f"{model}.{name} written as a type list"
            for branch in prop.get("oneOf", []):
                inner = branch.get("items", branch)
                assert "enum" not in inner, f"{model}.{name}: an unnamed enum"
    assert schemas["BuyInApproach"]["enum"] == ["mandate_all_by_date", "phased_pilot", "voluntary", "readiness_based"]
