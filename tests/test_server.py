"""The real service process: started the way `make run` starts it, called over HTTP with httpx."""

import asyncio

import httpx

from .profiles import MATURE_SCHOOL, RUSHED_DISTRICT, as_body


def test_real_server_answers_an_assessment(base_url: str) -> None:
    response = httpx.post(f"{base_url}/v1/assessments", json=as_body(RUSHED_DISTRICT, school_id="real"))
    assert response.status_code == 200
    assert response.json()["school_id"] == "real"
    assert response.json()["recommendations"][0]["horizon"] == "now"


def test_real_server_keeps_concurrent_answers_apart(base_url: str) -> None:
    bodies = [as_body(RUSHED_DISTRICT if i % 2 else MATURE_SCHOOL, school_id=f"s{i}") for i in range(200)]

    async def run() -> list[dict]:
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
