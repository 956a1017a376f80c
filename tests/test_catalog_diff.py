"""`pladvisor catalog diff`: two catalogs, the same schools, and exactly the schools whose answers differ."""

import csv
import json
import re
import shutil
from collections import Counter
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pladvisor.advice.advisor import Advisor
from pladvisor.cli.app import app
from pladvisor.domain.assessment import Assessment
from pladvisor.domain.profile import SchoolProfile
from pladvisor.storage.database import make_engine, upgrade
from pladvisor.storage.store import Store

from .profiles import MATURE_SCHOOL, RUSHED_DISTRICT, as_body

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules"
DISTRICT = ROOT / "examples" / "district.csv"
runner = CliRunner()

TIMELINE = "when: {$lt: {buy_in.full_implementation_expected_months: 24}}"
"""buy-in-timeline-too-short fires below 24 months; the new catalog makes that 18."""
NO_ENTRY_CHOICE = "    priority: medium\n    order: 80\n"
"""buy-in-no-entry-choice (the only rule of buy_in.yaml at order 80) is medium; the new catalog makes it high."""
MONTHS, CHOOSES = "buy_in.full_implementation_expected_months", "buy_in.teachers_choose_entry_point"

SCHOOLS: dict[str, dict[str, Any]] = {
    "mature": MATURE_SCHOOL,
    "mature-30": {**MATURE_SCHOOL, MONTHS: 30},
    "mature-20": {**MATURE_SCHOOL, MONTHS: 20},
    "mature-12": {**MATURE_SCHOOL, MONTHS: 12},
    "mature-no-choice": {**MATURE_SCHOOL, CHOOSES: False},
    "rushed": RUSHED_DISTRICT,
    "rushed-22": {**RUSHED_DISTRICT, MONTHS: 22},
    "rushed-no-choice": {**RUSHED_DISTRICT, CHOOSES: False},
    "rushed-22-no-choice": {**RUSHED_DISTRICT, MONTHS: 22, CHOOSES: False},
    "blank": {},
}
"""By construction the changed condition differs for the schools expecting 18-23 months, and the changed
priority can matter only where teachers do not choose their entry point."""
CONDITION_DIFFERS = {"mature-20", "rushed-22", "rushed-22-no-choice"}
UNTOUCHED = {"mature", "mature-30", "rushed", "blank"}


def modified(rules: Path, to: Path, old: str, new: str) -> Path:
    shutil.copytree(rules, to)
    text = (to / "buy_in.yaml").read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    (to / "buy_in.yaml").write_text(text.replace(old, new), encoding="utf-8")
    return to


