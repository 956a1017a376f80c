"""`pladvisor score` and `pladvisor template`: files in, results out, bad rows reported, runs resumable."""

import contextlib
import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pladvisor.cli.app import app

from .profiles import MATURE_SCHOOL, RUSHED_DISTRICT, as_body
from .servers import free_port, running_server

ROOT = Path(__file__).resolve().parents[1]
DISTRICT = ROOT / "examples" / "district.csv"
GENERATE = ROOT / "examples" / "generate.py"
PLADVISOR = Path(sys.executable).with_name("pladvisor")
runner = CliRunner()


def csv_rows(path: Path) -> list[list[str]]:
    return list(csv.reader(path.read_text(encoding="utf-8").splitlines()))


def csv_dicts(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_example_district_scores_every_good_row_and_reports_each_bad_one(tmp_path: Path) -> None:
    out, summary, rollup = tmp_path / "out.jsonl", tmp_path / "out.csv", tmp_path / "rollup.json"
    result = runner.invoke(app, ["score", str(DISTRICT), "-o", str(out), "-o", str(summary), "--rollup", str(rollup)])
    assert result.exit_code == 1
    assert "scored 46 schools, 4 rows failed" in result.output
    errors = jsonl(tmp_path / "out.errors.jsonl")
    assert [e["line"] for e in errors] == [9, 22, 34, 43]
    assert (
        errors[0]["school_id"] == "school-00008" and "'maybe' is not true or false" in errors[0]["errors"][0]["message"]
    )
    assert errors[3]["errors"][0]["field"] == "buy_in.approach"
    records = jsonl(out)
    assert len(records) == 46 and len({r["line"] for r in records}) == 46
    rows = csv_dicts(summary)
    assert [int(r["line"]) for r in rows] == [r["line"] for r in records]
    assert rows[0]["school_id"] == records[0]["assessment"]["school_id"]
    gaps = [item["rule_id"] for item in records[0]["assessment"]["recommendations"] if item["kind"] == "gap"]
    assert rows[0]["next_1"] == gaps[0]
    totals = json.loads(rollup.read_text(encoding="utf-8"))
    assert (totals["schools"], totals["assessed"], totals["invalid"]) == (50, 46, 4)
    assert sum(totals["stages"].values()) == 46


def test_district_report_is_written_from_the_rollup(tmp_path: Path) -> None:
    page = tmp_path / "district.html"
    result = runner.invoke(app, ["score", str(DISTRICT), "-o", str(tmp_path / "out.jsonl"), "--report", str(page)])
    assert result.exit_code == 1
    text = page.read_text(encoding="utf-8")
    assert "District overview" in text and "<svg" in text
    records = jsonl(tmp_path / "out.jsonl")
    gaps = [r for a in records for r in a["assessment"]["recommendations"] if r["kind"] == "gap"]
    weight = {"critical": 4, "high": 3, "medium": 2, "low": 1}
    top = max(
        {r["rule_id"] for r in gaps}, key=lambda rule: sum(weight[r["priority"]] for r in gaps if r["rule_id"] == rule)
    )
    title = next(r["title"] for r in gaps if r["rule_id"] == top)
    assert title.replace("'", "&#39;") in text


def test_template_lists_every_column_and_is_valid_input_once_filled(tmp_path: Path) -> None:
    template = tmp_path / "template.csv"
    assert runner.invoke(app, ["template", "--csv", "-o", str(template)]).exit_code == 0
    header, allowed = csv_rows(template)
    assert header[:3] == ["school_id", "name", "definition.written"]
    assert allowed[0].startswith("#") and allowed[header.index("buy_in.approach")].startswith("mandate_all_by_date|")
    with template.open("a", encoding="utf-8", newline="") as handle:
        row = {"school_id": "t1", "buy_in.approach": "mandate_all_by_date", "student_agency.choices": "where;how"}
        csv.writer(handle).writerow([row.get(column, "") for column in header])
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["score", str(template), "-o", str(out)])
    assert result.exit_code == 0, result.output
    (record,) = jsonl(out)
    assert record["line"] == 3 and record["assessment"]["school_id"] == "t1"
    assert "buy-in-mandated" in [r["rule_id"] for r in record["assessment"]["recommendations"]]


