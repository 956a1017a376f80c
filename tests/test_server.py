"""The real service process: started the way `make run` starts it, called over HTTP with httpx."""

import asyncio
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx

from pladvisor.engine.catalog import default_rules_dir

from .profiles import MATURE_SCHOOL, RUSHED_DISTRICT, as_body
from .servers import PLADVISOR, free_port, running_server


def test_real_server_answers_an_assessment(base_url: str) -> None:
    response = httpx.post(f"{base_url}/v1/assessments", json=as_body(RUSHED_DISTRICT, school_id="real"))
    assert response.status_code == 200
    assert response.json()["school_id"] == "real"
    assert response.json()["recommendations"][0]["horizon"] == "now"


def test_real_server_keeps_concurrent_answers_apart(base_url: str) -> None:
    bodies = [as_body(RUSHED_DISTRICT if i % 2 else MATURE_SCHOOL, school_id=f"s{i}") for i in range(200)]

    async def run() -> list[dict[str, Any]]:
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
            responses = await asyncio.gather(*(client.post("/v1/assessments", json=b) for b in bodies))
        return [r.json() for r in responses]

    answers = asyncio.run(run())
    expected = {
        True: httpx.post(f"{base_url}/v1/assessments", json=as_body(RUSHED_DISTRICT)).json()["recommendations"],
        False: httpx.post(f"{base_url}/v1/assessments", json=as_body(MATURE_SCHOOL)).json()["recommendations"],
    }
    for i, answer in enumerate(answers):
        assert answer["school_id"] == f"s{i}"
        assert answer["recommendations"] == expected[bool(i % 2)]


def test_two_worker_processes_serve_the_same_answers(base_url: str) -> None:
    body = as_body(RUSHED_DISTRICT, school_id="w")
    expected = httpx.post(f"{base_url}/v1/assessments", json=body).json()
    answers: list[dict[str, Any]] = []
    # With no shared store each process counts requests against its own limit, here one a minute: a second
    # answer within the minute can only come from the other process.
    with running_server(PLADVISOR_WORKERS="2", PLADVISOR_RATE_LIMIT_PER_MINUTE="1") as url:
        deadline = time.monotonic() + 30
        while len(answers) < 2:
            assert time.monotonic() < deadline, "one process took every request"
            # A new connection per request, so that either process may accept it.
            response = httpx.post(f"{url}/v1/assessments", json=body)
            assert response.status_code in (200, 429), response.text
            if response.status_code == 200:
                answers.append(response.json())
    assert answers == [expected, expected]


def test_a_broken_catalog_stops_start_up_naming_file_and_rule(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), rules)
    text = (rules / "buy_in.yaml").read_text(encoding="utf-8")
    (rules / "buy_in.yaml").write_text(text.replace("{buy_in.approach: mandate_all_by_date}", "{buy_in.aproach: x}", 1))
    done = subprocess.run(
        [str(PLADVISOR), "serve", "--port", str(free_port())],
        capture_output=True,
        text=True,
        env={**os.environ, "PLADVISOR_RULES_DIR": str(rules)},
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "buy_in.yaml: rule 'buy-in-mandated'" in done.stderr and "buy_in.aproach" in done.stderr
