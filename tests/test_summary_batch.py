"""The summary view of a batch: each good item the summary of its school, the bad ones as in the full answer,
and the same district roll-up; through the service, the client and `pladvisor score --view summary`."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar import Litestar
from litestar.testing import TestClient
from typer.testing import CliRunner

from pladvisor.advice.advisor import Advisor
from pladvisor.advice.batch import BatchJson
from pladvisor.cli.app import app
from pladvisor.client import AsyncClient, Client
from pladvisor.domain.assessment import Assessment, AssessmentSummary
from pladvisor.domain.batch import BatchSummaryItem
from pladvisor.domain.profile import SchoolProfile

from .profiles import MATURE_SCHOOL, RUSHED_DISTRICT, as_body
from .servers import running_server
from .strategies import profiles
from .test_summary import check_faithful

ROOT = Path(__file__).resolve().parents[1]
DISTRICT = ROOT / "examples" / "district.csv"
runner = CliRunner()


def example_bodies() -> list[Any]:
    """Every example profile, with items that are not valid profiles among them."""
    files = [*sorted((ROOT / "examples" / "profiles").glob("*.json")), ROOT / "examples" / "profile.json"]
    bodies: list[Any] = [json.loads(file.read_text()) for file in files]
    bodies.insert(1, {**as_body({}), "school_id": "bad", "definition": {"written": "maybe"}})
    bodies.insert(3, 7)
    return bodies


def batch(client: TestClient[Litestar], body: list[Any], **params: str) -> dict[str, Any]:
    answer = client.post("/v1/assessments/batch", params=params, json=body)
    assert answer.status_code == 200
    result: dict[str, Any] = answer.json()
    return result


def test_each_good_item_is_the_summary_of_its_school_and_the_bad_ones_keep_their_place(
    client: TestClient[Litestar], advisor: Advisor
) -> None:
    body = example_bodies()
    full = batch(client, body)["results"]
    brief = batch(client, body, view="summary")["results"]
    assert [(item["index"], item["status"]) for item in brief] == [(item["index"], item["status"]) for item in full]
    assert [item["status"] for item in brief[:4]] == ["ok", "invalid", "ok", "invalid"]
    for raw, short, whole in zip(body, brief, full, strict=True):
        if whole["status"] == "invalid":
            assert short["problem"] == whole["problem"] and short["summary"] is None
            continue
        assert "assessment" not in short
        summary = msgspec.convert(short["summary"], AssessmentSummary)
        assert summary == advisor.summarize(SchoolProfile.model_validate(raw))
        check_faithful(summary, msgspec.convert(whole["assessment"], Assessment))


def test_the_roll_up_of_a_summary_batch_is_the_full_batchs(client: TestClient[Litestar]) -> None:
    body = example_bodies()
    full = batch(client, body)
    brief = batch(client, body, view="summary")
    assert (full["view"], brief["view"]) == ("full", "summary"), "an empty or all-invalid answer says its view too"
    assert brief["rollup"] == full["rollup"]
    assert full["rollup"]["top_recommendations"] and full["rollup"]["areas"][0]["scored"]


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(schools=st.lists(profiles(), max_size=8))
def test_the_roll_up_of_generated_schools_is_the_same_from_their_summaries(
    advisor: Advisor, schools: list[SchoolProfile]
) -> None:
    raws = [school.model_dump(mode="json", exclude_none=True) for school in schools]
    full, brief = BatchJson(advisor), BatchJson(advisor, "summary")
    for raw in raws:
        full.add(raw)
        brief.add(raw)
    assert json.loads(brief.finish())["rollup"] == json.loads(full.finish())["rollup"]


def test_an_unknown_view_of_a_batch_is_refused_naming_it(client: TestClient[Litestar]) -> None:
    answer = client.post("/v1/assessments/batch", params={"view": "bogus"}, json=[as_body({})])
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in answer.json()["errors"]] == ["view"]


def test_the_client_asks_for_summary_batches_sync_and_async(base_url: str, advisor: Advisor) -> None:
    body = [as_body(RUSHED_DISTRICT, school_id="r"), {"definition": 1}, as_body(MATURE_SCHOOL, school_id="m")]
    with Client(base_url) as client:
        full = client.assess_batch(body)
        brief = client.summarize_batch(body)
        # Batches of two: the third item comes from a second request and keeps its place in the whole input.
        many = list(client.summarize_many(body, batch_size=2))
    assert brief.rollup == full.rollup
    assert [item.summary for item in brief.results] == [
        advisor.summarize(SchoolProfile.model_validate(body[0])),
        None,
        advisor.summarize(SchoolProfile.model_validate(body[2])),
    ]
    assert brief.results[1].problem == full.results[1].problem
    assert many == list(brief.results)

    async def ask() -> tuple[list[BatchSummaryItem], list[BatchSummaryItem]]:
        async with AsyncClient(base_url) as client:
            one = await client.summarize_batch(body)
            return list(one.results), [item async for item in client.summarize_many(body, batch_size=2)]

    assert asyncio.run(ask()) == (many, many)


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def score(tmp_path: Path, name: str, *options: str) -> tuple[Path, Path, Path]:
    """`pladvisor score` of the example district into ``name``.jsonl and .csv with a roll-up."""
    out, rows, rollup = tmp_path / f"{name}.jsonl", tmp_path / f"{name}.csv", tmp_path / f"{name}.rollup.json"
    result = runner.invoke(
        app, ["score", str(DISTRICT), "-o", str(out), "-o", str(rows), "--rollup", str(rollup), *options]
    )
    assert "scored 46 schools, 4 rows failed" in result.output, result.output
    return out, rows, rollup


def test_score_writes_summaries_with_the_same_rows_and_roll_up(tmp_path: Path) -> None:
    full, full_rows, full_rollup = score(tmp_path, "full")
    brief, brief_rows, brief_rollup = score(tmp_path, "brief", "--view", "summary")
    records = jsonl(brief)
    assert [r["line"] for r in records] == [r["line"] for r in jsonl(full)]
    for short, whole in zip(records, jsonl(full), strict=True):
        assert set(short) == {"line", "summary"}
        check_faithful(
            msgspec.convert(short["summary"], AssessmentSummary), msgspec.convert(whole["assessment"], Assessment)
        )
    assert brief.stat().st_size * 5 < full.stat().st_size
    assert brief_rows.read_text("utf-8") == full_rows.read_text("utf-8")
    assert json.loads(brief_rollup.read_text("utf-8")) == json.loads(full_rollup.read_text("utf-8"))
    assert jsonl(tmp_path / "brief.errors.jsonl") == jsonl(tmp_path / "full.errors.jsonl")


def test_score_through_a_served_app_writes_the_same_summaries(tmp_path: Path, base_url: str) -> None:
    local, local_rows, local_rollup = score(tmp_path, "local", "--view", "summary")
    remote, remote_rows, remote_rollup = score(tmp_path, "remote", "--view", "summary", "--api", base_url)
    assert jsonl(remote) == jsonl(local)
    assert remote_rows.read_text("utf-8") == local_rows.read_text("utf-8")
    assert remote_rollup.read_text("utf-8") == local_rollup.read_text("utf-8")


def test_score_in_pieces_a_server_takes_writes_the_same_summaries(tmp_path: Path) -> None:
    local, _, _ = score(tmp_path, "local", "--view", "summary")
    with running_server(PLADVISOR_BATCH_LIMIT="7") as url:
        remote, _, _ = score(tmp_path, "remote", "--view", "summary", "--api", url, "--batch-size", "20")
    assert jsonl(remote) == jsonl(local)


def test_a_resumed_summary_run_rebuilds_the_roll_up_from_its_summaries(tmp_path: Path) -> None:
    _, _, whole = score(tmp_path, "whole", "--view", "summary")
    out, rows, rollup = score(tmp_path, "cut", "--view", "summary")
    # A run stopped after its first ten rows.
    out.write_text("".join(line + "\n" for line in out.read_text("utf-8").splitlines()[:10]), encoding="utf-8")
    rollup.unlink()
    again = runner.invoke(
        app,
        [
            "score",
            str(DISTRICT),
            "-o",
            str(out),
            "-o",
            str(rows),
            "--rollup",
            str(rollup),
            "--view",
            "summary",
            "--resume",
        ],
    )
    assert "already done" in again.output
    assert jsonl(out) == jsonl(tmp_path / "whole.jsonl")
    assert rollup.read_text("utf-8") == whole.read_text("utf-8")


def test_resuming_with_the_other_view_is_refused_naming_it(tmp_path: Path) -> None:
    out, _, _ = score(tmp_path, "out", "--view", "summary")
    before = out.read_text("utf-8")
    again = runner.invoke(app, ["score", str(DISTRICT), "-o", str(out), "--resume"])
    assert again.exit_code == 2
    assert "these outputs were started with --view summary" in again.output
    assert out.read_text("utf-8") == before


def test_storing_summaries_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["score", str(DISTRICT), "-o", str(tmp_path / "out.jsonl"), "--view", "summary", "--store", "d"]
    )
    assert result.exit_code == 2
    assert "--store keeps each school's whole assessment" in result.output
    assert not (tmp_path / "out.jsonl").exists()