def test_jsonl_and_json_inputs_round_trip(tmp_path: Path) -> None:
    profiles = [as_body(RUSHED_DISTRICT, school_id="j1"), as_body(MATURE_SCHOOL, school_id="j2")]
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(json.dumps(p) for p in profiles) + "\n{broken\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["score", str(source), "-o", str(out)])
    assert result.exit_code == 1 and "scored 2 schools, 1 row failed" in result.output
    assert [r["assessment"]["school_id"] for r in jsonl(out)] == ["j1", "j2"]
    assert jsonl(tmp_path / "out.errors.jsonl")[0]["line"] == 3
    array = tmp_path / "in.json"
    array.write_text(json.dumps(profiles), encoding="utf-8")
    result = runner.invoke(app, ["score", str(array), "-o", str(tmp_path / "array.jsonl")])
    assert result.exit_code == 0
    assert jsonl(tmp_path / "array.jsonl") == jsonl(out)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        pytest.param("school_id,buy_in.deadline", "unknown columns buy_in.deadline", id="unknown-column"),
        pytest.param(
            "school_id,buy_in.approach,buy_in.approach",
            "columns appear more than once: buy_in.approach",
            id="repeated-column",
        ),
    ],
)
def test_a_header_that_cannot_be_read_stops_the_run_with_a_clear_message(
    tmp_path: Path, header: str, message: str
) -> None:
    source = tmp_path / "in.csv"
    source.write_text(f"{header}\ns1,voluntary,voluntary\n", encoding="utf-8")
    result = runner.invoke(app, ["score", str(source), "-o", str(tmp_path / "out.jsonl")])
    assert result.exit_code == 2
    assert message in result.output


def test_scoring_through_the_api_gives_the_same_results(tmp_path: Path, base_url: str) -> None:
    local, remote = tmp_path / "local.jsonl", tmp_path / "remote.jsonl"
    runner.invoke(app, ["score", str(DISTRICT), "-o", str(local)])
    result = runner.invoke(app, ["score", str(DISTRICT), "-o", str(remote), "--api", base_url])
    assert "scored 46 schools, 4 rows failed" in result.output
    assert jsonl(remote) == jsonl(local)
    assert jsonl(tmp_path / "remote.errors.jsonl") == jsonl(tmp_path / "local.errors.jsonl")


def test_a_service_that_cannot_be_reached_stops_the_run_with_a_message_not_a_traceback(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["score", str(DISTRICT), "-o", str(tmp_path / "out.jsonl"), "--api", f"http://127.0.0.1:{free_port()}"]
    )
    assert result.exit_code == 2
    assert "error: http://127.0.0.1:" in result.output and "no answer after 4 attempts" in result.output
    assert isinstance(result.exception, SystemExit)


def test_a_service_that_refuses_the_key_stops_the_run_with_its_problem(tmp_path: Path) -> None:
    with running_server(PLADVISOR_API_KEYS="k" * 32) as url:
        result = runner.invoke(
            app, ["score", str(DISTRICT), "-o", str(tmp_path / "out.jsonl"), "--api", url, "--api-key", "w" * 32]
        )
    assert result.exit_code == 2
    assert f"error: {url}: 401 Unauthorized" in result.output
    assert isinstance(result.exception, SystemExit)


