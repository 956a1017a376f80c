"""Access control, rate limits, CORS, request ids and access logs, configured from PLADVISOR_* settings."""

import json
import logging
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest
from litestar.testing import TestClient

from pladvisor.api.app import create_app
from pladvisor.config import Settings
from pladvisor.engine.advisor import Advisor

from .profiles import MATURE_SCHOOL, RUSHED_DISTRICT, as_body
from .servers import PLADVISOR, free_port, running_server, wait_until_healthy

PROBLEM = "application/problem+json"


def service(advisor: Advisor, **settings: object) -> TestClient:
    return TestClient(create_app(advisor, Settings(**settings)))


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    keys.write_text("from-file\n\n", encoding="utf-8")
    monkeypatch.setenv("PLADVISOR_API_KEYS", "one, two")
    monkeypatch.setenv("PLADVISOR_API_KEYS_FILE", str(keys))
    monkeypatch.setenv("PLADVISOR_CORS_ORIGINS", "https://portal.example")
    monkeypatch.setenv("PLADVISOR_RATE_LIMIT_PER_MINUTE", "30")
    settings = Settings()
    assert settings.accepted_keys() == {"one", "two", "from-file"}
    assert settings.cors_origins == ["https://portal.example"]
    assert settings.rate_limit_per_minute == 30
    assert (settings.host, settings.port, settings.batch_limit) == ("127.0.0.1", 8000, 1000)


def test_with_keys_set_a_request_without_one_gets_401(advisor: Advisor) -> None:
    with service(advisor, api_keys=["s3cret", "other"]) as client:
        missing = client.post("/v1/assessments", json=as_body(MATURE_SCHOOL))
        assert missing.status_code == 401
        assert missing.headers["content-type"] == PROBLEM
        assert missing.headers["www-authenticate"] == "Bearer"
        assert client.get("/v1/rules", headers={"x-api-key": "wrong"}).status_code == 401
        assert client.get("/schema/openapi.json").status_code == 401
        assert client.get("/v1/rules", headers={"x-api-key": "s3cret"}).status_code == 200
        assert client.get("/v1/rules", headers={"authorization": "Bearer other"}).status_code == 200
        assert client.get("/health").status_code == 200


def test_without_keys_nothing_is_required(client: TestClient) -> None:
    assert client.get("/v1/rules").status_code == 200


def test_rate_limit_is_per_key_with_retry_after(advisor: Advisor) -> None:
    with service(advisor, api_keys=["a", "b"], rate_limit_per_minute=2) as client:
        statuses = [client.get("/v1/rules", headers={"x-api-key": "a"}).status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        limited = client.get("/v1/rules", headers={"x-api-key": "a"})
        assert limited.headers["content-type"] == PROBLEM
        assert int(limited.headers["retry-after"]) >= 1
        assert client.get("/v1/rules", headers={"x-api-key": "b"}).status_code == 200
        assert client.get("/health").status_code == 200


def test_cors_allows_only_listed_origins(advisor: Advisor) -> None:
    preflight = {"access-control-request-method": "POST"}
    with service(advisor, cors_origins=["https://portal.example"]) as client:
        allowed = client.options("/v1/assessments", headers={**preflight, "origin": "https://portal.example"})
        assert allowed.headers["access-control-allow-origin"] == "https://portal.example"
        refused = client.options("/v1/assessments", headers={**preflight, "origin": "https://elsewhere.example"})
        assert "access-control-allow-origin" not in refused.headers
    with service(advisor) as client:
        response = client.post("/v1/assessments", json=as_body({}), headers={"origin": "https://portal.example"})
        assert "access-control-allow-origin" not in response.headers


def test_every_response_carries_a_request_id_echoed_when_sent(client: TestClient) -> None:
    generated = client.get("/health").headers["x-request-id"]
    assert len(generated) == 32
    assert client.get("/health").headers["x-request-id"] != generated
    assert client.get("/v1/rules", headers={"x-request-id": "portal-42"}).headers["x-request-id"] == "portal-42"
    assert client.get("/no/such/route", headers={"x-request-id": "r-404"}).headers["x-request-id"] == "r-404"
    unsafe = client.get("/health", headers={"x-request-id": "bad id\twith spaces"}).headers["x-request-id"]
    assert unsafe != "bad id\twith spaces"


def test_access_log_is_one_json_line_per_request_with_its_id(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="pladvisor.access"):
        client.post("/v1/assessments", json=as_body({}), headers={"x-request-id": "log-me"})
    (line,) = [json.loads(r.getMessage()) for r in caplog.records if r.name == "pladvisor.access"]
    assert line["request_id"] == "log-me" and line["status"] == 200 and line["path"] == "/v1/assessments"
    assert line["method"] == "POST" and line["duration_ms"] >= 0


def test_served_process_requires_keys_from_the_environment() -> None:
    with running_server(PLADVISOR_API_KEYS="k-1") as url:
        assert httpx.get(f"{url}/v1/rules").status_code == 401
        assert httpx.get(f"{url}/v1/rules", headers={"x-api-key": "k-1"}).status_code == 200
        assert httpx.get(f"{url}/health").status_code == 200


def test_sigterm_lets_in_flight_requests_finish_then_exits_zero() -> None:
    port = free_port()
    process = subprocess.Popen([str(PLADVISOR), "serve", "--port", str(port)],
                               env={**os.environ, "PLADVISOR_LOG_LEVEL": "warning"})
    url = f"http://127.0.0.1:{port}"
    batch = [as_body(RUSHED_DISTRICT if i % 2 else MATURE_SCHOOL, school_id=f"s{i}") for i in range(1000)]
    results: list[int] = []

    def call() -> None:
        response = httpx.post(f"{url}/v1/assessments/batch", json=batch, timeout=60)
        results.append(response.status_code if len(response.json()["results"]) == 1000 else -1)

    try:
        wait_until_healthy(url, process)
        callers = [threading.Thread(target=call) for _ in range(4)]
        for caller in callers:
            caller.start()
        time.sleep(0.3)
        process.send_signal(signal.SIGTERM)
        for caller in callers:
            caller.join(timeout=60)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
    assert results == [200, 200, 200, 200]
