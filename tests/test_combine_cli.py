"""`pladvisor combine` and `pladvisor template --role`: survey exports in, one combined assessment per school out."""

import csv
import fcntl
import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from pladvisor.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "respondents.csv"
runner = CliRunner()


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    return path


def teachers(school: str, count: int, timely: str) -> list[list[str]]:
    return [[school, "teacher", f"t{i}", timely] for i in range(count)]


HEADER = ["school_id", "role", "respondent_id", "professional_development.timely"]


def test_the_example_district_is_combined_with_its_largest_gaps_printed(tmp_path: Path) -> None:
    out, rollup = tmp_path / "out.jsonl", tmp_path / "rollup.json"
    result = runner.invoke(app, ["combine", str(EXAMPLE), "-o", str(out), "--rollup", str(rollup)])
    assert result.exit_code == 0, result.output
    assert "combined 5 schools, 0 rows failed" in result.output
    assert "largest perception gaps across the district:" in result.output
    schools = jsonl(out)
    assert [s["school_id"] for s in schools] == [f"school-0000{i}" for i in range(1, 6)]
    gap_school = schools[2]["combined"]
    found = {g["gap_id"] for g in gap_school["perception_gaps"]}
    assert {"pd-timeliness-seen-differently", "entry-seen-differently", "stage-support-seen-differently"} <= found
    district = json.loads(rollup.read_text(encoding="utf-8"))
    assert district["schools"] == 5 and district["respondents"] == {"leader": 5, "teacher": 60, "student": 50}
    assert (
        district["largest_gaps"] and district["largest_gaps"][0]["schools"] >= district["largest_gaps"][-1]["schools"]
    )


def test_a_bad_row_is_reported_and_its_school_is_combined_from_the_others(tmp_path: Path) -> None:
    rows = [
        ["north", "leader", "l1", "yes"],
        *teachers("north", 5, "no"),
        ["north", "teacher", "t9", "sometimes"],
        ["north", "pilot", "p1", "yes"],
        ["north", "teacher", "t0", "no"],
    ]
    source, out = write_csv(tmp_path / "in.csv", HEADER, rows), tmp_path / "out.jsonl"
    result = runner.invoke(app, ["combine", str(source), "-o", str(out)])
    assert result.exit_code == 1 and "combined 1 school, 3 rows failed" in result.output
    errors = jsonl(tmp_path / "out.errors.jsonl")
    assert [e["line"] for e in errors] == [8, 9, 10]
    assert errors[0]["errors"][0]["message"] == "'sometimes' is not yes or no"
    assert errors[1]["errors"][0]["field"] == "role"
    assert errors[2]["errors"][0] == {"field": "respondent_id", "message": "the same respondent as line 3"}
    assert "t0" not in (tmp_path / "out.errors.jsonl").read_text(encoding="utf-8")
    (school,) = jsonl(out)
    timely = next(f for f in school["combined"]["combined"] if f["field"] == "professional_development.timely")
    assert timely["respondents"] == 5 and timely["value"] is False


def test_survey_columns_are_renamed_by_a_header_map(tmp_path: Path) -> None:
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps({"School": "school_id", "I am a": "role", "Q7": "professional_development.timely"}))
    source = write_csv(tmp_path / "in.csv", ["School", "I am a", "Q7"], [["north", "teacher", "no"]] * 6)
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["combine", str(source), "-o", str(out), "--header-map", str(mapping)])
    assert result.exit_code == 0, result.output
    assert jsonl(out)[0]["combined"]["respondents"] == [{"role": "teacher", "respondents": 6}]


def test_a_role_with_four_respondents_is_not_shown_by_role_in_the_output(tmp_path: Path) -> None:
    rows = [["north", "leader", "l1", "yes"], *teachers("north", 4, "no")]
    source, out = write_csv(tmp_path / "in.csv", HEADER, rows), tmp_path / "out.jsonl"
    assert runner.invoke(app, ["combine", str(source), "-o", str(out)]).exit_code == 0
    combined = json.loads(out.read_text(encoding="utf-8"))["combined"]
    assert {view["role"] for f in combined["combined"] for view in f["by_role"]} == {"leader"}
    assert combined["perception_gaps"] == []
    timely = next(f for f in combined["combined"] if f["field"] == "professional_development.timely")
    assert timely["explanation"] == "The most common answer of 4 teachers: no."  # without the count behind it


def test_a_resumed_run_writes_each_school_once(tmp_path: Path) -> None:
    rows = [*teachers("north", 5, "no"), *teachers("south", 5, "yes")]
    source, out = write_csv(tmp_path / "in.csv", HEADER, rows), tmp_path / "out.jsonl"
    assert runner.invoke(app, ["combine", str(source), "-o", str(out)]).exit_code == 0
    first = out.read_text(encoding="utf-8").splitlines()
    out.write_text(first[0] + "\n" + first[1][:40], encoding="utf-8")  # killed while writing the second school
    result = runner.invoke(app, ["combine", str(source), "-o", str(out), "--resume"])
    assert result.exit_code == 0 and "1 already done" in result.output
    assert out.read_text(encoding="utf-8").splitlines() == first


def test_a_second_run_on_the_same_output_refuses_to_start(tmp_path: Path) -> None:
    source, out = write_csv(tmp_path / "in.csv", HEADER, teachers("north", 5, "no")), tmp_path / "out.jsonl"
    with out.open("a", encoding="utf-8") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = runner.invoke(app, ["combine", str(source), "-o", str(out)])
    assert result.exit_code == 2 and "being written by another run" in result.output


def test_the_teacher_template_has_the_teachers_columns_and_what_each_accepts(tmp_path: Path) -> None:
    result = runner.invoke(app, ["template", "--role", "teacher", "--csv"])
    assert result.exit_code == 0, result.output
    header, allowed = list(csv.reader(result.output.splitlines()))
    assert header[:5] == ["school_id", "name", "role", "respondent_id", "stage"]
    assert "professional_development.coaching" in header and "tools.plan_centre" not in header
    assert allowed[header.index("student_agency.goal_setting")] == "yes|no"
    # The template, filled in, is read back by combine.
    row = ["north", "North", "teacher", "t1", "trying", *[""] * (len(header) - 5)]
    row[header.index("professional_development.coaching")] = "yes"
    source, out = write_csv(tmp_path / "in.csv", header, [row]), tmp_path / "out.jsonl"
    assert runner.invoke(app, ["combine", str(source), "-o", str(out)]).exit_code == 0


def test_an_unknown_role_has_no_template() -> None:
    result = runner.invoke(app, ["template", "--role", "pilot", "--csv"])
    assert result.exit_code == 2 and "'pilot' is not one of" in result.output
