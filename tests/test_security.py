"""Access control, rate limits, CORS, request ids and access logs, configured from PLADVISOR_* settings."""

import asyncio
import json
import logging
import os
import re
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from litestar import Litestar
from litestar.stores.base import StorageObject
from litestar.testing import TestClient
from litestar.types import HTTPDisconnectEvent, Message

from pladvisor.advice.advisor import Advisor
from pladvisor.api import rate_limit
from pladvisor.api.app import create_app
from pladvisor.api.security import FAILED_KEYS_PER_MINUTE, TRACKED_ADDRESSES, FailureWindow
from pladvisor.config import KeySourceError, Settings

from .profiles import MATURE_SCHOOL, RUSHED_DISTRICT, as_body
from .servers import PLADVISOR, free_port, redis_server, running_server, wait_until_healthy

PROBLEM = "application/problem+json"
ONE, TWO = "key-one-0123456789", "key-two-0123456789"
"""Keys long enough to be accepted (16 characters at least)."""


def service(advisor: Advisor, settings: Settings | None = None) -> TestClient[Litestar]:
    return TestClient(create_app(advisor, settings))


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    keys.write_text("# district portal\nfrom-file-0123456789\n\n", encoding="utf-8")
    monkeypatch.setenv("PLADVISOR_API_KEYS", f"{ONE}, {TWO}")
    monkeypatch.setenv("PLADVISOR_API_KEYS_FILE", str(keys))
    monkeypatch.setenv("PLADVISOR_CORS_ORIGINS", "https://portal.example")
    monkeypatch.setenv("PLADVISOR_RATE_LIMIT_PER_MINUTE", "30")
    settings = Settings()
    assert settings.accepted_keys() == {ONE, TWO, "from-file-0123456789"}
    assert settings.cors_origins == ["https://portal.example"]
    assert settings.rate_limit_per_minute == 30
    assert (settings.host, settings.port, settings.batch_limit) == ("127.0.0.1", 8000, 1000)


def test_with_keys_set_a_request_without_one_gets_401(advisor: Advisor) -> None:
    with service(advisor, Settings(api_keys=[ONE, TWO])) as client:
        missing = client.post("/v1/assessments", json=as_body(MATURE_SCHOOL))
        assert missing.status_code == 401
        assert missing.headers["content-type"] == PROBLEM
        assert missing.headers["www-authenticate"] == "Bearer"
        assert client.get("/v1/rules", headers={"x-api-key": "wrong"}).status_code == 401
        assert client.get("/schema/openapi.json").status_code == 200, "the API's description holds no data"
        assert client.get("/v1/questionnaire/form").status_code == 200, "nor does the empty form"
        assert client.get("/v1/questionnaire").status_code == 401
        assert client.get("/v1/rules", headers={"x-api-key": ONE}).status_code == 200
        assert client.get("/v1/rules", headers={"authorization": f"Bearer {TWO}"}).status_code == 200
        assert client.get("/health").status_code == 200


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param("", "holds no key", id="empty"),
        pytest.param("# only a comment\n\n", "holds no key", id="comments-only"),
        pytest.param("short-key\n", "line 1: an API key must be at least 16 characters", id="too-short"),
        pytest.param(b"\xff\xfe-not-text", "cannot be read", id="not-text"),
    ],
)
def test_a_key_file_that_cannot_supply_keys_fails_closed(tmp_path: Path, content: str | bytes, message: str) -> None:
    keys = tmp_path / "keys"
    keys.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(KeySourceError, match=message):
        Settings(api_keys_file=keys).accepted_keys()
    with pytest.raises(KeySourceError, match="cannot be read"):
        Settings(api_keys_file=tmp_path / "missing").accepted_keys()
    with pytest.raises(KeySourceError, match="item 1: an API key must be at least 16"):
        Settings(api_keys=["short"]).accepted_keys()


