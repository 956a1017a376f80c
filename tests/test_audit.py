"""`make judge`: the audit table over the example district and the named example profiles."""

from pathlib import Path

import msgspec
import pytest

from pladvisor.advice.advisor import Advisor
from pladvisor.advice.audit import AuditRow, audit_rows, table, unexplained_points
from pladvisor.cli.auditing import main, profiles_in
from pladvisor.domain.fields import profile_from_answers

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NAMED = [EXAMPLES / "profile.json", *sorted((EXAMPLES / "profiles").glob("*.json"))]


def rows_by_school(advisor: Advisor) -> dict[str, AuditRow]:
    return {row.school: row for row in audit_rows(advisor, profiles_in([EXAMPLES / "district.csv", *NAMED]))}


def test_no_school_loses_a_point_without_an_item_saying_why(advisor: Advisor) -> None:
    rows = rows_by_school(advisor)
    assert len(rows) == 46 + len(NAMED)
    assert {school: row.unexplained_points for school, row in rows.items() if row.unexplained_points} == {}


def test_the_named_profiles_get_the_verdicts_a_reviewer_expects(advisor: Advisor) -> None:
    rows = rows_by_school(advisor)
    mature, blank, rushed, torn = rows["lakeside"], rows["intake-blank"], rows["ridge-07"], rows["maple-12"]
    assert (mature.stage, mature.provisional, mature.now) == ("sustaining", False, 0)
    assert 1 <= mature.next <= 3, "a mature district still gets a short plan"
    assert (blank.stage, blank.provisional, blank.score, blank.coverage) == ("undetermined", True, None, 0)
    assert (rushed.stage, rushed.now, rushed.next) == ("exploring", 3, 5)
    assert torn.contradictions >= 3 and torn.provisional


def test_plans_stay_focused(advisor: Advisor) -> None:
    for row in rows_by_school(advisor).values():
        assert row.now <= 3 and row.next <= 5


def test_an_area_short_of_points_with_no_entry_is_counted(advisor: Advisor) -> None:
    assessment = advisor.assess(profile_from_answers({"buy_in.approach": "mandate_all_by_date"}))
    assert unexplained_points(assessment) == 0
    areas = tuple(msgspec.structs.replace(a, held_down_by=()) for a in assessment.readiness.areas)
    stripped = msgspec.structs.replace(assessment, readiness=msgspec.structs.replace(assessment.readiness, areas=areas))
    assert unexplained_points(stripped) > 0


def test_the_command_prints_the_table_and_fails_on_unexplained_points(
    capsys: pytest.CaptureFixture[str], advisor: Advisor
) -> None:
    assert main([str(path) for path in NAMED]) == 0
    out = capsys.readouterr().out
    assert out.startswith("school") and "lakeside" in out and "0 points lost with no item listed" in out
    assert table([]).split() == [
        "school",
        "stage",
        "prov.",
        "score",
        "coverage",
        "now",
        "next",
        "later",
        "strengths",
        "checks",
        "unexplained",
    ]