def score_with_two_workers(source: Path, output: Path) -> subprocess.CompletedProcess[str]:
    """``pladvisor score --workers 2`` as a user runs it: worker processes need a real process, not the runner."""
    return subprocess.run(
        [str(PLADVISOR), "score", str(source), "-o", str(output), "--workers", "2"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_two_workers_give_the_same_results_as_one(tmp_path: Path) -> None:
    # Rows for several chunks of 64: the example district is one chunk, which a single process would score.
    source, one, two = tmp_path / "in.csv", tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    subprocess.run([sys.executable, str(GENERATE), "--count", "300", "--broken", "3", "-o", str(source)], check=True)
    runner.invoke(app, ["score", str(source), "-o", str(one)])
    result = score_with_two_workers(source, two)
    assert result.returncode == 1 and "scored 297 schools, 3 rows failed" in result.stderr
    assert len(jsonl(two)) == 297
    assert jsonl(two) == jsonl(one)
    # The workers read the rows themselves: a cell of the wrong type is reported as the parent reported it.
    errors = {
        name: sorted(jsonl(tmp_path / f"{name}.errors.jsonl"), key=lambda e: e["line"]) for name in ("one", "two")
    }
    assert errors["two"] == errors["one"] and len(errors["one"]) == 3


def test_two_workers_write_the_same_csv_and_roll_up_as_one(tmp_path: Path) -> None:
    # Both need each row's summary, which workers send only when something reads it.
    source = tmp_path / "in.csv"
    subprocess.run([sys.executable, str(GENERATE), "--count", "300", "--broken", "3", "-o", str(source)], check=True)
    for name, workers in (("one", "1"), ("two", "2")):
        rollup = ["--rollup", str(tmp_path / f"{name}.rollup.json")]
        subprocess.run(
            [str(PLADVISOR), "score", str(source), "-o", str(tmp_path / f"{name}.csv"), *rollup, "--workers", workers],
            capture_output=True,
            timeout=120,
            check=False,
        )
    assert len(csv_dicts(tmp_path / "two.csv")) == 297
    assert csv_dicts(tmp_path / "two.csv") == csv_dicts(tmp_path / "one.csv")
    assert json.loads((tmp_path / "two.rollup.json").read_text()) == json.loads(
        (tmp_path / "one.rollup.json").read_text()
    )


@pytest.mark.parametrize("suffix", [".jsonl", ".json"])
def test_rows_of_any_json_reach_worker_processes_unchanged(tmp_path: Path, suffix: str) -> None:
    # JSONL lines go to workers as text; the items of a JSON array, read whole by the parent, as data in a compact
    # form that holds no integer beyond 64 bits, so that a chunk with one goes as it is.
    source, one, two = tmp_path / f"in{suffix}", tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    schools_jsonl(source, 200)
    rows = source.read_text(encoding="utf-8").splitlines()
    rows[100] = rows[100].replace('"school_id": "s100"', f'"school_id": {10**30}')
    source.write_text("\n".join(rows) + "\n" if suffix == ".jsonl" else f"[{','.join(rows)}]", encoding="utf-8")
    runner.invoke(app, ["score", str(source), "-o", str(one)])
    result = score_with_two_workers(source, two)
    assert "scored 199 schools, 1 row failed" in result.stderr, result.stderr
    assert jsonl(two) == jsonl(one)
    assert jsonl(tmp_path / "two.errors.jsonl") == jsonl(tmp_path / "one.errors.jsonl")
    assert [e["line"] for e in jsonl(tmp_path / "two.errors.jsonl")] == [101]


def test_killed_run_resumes_scoring_every_school_exactly_once(tmp_path: Path) -> None:
    source = tmp_path / "state.csv"
    subprocess.run([sys.executable, str(GENERATE), "--count", "4000", "--broken", "10", "-o", str(source)], check=True)
    out, summary = tmp_path / "out.jsonl", tmp_path / "out.csv"
    command = [str(PLADVISOR), "score", str(source), "-o", str(out), "-o", str(summary)]
    process = subprocess.Popen(command, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not out.exists() or out.stat().st_size < 200_000:
        assert process.poll() is None, "the run finished before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    interrupted = len(out.read_bytes().splitlines())
    assert 0 < interrupted < 3990

    resumed = subprocess.run([*command, "--resume"], capture_output=True, text=True, timeout=300, check=False)
    assert resumed.returncode == 1  # the ten broken rows
    lines = [r["line"] for r in jsonl(out)]
    errors = [e["line"] for e in jsonl(tmp_path / "out.errors.jsonl")]
    assert len(lines) == len(set(lines)) == 3990
    assert len(errors) == len(set(errors)) == 10
    assert sorted(lines + errors) == list(range(2, 4002))
    rows = [int(r["line"]) for r in csv_dicts(summary)]
    assert sorted(rows) == sorted(lines)
    assert "already done" in resumed.stderr


@pytest.mark.parametrize("suffix", [".txt", ".xlsx"])
def test_unknown_output_format_is_refused(tmp_path: Path, suffix: str) -> None:
    result = runner.invoke(app, ["score", str(DISTRICT), "-o", str(tmp_path / f"out{suffix}")])
    assert result.exit_code == 2


def profile_csv(path: Path, rows: list[dict[str, str]], header: list[str] | None = None, bom: bool = False) -> None:
    header = header or ["school_id", "name", "buy_in.approach"]
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)


def test_a_byte_order_mark_is_not_part_of_the_first_column(tmp_path: Path) -> None:
    source = tmp_path / "bom.csv"
    profile_csv(source, [{"school_id": "s1", "name": "Oak", "buy_in.approach": "voluntary"}], bom=True)
    result = runner.invoke(app, ["score", str(source), "-o", str(tmp_path / "out.csv")])
    assert result.exit_code == 0, result.output
    assert csv_dicts(tmp_path / "out.csv")[0]["school_id"] == "s1"
    for suffix, text in ((".jsonl", json.dumps(as_body({}, school_id="j1"))), (".json", json.dumps([as_body({})]))):
        other = tmp_path / f"bom{suffix}"
        other.write_text("\ufeff" + text + "\n", encoding="utf-8")
        assert runner.invoke(app, ["score", str(other), "-o", str(other.with_suffix(".out.csv"))]).exit_code == 0


def test_bad_bytes_and_hostile_lines_fail_only_their_own_rows(tmp_path: Path) -> None:
    csv_source = tmp_path / "mixed.csv"
    good = "s{0},School {0},voluntary\n"
    csv_source.write_bytes(
        b"school_id,name,buy_in.approach\n"
        + good.format(1).encode()
        + "s2,\u00c9cole,voluntary\n".encode("cp1252")
        + good.format(3).encode()
    )
    result = runner.invoke(app, ["score", str(csv_source), "-o", str(tmp_path / "csv.csv")])
    assert result.exit_code == 1, result.output
    assert [r["school_id"] for r in csv_dicts(tmp_path / "csv.csv")] == ["s1", "s3"]
    assert jsonl(tmp_path / "csv.errors.jsonl")[0]["line"] == 3
    jsonl_source = tmp_path / "mixed.jsonl"
    lines = [
        json.dumps(as_body({}, school_id="ok-1")),
        "[" * 100_000,
        '{"n": ' + "9" * 5000 + "}",
        "\x89PNG not text \xff",
        json.dumps(as_body({}, school_id="ok-2")),
    ]
    jsonl_source.write_bytes(b"\n".join(line.encode("latin-1") for line in lines) + b"\n")
    result = runner.invoke(app, ["score", str(jsonl_source), "-o", str(tmp_path / "j.csv")])
    assert result.exit_code == 1, result.output
    assert [r["school_id"] for r in csv_dicts(tmp_path / "j.csv")] == ["ok-1", "ok-2"]
    assert [e["line"] for e in jsonl(tmp_path / "j.errors.jsonl")] == [2, 3, 4]


def test_text_a_spreadsheet_would_run_as_a_formula_is_written_as_text(tmp_path: Path) -> None:
    source = tmp_path / "formula.csv"
    profile_csv(
        source,
        [
            {"school_id": '=HYPERLINK("http://x")', "name": "+1-2", "buy_in.approach": "voluntary"},
            {"school_id": "@sum", "name": "-cmd", "buy_in.approach": "voluntary"},
            {"school_id": "plain", "name": "Oak", "buy_in.approach": "voluntary"},
        ],
    )
    assert runner.invoke(app, ["score", str(source), "-o", str(tmp_path / "out.csv")]).exit_code == 0
    rows = csv_dicts(tmp_path / "out.csv")
    assert [(r["school_id"], r["name"]) for r in rows] == [
        ('\'=HYPERLINK("http://x")', "'+1-2"),
        ("'@sum", "'-cmd"),
        ("plain", "Oak"),
    ]


def test_resume_reads_records_split_on_newlines_only(tmp_path: Path) -> None:
    source = tmp_path / "odd.jsonl"
    names = ["Line\u2028Separator", "Next\u0085Line", "Plain"]
    source.write_text(
        "".join(json.dumps(as_body({}, school_id=f"s{i}", name=n)) + "\n" for i, n in enumerate(names)),
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    assert runner.invoke(app, ["score", str(source), "-o", str(out), "-o", str(tmp_path / "out.csv")]).exit_code == 0
    again = runner.invoke(app, ["score", str(source), "-o", str(out), "-o", str(tmp_path / "out.csv"), "--resume"])
    assert again.exit_code == 0, again.output
    assert [r["assessment"]["name"] for r in (json.loads(t) for t in out.read_text("utf-8").split("\n") if t)] == names


def schools_jsonl(path: Path, count: int, first: int = 0) -> None:
    path.write_text(
        "".join(
            json.dumps(as_body(MATURE_SCHOOL if i % 2 else RUSHED_DISTRICT, school_id=f"s{i}")) + "\n"
            for i in range(first, first + count)
        ),
        encoding="utf-8",
    )


def test_a_row_missing_from_one_output_is_written_there_on_resume_and_nowhere_twice(tmp_path: Path) -> None:
    source, full, rows = tmp_path / "in.jsonl", tmp_path / "out.jsonl", tmp_path / "out.csv"
    schools_jsonl(source, 6)
    assert runner.invoke(app, ["score", str(source), "-o", str(full), "-o", str(rows)]).exit_code == 0
    # A disk that filled between the two writes: the last row reached the JSONL, and the CSV ends torn.
    text = rows.read_text(encoding="utf-8")
    rows.write_text(text[: text.rindex("\n", 0, len(text) - 1) + 1] + "6,s5,Sch", encoding="utf-8")
    again = runner.invoke(
        app,
        ["score", str(source), "-o", str(full), "-o", str(rows), "--resume", "--rollup", str(tmp_path / "rollup.json")],
    )
    assert again.exit_code == 0, again.output
    assert [r["line"] for r in csv_dicts(rows)] == [str(n) for n in range(1, 7)]
    assert [r["line"] for r in jsonl(full)] == list(range(1, 7))
    assert json.loads((tmp_path / "rollup.json").read_text("utf-8"))["assessed"] == 6


def test_the_roll_up_after_a_resume_counts_rows_that_failed_before(tmp_path: Path) -> None:
    source, full = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    schools_jsonl(source, 3)
    with source.open("a", encoding="utf-8") as handle:
        handle.write('{"definition": "broken"}\n')
    assert runner.invoke(app, ["score", str(source), "-o", str(full)]).exit_code == 1
    again = runner.invoke(
        app, ["score", str(source), "-o", str(full), "--resume", "--rollup", str(tmp_path / "rollup.json")]
    )
    totals = json.loads((tmp_path / "rollup.json").read_text("utf-8"))
    assert again.exit_code == 0 and (totals["schools"], totals["assessed"], totals["invalid"]) == (4, 3, 1)


def test_resume_refuses_a_changed_input(tmp_path: Path) -> None:
    source, full = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    schools_jsonl(source, 3)
    assert runner.invoke(app, ["score", str(source), "-o", str(full)]).exit_code == 0
    schools_jsonl(source, 5, first=100)
    again = runner.invoke(app, ["score", str(source), "-o", str(full), "--resume"])
    assert again.exit_code == 2
    assert "the input file changed since these outputs were started" in again.output
    assert len(jsonl(full)) == 3


def test_a_second_run_on_the_same_outputs_refuses_to_start(tmp_path: Path) -> None:
    source, full = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    schools_jsonl(source, 2000)
    first = subprocess.Popen([str(PLADVISOR), "score", str(source), "-o", str(full)], stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not full.exists() or full.stat().st_size == 0:
            assert time.monotonic() < deadline and first.poll() is None
            time.sleep(0.05)
        # Paused, the first run holds its outputs however fast it would otherwise have finished them.
        os.kill(first.pid, signal.SIGSTOP)
        try:
            second = subprocess.run(
                [str(PLADVISOR), "score", str(source), "-o", str(full)],
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
        finally:
            os.kill(first.pid, signal.SIGCONT)
        assert second.returncode == 2 and "is being written by another run" in second.stderr
    finally:
        assert first.wait(timeout=120) == 0
    assert [r["line"] for r in jsonl(full)] == list(range(1, 2001))


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux's /proc to find worker processes")
def test_a_worker_killed_mid_run_stops_the_run_with_a_message_and_resume_finishes(tmp_path: Path) -> None:
    source, full = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    schools_jsonl(source, 6000)
    run = subprocess.Popen(
        [str(PLADVISOR), "score", str(source), "-o", str(full), "--workers", "2"], stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 60
        while not full.exists() or full.stat().st_size < 100_000 or not children(run.pid):
            assert time.monotonic() < deadline and run.poll() is None, "the run ended before a worker could be killed"
            time.sleep(0.05)
        os.kill(children(run.pid)[0], signal.SIGKILL)
        _, err = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
        assert run.stderr is not None
        run.stderr.close()
    assert run.returncode == 3 and "a scoring process died" in err
    again = runner.invoke(app, ["score", str(source), "-o", str(full), "--resume"])
    assert again.exit_code == 0, again.output
    assert sorted(r["line"] for r in jsonl(full)) == list(range(1, 6001))


def test_scoring_through_a_server_with_a_smaller_batch_limit_splits_the_batches(tmp_path: Path) -> None:
    local, remote = tmp_path / "local.jsonl", tmp_path / "remote.jsonl"
    runner.invoke(app, ["score", str(DISTRICT), "-o", str(local)])
    with running_server(PLADVISOR_BATCH_LIMIT="7") as url:
        result = runner.invoke(app, ["score", str(DISTRICT), "-o", str(remote), "--api", url, "--batch-size", "20"])
    assert "scored 46 schools, 4 rows failed" in result.output
    assert jsonl(remote) == jsonl(local)
    assert jsonl(tmp_path / "remote.errors.jsonl") == jsonl(tmp_path / "local.errors.jsonl")


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux's /proc to find worker processes")
def test_workers_exit_when_the_run_that_started_them_is_killed(tmp_path: Path) -> None:
    source, full = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    schools_jsonl(source, 6000)
    run = subprocess.Popen(
        [str(PLADVISOR), "score", str(source), "-o", str(full), "--workers", "2"], stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while not full.exists() or full.stat().st_size < 100_000 or len(children(run.pid)) < 2:
        assert time.monotonic() < deadline and run.poll() is None, "the run ended before it could be killed"
        time.sleep(0.05)
    workers = children(run.pid)
    run.kill()
    run.wait(timeout=10)
    deadline = time.monotonic() + 15
    while any(Path(f"/proc/{pid}").exists() and "Z" not in _state(pid) for pid in workers):
        if time.monotonic() > deadline:
            for pid in workers:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            pytest.fail("worker processes outlived the run that started them")
        time.sleep(0.05)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return "Z"
