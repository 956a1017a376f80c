"""Hostile input over the real network path: each is a fast 4xx problem, and the server keeps answering."""

import json
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from pladvisor.domain.profile import MAX_REPORTED

from .profiles import MATURE_SCHOOL, as_body
from .servers import running_server

PROBLEM = "application/problem+json"
JSON = {"content-type": "application/json"}


def deeply_nested(depth: int) -> bytes:
    return b'{"definition": ' + b"[" * depth + b"]" * depth + b"}"


def big_list(items: int) -> bytes:
    body = as_body({})
    body["definition"]["components"] = ["path"] * items
    return json.dumps(body).encode()


HOSTILE = [
    pytest.param(b"\xff\xfe\xfa not utf-8", JSON, {400}, id="invalid-utf8"),
    pytest.param(b'{"definition": {"written": "caf\xe9"}}', JSON, {400, 422}, id="invalid-utf8-in-string"),
    pytest.param(b"x" * 50_000_000, JSON, {413}, id="50MB-body"),
    pytest.param(big_list(10_000), JSON, {422}, id="10000-item-list"),
    pytest.param(deeply_nested(100_000), JSON, {400, 422}, id="deeply-nested"),
    pytest.param(json.dumps(as_body({})).encode(), {"content-type": "text/plain"}, {415}, id="wrong-content-type"),
    pytest.param(
        b'{"definition": {}, "tools": {"technology_budget_percent": 1e400}}', JSON, {400, 422}, id="huge-number"
    ),
    pytest.param(
        b'{"definition": {}, "tools": {"technology_budget_percent": 99999999999999999999999999}}',
        JSON,
        {400, 422},
        id="huge-integer",
    ),
    pytest.param(b'{"definition": {}, "tools": {"technology_budget_percent": NaN}}', JSON, {400}, id="nan"),
    pytest.param(b'{"definition": {}, "tools": {"technology_budget_percent": Infinity}}', JSON, {400}, id="infinity"),
    pytest.param(json.dumps({**as_body({}), "name": "x" * 100_000}).encode(), JSON, {422}, id="huge-string"),
]


@pytest.mark.parametrize(("body", "headers", "statuses"), HOSTILE)
def test_hostile_body_is_a_4xx_problem_and_the_server_survives(
    base_url: str, body: bytes, headers: dict[str, str], statuses: set[int]
) -> None:
    started = time.monotonic()
    try:
        response = httpx.post(f"{base_url}/v1/assessments", content=body, headers=headers, timeout=30)
    except httpx.WriteError:
        pytest.fail("the server closed the connection instead of answering")
    assert time.monotonic() - started < 10
    assert response.status_code in statuses
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["status"] == response.status_code
    follow_up = httpx.post(f"{base_url}/v1/assessments", json=as_body(MATURE_SCHOOL, school_id="after"))
    assert follow_up.status_code == 200 and follow_up.json()["school_id"] == "after"


def test_batch_of_ten_thousand_items_is_refused_with_the_limit(base_url: str) -> None:
    response = httpx.post(f"{base_url}/v1/assessments/batch", json=[as_body({})] * 10_000, timeout=30)
    assert response.status_code == 413
    assert "limit is 1000" in response.json()["detail"]


def test_a_body_of_made_up_fields_costs_little_to_refuse(base_url: str) -> None:
    body = as_body({})
    body.update({f"made_up_{i}": i for i in range(200_000)})
    body["definition"] = {f"junk_{i}": i for i in range(50)}
    started = time.perf_counter()
    response = httpx.post(f"{base_url}/v1/assessments", content=json.dumps(body), headers=JSON, timeout=60)
    elapsed = time.perf_counter() - started
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["error_count"] == 1 and problem["errors"][0]["field"] == "body"
    assert problem["errors"][0]["message"].startswith("200000 unknown fields, for example: made_up_0, made_up_1")
    assert len(response.content) < 10_000
    assert elapsed < 10, "bounded, not proportional to every made-up key"


def test_each_batch_item_lists_at_most_twenty_errors_with_the_count(client: TestClient[Litestar]) -> None:
    item = as_body({})
    item["definition"] = {f"junk_{i}": i for i in range(MAX_REPORTED)}
    item["tools"] = {"plan_centre": 1, "chosen_after_goals": "yes", "technology_budget_percent": "x"}
    result = client.post("/v1/assessments/batch", json=[item] * 3).json()["results"]
    for entry in result:
        assert entry["status"] == "invalid"
        assert len(entry["problem"]["errors"]) == MAX_REPORTED and entry["problem"]["error_count"] == MAX_REPORTED + 3


def test_batches_beyond_what_the_server_takes_at_once_get_503_with_retry_after() -> None:
    batch = json.dumps([as_body(MATURE_SCHOOL, school_id=f"s{i}") for i in range(1000)])
    with running_server(PLADVISOR_MAX_CONCURRENT_BATCHES="1") as url:

        def send() -> httpx.Response:
            return httpx.post(f"{url}/v1/assessments/batch", content=batch, headers=JSON, timeout=120)

        with ThreadPoolExecutor(max_workers=4) as pool:
            responses = list(pool.map(lambda _: send(), range(4)))
        statuses = sorted(r.status_code for r in responses)
        assert 200 in statuses and 503 in statuses and set(statuses) <= {200, 503}
        busy = next(r for r in responses if r.status_code == 503)
        assert busy.headers["content-type"] == PROBLEM and int(busy.headers["retry-after"]) >= 1
        assert all(len(r.json()["results"]) == 1000 for r in responses if r.status_code == 200)
        assert send().status_code == 200, "capacity comes back once the running batch is done"
