"""Printable reports: one school's page (POST /v1/reports and `pladvisor report`) and the district page.

The pages are opened in a real headless chromium: a report is only useful if a browser
shows it, with its charts, and prints it.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import TestClient
from typer.testing import CliRunner

from pladvisor.advice.advisor import Advisor
from pladvisor.advice.what_if import what_if
from pladvisor.cli.app import app as cli
from pladvisor.domain.assessment import Assessment
from pladvisor.domain.batch import AreaSpread, CriticalSchool, Rollup, RuleFrequency, Spread
from pladvisor.domain.fields import areas, profile_from_answers
from pladvisor.reports import render_district_report, render_report

from .browser import Browser, chromium, read_png, visible_text
from .profiles import MATURE_SCHOOL, RUSHED_DISTRICT, as_body

HOSTILE = "<script>alert(1)</script>"
ALL_HORIZONS = {
    **RUSHED_DISTRICT,
    "classroom_practice.low_impact_work_reviewed": False,
    "student_agency.inquiry": "none",
}
"""The rushed district plus two low-priority gaps, so its plan has items now, next and later."""


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Browser:
    return Browser(chromium(), tmp_path_factory.mktemp("chromium"))


def assess(advisor: Advisor, answers: Mapping[str, object], **identity: str) -> Assessment:
    return advisor.assess(profile_from_answers(answers, **identity))


def write_report_with_cli(tmp_path: Path, body: dict[str, Any]) -> Path:
    profile, page = tmp_path / "profile.json", tmp_path / "report.html"
    profile.write_text(json.dumps(body), encoding="utf-8")
    result = CliRunner().invoke(cli, ["report", str(profile), "-o", str(page)])
    assert result.exit_code == 0, result.output
    return page


def bar_widths(page: str) -> list[float]:
    return [float(width) for width in re.findall(r'<rect class="bar [a-z]+" x="0" y="\d+" width="([\d.]+)"', page)]


def test_the_cli_report_shows_the_school_its_score_and_first_step_in_a_browser(
    browser: Browser, advisor: Advisor, tmp_path: Path
) -> None:
    page = write_report_with_cli(tmp_path, as_body(RUSHED_DISTRICT, name="Ridge Middle School", school_id="r-7"))
    text = visible_text(browser.dom(page))
    expected = assess(advisor, RUSHED_DISTRICT)
    assert "Ridge Middle School" in text
    assert f"{expected.readiness.score} / 100" in text
    assert expected.recommendations[0].title in text


def test_the_report_draws_a_page_that_is_not_blank(browser: Browser, tmp_path: Path) -> None:
    page = write_report_with_cli(tmp_path, as_body(MATURE_SCHOOL, name="Harbor Elementary"))
    png = read_png(browser.screenshot(page, tmp_path / "report.png"))
    assert (png.width, png.height) == (1200, 1600)
    assert png.distinct_rows() > 200, "the screenshot is (nearly) blank"


def test_the_report_prints_to_several_pages(browser: Browser, tmp_path: Path) -> None:
    page = write_report_with_cli(tmp_path, as_body(ALL_HORIZONS, name="Ridge"))
    pdf = browser.pdf(page, tmp_path / "report.pdf")
    assert pdf.startswith(b"%PDF-")
    assert max(int(n) for n in re.findall(rb"/Count (\d+)", pdf)) >= 2


def test_the_api_serves_the_page_the_cli_writes(client: TestClient[Litestar], tmp_path: Path) -> None:
    body = as_body(ALL_HORIZONS, name="Ridge", school_id="r-7")
    response = client.post("/v1/reports", json=body)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.text == write_report_with_cli(tmp_path, body).read_text(encoding="utf-8")


def test_the_report_says_what_would_move_the_school_up(client: TestClient[Litestar], advisor: Advisor) -> None:
    profile = profile_from_answers(RUSHED_DISTRICT)
    paths = what_if(advisor, profile).paths
    assert paths
    page = client.post("/v1/reports", json=as_body(RUSHED_DISTRICT)).text
    section = page[page.index('<section id="what-if">') :]
    section = section[: section.index("</section>")]
    assert "What would move you up" in section
    assert [html.unescape(item) for item in re.findall(r"<li>(.*?)</li>", section)] == [p.summary for p in paths]
    # At the top stage there is nowhere to move: no section.
    assert advisor.assess(profile_from_answers(MATURE_SCHOOL)).readiness.stage == "sustaining"
    assert 'id="what-if"' not in client.post("/v1/reports", json=as_body(MATURE_SCHOOL)).text


def test_hostile_names_are_shown_as_text(client: TestClient[Litestar], browser: Browser, tmp_path: Path) -> None:
    body = as_body(RUSHED_DISTRICT, name=HOSTILE, school_id='"><img src=x onerror=alert(2)>')
    page = client.post("/v1/reports", json=body).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script" not in page and "<img" not in page
    (tmp_path / "report.html").write_text(page, encoding="utf-8")
    dom = browser.dom(tmp_path / "report.html")
    heading = re.search(r'<h1 id="school">(.*?)</h1>', dom)
    assert heading is not None
    assert heading.group(1) == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert HOSTILE in visible_text(dom)


def test_the_plan_is_grouped_now_next_later_with_why_evidence_steps_and_sources(advisor: Advisor) -> None:
    assessment = assess(advisor, ALL_HORIZONS)
    page = render_report(assessment)
    text = visible_text(page)
    headings = re.findall(r"<h3>(now|next|later)</h3>", page)
    assert headings == ["now", "next", "later"]
    later = next(r for r in assessment.recommendations if r.horizon == "later")
    assert text.index(later.title) > text.index("later")
    for recommendation in assessment.recommendations:
        assert recommendation.why in text
        assert all(step in text for step in recommendation.next_steps)
    assert "definition.written : no" in text
    for source in {s for r in assessment.recommendations for s in r.sources}:
        assert f"{source.point} {source.title} {source.file}" in text


def test_area_scores_are_svg_bars_in_proportion_and_unscored_areas_have_none(advisor: Advisor) -> None:
    assessment = assess(advisor, {**RUSHED_DISTRICT, "buy_in.approach": "readiness_based"})
    page = render_report(assessment)
    scored = [a.score for a in assessment.readiness.areas if a.score is not None]
    assert bar_widths(page) == [round(460 * score / 100, 1) for score in scored]
    assert page.count("not scored") == len(assessment.readiness.areas) - len(scored)
    assert "<script" not in page, "charts must not need a script"


def test_the_report_is_self_contained_and_set_up_for_print(advisor: Advisor) -> None:
    page = render_report(assess(advisor, RUSHED_DISTRICT))
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), "the page must not load anything"
    assert "@page" in page and "break-inside: avoid" in page


def test_strengths_and_follow_up_questions_are_listed(advisor: Advisor) -> None:
    mature = assess(advisor, MATURE_SCHOOL)
    assert all(s.title in visible_text(render_report(mature)) for s in mature.strengths)
    rushed = assess(advisor, RUSHED_DISTRICT)
    text = visible_text(render_report(rushed))
    assert all(q.question in text and q.field in text for q in rushed.follow_up_questions)


def test_a_school_with_nothing_answered_still_gets_an_honest_page(advisor: Advisor) -> None:
    text = visible_text(render_report(assess(advisor, {})))
    assert "Unnamed school" in text
    assert "\N{EN DASH} / 100" in text and "undetermined" in text
    assert text.count("not scored") == len(areas())
    # Nothing to advise on: the page asks the questions the foundations wait on first.
    assert "Find out first:" in text


def test_the_cli_names_the_fields_of_an_invalid_profile(tmp_path: Path) -> None:
    profile = tmp_path / "profile.json"
    profile.write_text(json.dumps(as_body({"definition.written": "yes"})), encoding="utf-8")
    result = CliRunner().invoke(cli, ["report", str(profile), "-o", str(tmp_path / "report.html")])
    assert result.exit_code == 2
    assert "definition.written" in result.output
    assert not (tmp_path / "report.html").exists()


def district(**changes: object) -> Rollup:
    rollup = Rollup(
        schools=5,
        assessed=4,
        invalid=1,
        catalog_version="test",
        stages={"undetermined": 0, "exploring": 2, "preparing": 1, "implementing": 0, "sustaining": 1},
        provisional=2,
        overall=Spread(scored=4, mean=41.5, stdev=30.1, min=0, max=100),
        areas=tuple(AreaSpread(area=area, scored=0, mean=None, stdev=None, min=None, max=None) for area in areas()),
        top_recommendations=(
            RuleFrequency(
                rule_id="buy-in-mandated",
                title="Replace the all-staff deadline with entry by readiness",
                priority="critical",
                count=3,
                share=0.75,
                impact=3.0,
            ),
            RuleFrequency(
                rule_id="pd-not-ongoing",
                title="Build a system of ongoing support",
                priority="critical",
                count=1,
                share=0.25,
                impact=1.0,
            ),
        ),
        schools_with_critical=(CriticalSchool(index=2, school_id="s-2", name=HOSTILE, critical=("buy-in-mandated",)),),
    )
    return msgspec.structs.replace(rollup, **changes)


def test_the_district_page_charts_the_stage_distribution_and_frequent_advice(browser: Browser, tmp_path: Path) -> None:
    page = render_district_report(district())
    stage_chart, advice_chart, _ = page.split("<svg")[1:]
    assert bar_widths("<svg" + stage_chart) == [0.0, 230.0, 115.0, 0.0, 115.0]
    assert bar_widths("<svg" + advice_chart) == [345.0, 115.0]
    text = visible_text(page)
    assert "Replace the all-staff deadline with entry by readiness 3 schools (75%)" in text
    assert "exploring 2 (50%)" in text
    assert "&lt;script&gt;" in page and "<script" not in page
    (tmp_path / "district.html").write_text(page, encoding="utf-8")
    assert read_png(browser.screenshot(tmp_path / "district.html", tmp_path / "district.png")).distinct_rows() > 100


def test_a_district_with_nothing_assessed_draws_empty_charts() -> None:
    page = render_district_report(
        district(
            assessed=0,
            invalid=5,
            stages={},
            top_recommendations=(),
            schools_with_critical=(),
            overall=Spread(scored=0, mean=None, stdev=None, min=None, max=None),
        )
    )
    assert bar_widths(page) == []
    text = visible_text(page)
    assert "No school was given a recommendation." in text and "none scored" in text


RESPONDENTS = Path(__file__).resolve().parents[1] / "examples" / "respondents.csv"


def test_the_combined_report_charts_each_group_by_area_and_lists_the_gaps_in_a_browser(
    browser: Browser, tmp_path: Path
) -> None:
    out, pages = tmp_path / "combined.jsonl", tmp_path / "pages"
    result = CliRunner().invoke(cli, ["combine", str(RESPONDENTS), "-o", str(out), "--reports", str(pages)])
    assert result.exit_code == 0, result.output
    page = pages / "school-00003.html"
    dom = browser.dom(page)
    text = visible_text(dom)
    assert "How the respondents see the school" in text and "Where groups disagree" in text
    assert "Leaders believe help comes when it is needed; teachers do not find it so" in text
    charts = dom[dom.index('id="perceptions"') :]
    assert charts.count("<svg") >= 3 and ">Teachers</text>" in charts and ">Leaders</text>" in charts


def test_the_combined_report_never_shows_a_group_below_the_floor(advisor: Advisor, tmp_path: Path) -> None:
    from pladvisor.advice.combine import Combiner
    from pladvisor.domain.respondents import CombinedRequest
    from pladvisor.engine.catalog import default_rules_dir
    from pladvisor.engine.respondents import load_respondents
    from pladvisor.reports import render_combined_report

    respondents = load_respondents(default_rules_dir(), advisor.catalog)
    timely = {"professional_development": {"timely": False}, "vision": {"celebrates_growth": False}}
    body = {
        "responses": [
            {"role": "leader", "answers": {"professional_development": {"timely": True}}},
            *({"role": "teacher", "answers": timely} for _ in range(6)),
            *({"role": "student", "answers": {"vision": {"celebrates_growth": True}}} for _ in range(4)),
        ]
    }
    combined = Combiner(advisor, respondents, 5).combine(CombinedRequest.model_validate(body, strict=True))
    page = render_combined_report(combined, {role: info.title for role, info in respondents.roles.items()})
    section = page[page.index('id="perceptions"') :]
    assert ">Teachers</text>" in section and ">Students</text>" not in section
    assert "4 students" in section  # counted as respondents, never charted or quoted as a group
    note = (
        "A group of fewer than 5 is never shown as a group; leaders answer for the school and are shown, however "
        "few, as its stated position."
    )
    assert note in visible_text(section)