def test_serve_refuses_to_start_on_an_unusable_key_file(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    keys.write_text("# nothing yet\n", encoding="utf-8")
    started = subprocess.run(
        [str(PLADVISOR), "serve", "--port", str(free_port())],
        capture_output=True,
        text=True,
        env={**os.environ, "PLADVISOR_API_KEYS_FILE": str(keys)},
        timeout=60,
        check=False,
    )
    assert started.returncode == 2
    assert f"PLADVISOR_API_KEYS_FILE {keys} holds no key" in started.stderr


def test_without_keys_a_made_up_key_buys_no_fresh_allowance(advisor: Advisor) -> None:
    with service(advisor, Settings(rate_limit_per_minute=5)) as client:
        statuses = [
            client.get("/v1/rules", headers={"authorization": f"Bearer random-{i}", "x-api-key": f"k{i}"}).status_code
            for i in range(8)
        ]
        assert statuses == [200] * 5 + [429] * 3


def test_guessing_keys_is_refused_after_a_few_wrong_ones(advisor: Advisor) -> None:
    with service(advisor, Settings(api_keys=[ONE])) as client:
        wrong = [
            client.get("/v1/rules", headers={"x-api-key": f"guess-{i:012d}"}).status_code
            for i in range(FAILED_KEYS_PER_MINUTE)
        ]
        assert wrong == [401] * FAILED_KEYS_PER_MINUTE
        for headers in ({"x-api-key": "guess-after-the-limit"}, {}):
            refused = client.get("/v1/rules", headers=headers)
            assert refused.status_code == 429 and refused.headers["content-type"] == PROBLEM
            assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert client.get("/health").status_code == 200


def test_a_burst_of_wrong_keys_from_an_address_does_not_lock_out_a_valid_key_from_it(advisor: Advisor) -> None:
    """Behind a proxy not configured as trusted, every client shares one address: one client without its key
    must not stop the others."""
    with service(advisor, Settings(api_keys=[ONE, TWO])) as client:
        for _ in range(FAILED_KEYS_PER_MINUTE * 3):
            client.get("/v1/rules")
        assert client.get("/v1/rules").status_code == 429
        assert client.get("/v1/rules", headers={"x-api-key": ONE}).status_code == 200
        assert client.get("/v1/rules", headers={"authorization": f"Bearer {TWO}"}).status_code == 200


def test_the_failure_window_forgets_after_a_minute_and_stays_bounded() -> None:
    now = [0.0]
    window = FailureWindow(limit=2, clock=lambda: now[0])
    window.record("a")
    window.record("a")
    assert window.retry_after("a") == 60 and window.retry_after("b") is None
    now[0] = 61.0
    assert window.retry_after("a") is None
    for i in range(TRACKED_ADDRESSES + 5):
        window.record(f"addr-{i}")
    assert len(window._seen) == TRACKED_ADDRESSES


def test_without_keys_nothing_is_required(client: TestClient[Litestar]) -> None:
    assert client.get("/v1/rules").status_code == 200


def test_rate_limit_is_per_key_with_retry_after(advisor: Advisor) -> None:
    with service(advisor, Settings(api_keys=[ONE, TWO], rate_limit_per_minute=2)) as client:
        statuses = [client.get("/v1/rules", headers={"x-api-key": ONE}).status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        limited = client.get("/v1/rules", headers={"x-api-key": ONE})
        assert limited.headers["content-type"] == PROBLEM
        assert int(limited.headers["retry-after"]) >= 1
        assert client.get("/v1/rules", headers={"x-api-key": TWO}).status_code == 200
        assert client.get("/health").status_code == 200


def test_rate_limit_headers_count_down_the_window(advisor: Advisor) -> None:
    with service(advisor, Settings(rate_limit_per_minute=3)) as client:
        answers = [client.get("/v1/rules") for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert [a.headers["ratelimit-remaining"] for a in answers] == ["2", "1", "0", "0"]
        for answer in answers:
            assert answer.headers["ratelimit-limit"] == "3" and answer.headers["ratelimit-policy"] == "3; w=60"
            assert 0 < int(answer.headers["ratelimit-reset"]) <= 60


def test_a_generous_rate_limit_stores_a_count_not_every_request(advisor: Advisor) -> None:
    # Litestar's own middleware kept the time of every request of the window, read and written whole each time.
    with service(advisor, Settings(rate_limit_per_minute=1_000_000)) as client:
        for _ in range(300):
            assert client.get("/v1/rules").status_code == 200
        store = client.app.stores.get("rate_limit")
        (stored,) = [asyncio.run(store.get(key)) for key in list(store._store)]
        assert stored is not None and stored.split(b" ")[0] == b"300" and len(stored) < 20


def test_ended_windows_are_swept_from_the_in_memory_store(advisor: Advisor, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rate_limit, "SWEEP_EVERY", 5)
    with service(advisor, Settings(rate_limit_per_minute=100)) as client:
        store = client.app.stores.get("rate_limit")
        ended = StorageObject(data=b"1 1", expires_at=datetime.now(tz=UTC) - timedelta(seconds=1))
        store._store.update({f"addr:gone-{i}": ended for i in range(50)})
        for _ in range(5):
            client.get("/v1/rules")
        assert len(store._store) == 1


def test_cors_allows_only_listed_origins(advisor: Advisor) -> None:
    preflight = {"access-control-request-method": "POST"}
    with service(advisor, Settings(cors_origins=["https://portal.example"])) as client:
        allowed = client.options("/v1/assessments", headers={**preflight, "origin": "https://portal.example"})
        assert allowed.headers["access-control-allow-origin"] == "https://portal.example"
        refused = client.options("/v1/assessments", headers={**preflight, "origin": "https://elsewhere.example"})
        assert "access-control-allow-origin" not in refused.headers
        assert refused.status_code == 400 and refused.headers["content-type"] == PROBLEM
        assert refused.json()["title"] == "Cross-origin request refused"
    with service(advisor) as client:
        response = client.post("/v1/assessments", json=as_body({}), headers={"origin": "https://portal.example"})
        assert "access-control-allow-origin" not in response.headers


def test_every_response_carries_a_request_id_echoed_when_sent(client: TestClient[Litestar]) -> None:
    generated = client.get("/health").headers["x-request-id"]
    assert len(generated) == 32
    assert client.get("/health").headers["x-request-id"] != generated
    assert client.get("/v1/rules", headers={"x-request-id": "portal-42"}).headers["x-request-id"] == "portal-42"
    assert client.get("/no/such/route", headers={"x-request-id": "r-404"}).headers["x-request-id"] == "r-404"
    unsafe = client.get("/health", headers={"x-request-id": "bad id\twith spaces"}).headers["x-request-id"]
    assert unsafe != "bad id\twith spaces"


def test_access_log_is_one_json_line_per_request_with_its_id(
    client: TestClient[Litestar], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="pladvisor.access"):
        client.post("/v1/assessments", json=as_body({}), headers={"x-request-id": "log-me"})
    (line,) = [json.loads(r.getMessage()) for r in caplog.records if r.name == "pladvisor.access"]
    assert line["request_id"] == "log-me" and line["status"] == 200 and line["path"] == "/v1/assessments"
    assert line["method"] == "POST" and line["duration_ms"] >= 0
    assert line["level"] == "info" and re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$", line["time"])


def test_served_process_requires_keys_from_the_environment() -> None:
    with running_server(PLADVISOR_API_KEYS=ONE) as url:
        assert httpx.get(f"{url}/v1/rules").status_code == 401
        assert httpx.get(f"{url}/v1/rules", headers={"x-api-key": ONE}).status_code == 200
        assert httpx.get(f"{url}/health").status_code == 200


def test_sigterm_lets_in_flight_requests_finish_then_exits_zero() -> None:
    """What shutdown promises is for requests the service has taken in: the signal goes only once all four
    batches are provably being assessed, whatever the machine's speed."""
    port = free_port()
    process = subprocess.Popen(
        [str(PLADVISOR), "serve", "--port", str(port)],
        env={
            **os.environ,
            "PLADVISOR_LOG_LEVEL": "warning",
            # In-flight requests are promised the drain period: a long one, so that
            # a slow machine cannot matter.
            "PLADVISOR_MAX_CONCURRENT_BATCHES": "4",
            "PLADVISOR_DRAIN_SECONDS": "300",
        },
    )
    url = f"http://127.0.0.1:{port}"
    batch = json.dumps(
        [as_body(RUSHED_DISTRICT if i % 2 else MATURE_SCHOOL, school_id=f"s{i}") for i in range(1000)]
    ).encode()
    start = threading.Barrier(4)
    results: list[int] = []

    def call() -> None:
        start.wait()
        response = httpx.post(
            f"{url}/v1/assessments/batch", content=batch, headers={"content-type": "application/json"}, timeout=60
        )
        results.append(response.status_code if len(response.json()["results"]) == 1000 else -1)

    def four_batches_running() -> bool:
        """The service turns a batch away with 503 only while as many as it takes (four) are being assessed:
        each of ours was then read whole and its handler is running. An empty batch holds no slot for long."""
        probe = httpx.post(f"{url}/v1/assessments/batch", json=[], timeout=30)
        assert probe.status_code in (200, 503), probe.text
        return probe.status_code == 503

    try:
        wait_until_healthy(url, process)
        callers = [threading.Thread(target=call) for _ in range(4)]
        for caller in callers:
            caller.start()
        while not four_batches_running():
            assert all(caller.is_alive() for caller in callers), "a batch was answered before all four ran at once"
        process.send_signal(signal.SIGTERM)
        for caller in callers:
            caller.join(timeout=60)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
    assert results == [200, 200, 200, 200]


def test_a_forwarded_address_is_believed_only_from_a_configured_proxy() -> None:
    def statuses(url: str) -> list[int]:
        return [
            httpx.get(f"{url}/v1/rules", headers={"x-forwarded-for": f"203.0.113.{i}"}).status_code for i in range(5)
        ]

    with running_server(PLADVISOR_RATE_LIMIT_PER_MINUTE="3") as url:
        assert statuses(url) == [200, 200, 200, 429, 429], "spoofed addresses buy no fresh allowance"
    with running_server(PLADVISOR_RATE_LIMIT_PER_MINUTE="3", PLADVISOR_TRUSTED_PROXIES="127.0.0.1") as url:
        assert statuses(url) == [200] * 5, "behind a trusted proxy each client address counts on its own"


def test_a_request_abandoned_before_any_answer_is_logged_as_aborted(
    app: Litestar, caplog: pytest.LogCaptureFixture
) -> None:
    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": "GET",
        "path": "/health",
        "raw_path": b"/health",
        "query_string": b"",
        "headers": [],
        "client": ("127.0.0.1", 5),
        "server": ("127.0.0.1", 80),
        "scheme": "http",
        "root_path": "",
    }

    async def receive() -> HTTPDisconnectEvent:
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        raise OSError("the client is gone")

    with (
        caplog.at_level(logging.INFO, logger="pladvisor.access"),
        pytest.raises(Exception, match=r"response started|gone"),
    ):
        # The bare scope a server sends: Litestar's HTTPScope type also lists the keys Litestar adds itself.
        asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]
    (line,) = [json.loads(r.getMessage()) for r in caplog.records if r.name == "pladvisor.access"]
    assert line["event"] == "aborted" and line["status"] is None


def test_every_log_line_has_time_level_and_the_request_id_tracebacks_included() -> None:
    script = """
import logging, logging.config
from pladvisor.cli.serving import _log_config
from pladvisor.api.observability import current_request_id
logging.config.dictConfig(_log_config("info"))
logging.getLogger("uvicorn.error").info("Started server process [%d]", 7)
current_request_id.set("req-77")
try:
    1 / 0
except ZeroDivisionError:
    logging.getLogger("pladvisor.api").exception("unexpected error")
"""
    err = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stderr
    started, failed = [json.loads(line) for line in err.splitlines()]
    for line in started, failed:
        assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$", line["time"])
    assert started | {"time": None} == {
        "event": "Started server process [7]",
        "level": "info",
        "logger": "uvicorn.error",
        "request_id": None,
        "time": None,
    }
    assert failed["level"] == "error" and failed["request_id"] == "req-77" and failed["logger"] == "pladvisor.api"
    assert failed["event"] == "unexpected error"
    traceback = failed["exception"].splitlines()
    assert traceback[0] == "Traceback (most recent call last):" and traceback[-1].startswith("ZeroDivisionError")


def test_html_pages_allow_only_their_own_inline_blocks(client: TestClient[Litestar]) -> None:
    page = client.get("/v1/questionnaire/form")
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy and "'unsafe-inline'" not in policy
    assert policy.count("'sha256-") == 3, "the form's script, the report's stylesheet and the form's own styles"
    assert page.headers["x-content-type-options"] == "nosniff" and page.headers["x-frame-options"] == "DENY"
    assert "content-security-policy" not in client.get("/v1/rules").headers
    assert client.get("/schema/swagger").url.path == "/docs", "the reference served from the service, not a CDN"


def test_two_worker_processes_share_one_limit_through_redis(tmp_path: Path) -> None:
    with (
        redis_server(tmp_path) as store,
        running_server(
            PLADVISOR_WORKERS="2", PLADVISOR_RATE_LIMIT_PER_MINUTE="5", PLADVISOR_RATE_LIMIT_STORE_URL=store
        ) as url,
    ):
        # A new connection per request, so that the kernel hands requests to both processes.
        statuses = [httpx.get(f"{url}/v1/rules").status_code for _ in range(12)]
    assert statuses.count(200) == 5 and statuses.count(429) == 7