@pytest.fixture(scope="module")
def changed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the catalog with one condition and one priority changed."""
    directory = modified(RULES, tmp_path_factory.mktemp("catalogs") / "new", TIMELINE, TIMELINE.replace("24", "18"))
    text = (directory / "buy_in.yaml").read_text(encoding="utf-8")
    assert text.count(NO_ENTRY_CHOICE) == 1
    (directory / "buy_in.yaml").write_text(
        text.replace(NO_ENTRY_CHOICE, NO_ENTRY_CHOICE.replace("medium", "high")), encoding="utf-8"
    )
    return directory


def profile(school_id: str) -> dict[str, Any]:
    return as_body(SCHOOLS[school_id], school_id=school_id, name=f"School {school_id}")


@pytest.fixture
def profiles(tmp_path: Path) -> Path:
    path = tmp_path / "schools.jsonl"
    path.write_text("".join(json.dumps(profile(school_id)) + "\n" for school_id in SCHOOLS), encoding="utf-8")
    return path


def plan(assessment: Assessment) -> dict[tuple[str, str], int]:
    return {(item.rule_id, item.kind): item.rank for item in assessment.recommendations}


def expected(changed: Path) -> dict[str, dict[str, Any]]:
    """Every school assessed under each catalog here, and compared whole: stage and plan."""
    old, new = Advisor.from_directory(RULES), Advisor.from_directory(changed)
    found = {}
    for school_id in SCHOOLS:
        school = SchoolProfile.model_validate(profile(school_id), strict=True)
        before, after = old.assess(school), new.assess(school)
        if (before.readiness.stage, plan(before)) == (after.readiness.stage, plan(after)):
            continue
        ranks, now = plan(before), plan(after)
        found[school_id] = {
            "stages": (before.readiness.stage, after.readiness.stage),
            "appeared": {key for key in now if key not in ranks},
            "disappeared": {key for key in ranks if key not in now},
            "moved": {(*key, ranks[key], rank) for key, rank in now.items() if key in ranks and ranks[key] != rank},
        }
    return found


def stage_changes(want: dict[str, dict[str, Any]], schools: Iterable[str]) -> int:
    return sum(1 for school in schools if school in want and len(set(want[school]["stages"])) == 2)


@pytest.fixture(scope="module")
def want(changed: Path) -> dict[str, dict[str, Any]]:
    return expected(changed)


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def summary(text: str) -> tuple[int, int, int]:
    """Schools compared, changed, and changed in stage, as the summary gives them."""
    compared = re.search(r"^compared (\d+) schools? under", text, re.MULTILINE)
    changes = re.search(r"^(\d+) schools? changes?, (\d+) of them in stage", text, re.MULTILINE)
    assert compared and changes, text
    return int(compared[1]), int(changes[1]), int(changes[2])


def rule_rows(text: str) -> dict[tuple[str, str], tuple[int, int, int, int]]:
    """The by-rule table: (rule, kind) to gained, lost, moved, schools."""
    rows = {}
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip("│").split("│")]
        if len(cells) == 6 and cells[1] in ("gap", "sustain", "question"):
            rows[cells[0], cells[1]] = (int(cells[2]), int(cells[3]), int(cells[4]), int(cells[5]))
    return rows


def test_exactly_the_schools_whose_answers_differ_are_counted_and_listed(
    changed: Path, profiles: Path, tmp_path: Path, want: dict[str, dict[str, Any]]
) -> None:
    assert set(want) >= CONDITION_DIFFERS and not UNTOUCHED & set(want)  # the test would see a broken diff
    for school_id in CONDITION_DIFFERS:
        assert want[school_id]["disappeared"] == {("buy-in-timeline-too-short", "gap")}
    assert any(m[0] == "buy-in-no-entry-choice" for w in want.values() for m in w["moved"])

    out = tmp_path / "changes.jsonl"
    result = runner.invoke(
        app,
        ["catalog", "diff", str(RULES), str(changed), "--profiles", str(profiles), "--format", "jsonl", "-o", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert summary(result.stderr) == (len(SCHOOLS), len(want), stage_changes(want, SCHOOLS))
    assert re.search(r"compared 10 schools of .* in [\d.]+ s \([\d,]+ schools/s\)", result.stderr)
    rows = jsonl(out)
    assert [row["school_id"] for row in rows] == [s for s in SCHOOLS if s in want]  # in input order
    for row in rows:
        school = want[row["school_id"]]
        assert (row["old_stage"], row["new_stage"]) == school["stages"]
        assert {(i["rule_id"], i["kind"]) for i in row["appeared"]} == school["appeared"]
        assert {(i["rule_id"], i["kind"]) for i in row["disappeared"]} == school["disappeared"]
        assert {(m["rule_id"], m["kind"], m["old_rank"], m["new_rank"]) for m in row["moved"]} == school["moved"]
        assert row["line"] == list(SCHOOLS).index(row["school_id"]) + 1

    effects: Counter[tuple[str, str, str]] = Counter()
    for school in want.values():
        effects.update(("gained", *key) for key in school["appeared"])
        effects.update(("lost", *key) for key in school["disappeared"])
        effects.update(("moved", *key[:2]) for key in school["moved"])
    table = rule_rows(result.stderr)
    counts = {}
    for key in {key[1:] for key in effects}:
        gained, lost, moved = (effects[what, *key] for what in ("gained", "lost", "moved"))
        counts[key] = (gained, lost, moved, gained + lost + moved)
    assert table == counts
    assert table["buy-in-timeline-too-short", "gap"] == (0, len(CONDITION_DIFFERS), 0, len(CONDITION_DIFFERS))
    affected = [row[3] for row in table.values()]
    assert affected == sorted(affected, reverse=True), table  # most schools affected first


def test_the_table_and_csv_formats_list_the_same_schools(
    changed: Path, profiles: Path, tmp_path: Path, want: dict[str, dict[str, Any]]
) -> None:
    result = runner.invoke(app, ["catalog", "diff", str(RULES), str(changed), "--profiles", str(profiles)])
    assert result.exit_code == 0, result.output
    assert summary(result.stdout)[:2] == (len(SCHOOLS), len(want))
    assert "schools that change" in result.stdout
    listed = {m[1] for m in re.finditer(r"^│\s+\d+ │ (\S+)\s+│", result.stdout, re.MULTILINE)}
    assert listed == set(want)
    assert "schools/s" in result.stderr and "schools/s" not in result.stdout

    out = tmp_path / "changes.csv"
    result = runner.invoke(
        app,
        ["catalog", "diff", str(RULES), str(changed), "--profiles", str(profiles), "--format", "csv", "-o", str(out)],
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    assert [row["school_id"] for row in rows] == [s for s in SCHOOLS if s in want]
    for row in rows:
        if row["school_id"] in CONDITION_DIFFERS:
            assert row["disappeared"] == "buy-in-timeline-too-short"


@pytest.mark.parametrize("side", ["old", "new"])
def test_an_invalid_catalog_is_refused_naming_its_file_and_rule(side: str, profiles: Path, tmp_path: Path) -> None:
    broken = modified(
        RULES, tmp_path / "broken", "  - id: buy-in-mandated\n", "  - id: buy-in-mandated\n    colour: red\n"
    )
    catalogs = [str(broken), str(RULES)] if side == "old" else [str(RULES), str(broken)]
    result = runner.invoke(app, ["catalog", "diff", *catalogs, "--profiles", str(profiles)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {broken / 'buy_in.yaml'}: rule 'buy-in-mandated': colour: ")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert result.stdout == ""


def test_identical_catalogs_report_no_change(profiles: Path, tmp_path: Path) -> None:
    same = tmp_path / "same"
    shutil.copytree(RULES, same)
    out = tmp_path / "changes.jsonl"
    result = runner.invoke(
        app,
        ["catalog", "diff", str(RULES), str(same), "--profiles", str(profiles), "--format", "jsonl", "-o", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert summary(result.stderr) == (len(SCHOOLS), 0, 0)
    assert "no plan item is gained, lost or moved" in result.stderr
    assert out.read_text(encoding="utf-8") == ""
    table = runner.invoke(app, ["catalog", "diff", str(RULES), str(same), "--profiles", str(profiles)])
    assert table.exit_code == 0 and "schools that change" not in table.stdout


def test_bad_rows_are_reported_and_counted_and_the_run_goes_on(
    changed: Path, tmp_path: Path, want: dict[str, dict[str, Any]]
) -> None:
    source = tmp_path / "schools.jsonl"
    lines = [
        json.dumps(profile("mature-20")),
        "{not json",
        json.dumps({**profile("rushed"), "buy_in": {"approach": "mandated"}}),
        json.dumps(profile("rushed-22")),
    ]
    source.write_bytes(("\n".join(lines) + "\n").encode() + b'{"school_id": "\xff"}\n')
    out = tmp_path / "changes.jsonl"
    result = runner.invoke(
        app,
        ["catalog", "diff", str(RULES), str(changed), "--profiles", str(source), "--format", "jsonl", "-o", str(out)],
    )
    assert result.exit_code == 1
    assert summary(result.stderr) == (2, 2, stage_changes(want, ["mature-20", "rushed-22"]))
    assert "; 3 rows failed" in result.stderr
    assert re.search(r"^line 2: row: not valid JSON", result.stderr, re.MULTILINE)
    assert re.search(r"^line 3 \(rushed\): buy_in.approach: Input should be", result.stderr, re.MULTILINE)
    assert re.search(r"^line 5: row: line 5 is not valid UTF-8 text", result.stderr, re.MULTILINE)
    assert [row["school_id"] for row in jsonl(out)] == ["mature-20", "rushed-22"]


def test_the_example_district_is_read_as_score_reads_it() -> None:
    result = runner.invoke(app, ["catalog", "diff", str(RULES), str(RULES), "--profiles", str(DISTRICT)])
    assert result.exit_code == 1
    assert summary(result.stdout) == (46, 0, 0) and "; 4 rows failed" in result.stdout
    assert [int(m[1]) for m in re.finditer(r"^line (\d+) ", result.stderr, re.MULTILINE)] == [9, 22, 34, 43]


def test_the_store_gives_each_schools_latest_answers(
    changed: Path, advisor: Advisor, tmp_path: Path, want: dict[str, dict[str, Any]]
) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = make_engine(url)
    upgrade(engine)
    store = Store(engine)

    def stored(organization: str, school: str, answers: str, day: date) -> None:
        district = store.district_named(organization, "North")
        found = [s for s in store.district(organization, district).schools if s.name == school]
        school_id = found[0].id if found else store.add_school(organization, district, school, None, None).id
        body = SchoolProfile.model_validate(profile(answers), strict=True)
        store.store_assessment(organization, school_id, day, body, advisor.assess(body))

    local, other = store.local_organization(), store.organization_named("other")
    stored(local, "Oak", "mature-20", date(2025, 1, 10))  # would change, but is not Oak's latest
    stored(local, "Oak", "mature", date(2025, 6, 10))
    stored(local, "Elm", "rushed-22", date(2025, 6, 10))
    stored(local, "Ash", "rushed", date(2025, 6, 10))
    stored(other, "Fir", "mature-20", date(2025, 6, 10))
    store.close()
    env = {"PLADVISOR_DATABASE_URL": url}
    out = tmp_path / "changes.jsonl"
    arguments = ["catalog", "diff", str(RULES), str(changed), "--store", "--format", "jsonl", "-o", str(out)]

    result = runner.invoke(app, arguments, env=env)
    assert result.exit_code == 0, result.output
    assert summary(result.stderr) == (3, 1, stage_changes(want, ["rushed-22"]))
    assert [(row["school_id"], row["name"]) for row in jsonl(out)] == [("rushed-22", "Elm")]

    result = runner.invoke(app, [*arguments, "--org", "other"], env=env)
    assert result.exit_code == 0, result.output
    assert summary(result.stderr) == (1, 1, stage_changes(want, ["mature-20"]))
    assert [(row["school_id"], row["name"]) for row in jsonl(out)] == [("mature-20", "Fir")]

    result = runner.invoke(app, [*arguments, "--org", "nobody"], env=env)
    assert result.exit_code == 2 and "error: no organization named 'nobody'" in result.stderr


def test_one_source_of_schools_is_needed(profiles: Path) -> None:
    for arguments in ([], ["--profiles", str(profiles), "--store"], ["--profiles", str(profiles), "--org", "x"]):
        result = runner.invoke(app, ["catalog", "diff", str(RULES), str(RULES), *arguments])
        assert result.exit_code == 2, arguments
