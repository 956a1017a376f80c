"""The intake questionnaire (GET /v1/questionnaire) and the HTML form built from it.

The questionnaire is generated from the profile model and the catalog, so a field added
to the model appears in it, and in the form, without anyone editing a list. These tests
do keep a list, written out here: expected values computed from the same table as the
code would agree with any mistake in that table.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from pladvisor.advice.advisor import Advisor
from pladvisor.advice.questionnaire import build_questionnaire
from pladvisor.domain.questionnaire import Question, Questionnaire

from .browser import Browser, Page, chromium, visible_text
from .profiles import RUSHED_DISTRICT, as_body


@pytest.fixture(scope="module")
def questionnaire(advisor: Advisor) -> Questionnaire:
    return build_questionnaire(advisor.catalog)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Browser:
    return Browser(chromium(), tmp_path_factory.mktemp("chromium"))


SECTIONS = {
    "definition": ["written", "components", "shared_with", "origin", "framed_as", "existing_practices_mapped"],
    "tools": [
        "plan_centre",
        "purchased_before_goals",
        "chosen_after_goals",
        "technology_budget_percent",
        "teachers_decide_platform_use",
    ],
    "professional_development": [
        "format",
        "methods",
        "days_per_year",
        "coaching",
        "includes_principals",
        "timely",
        "matched_to_teacher_stage",
    ],
    "buy_in": [
        "approach",
        "full_implementation_expected_months",
        "support_at_each_stage",
        "teachers_choose_entry_point",
        "teachers_asked_for_change",
    ],
    "measurement": [
        "problem_defined",
        "baseline",
        "growth_measure",
        "formative_checks",
        "tracks_mastery_per_student",
        "review_frequency",
    ],
    "vision": [
        "written_why",
        "why_names_learners_and_community",
        "months_since_why_revisited",
        "every_child_commitment",
        "celebrates_growth",
    ],
    "mindset": [
        "model_changes_last_year",
        "pilots_small_first",
        "mistakes_treated_as_learning",
        "collaboration_minutes_per_week",
        "barriers_cited_as_blocking",
        "barriers_worked_around",
        "blended_model_use",
        "visit_focus",
    ],
    "student_agency": ["goal_setting", "choices", "inquiry", "reflection"],
    "classroom_practice": [
        "whole_class_minutes_per_lesson",
        "teacher_role",
        "students_access_content_independently",
        "low_impact_work_reviewed",
    ],
}
"""Every question of the intake, by section, in form order."""
FIELDS = [f"{area}.{name}" for area, names in SECTIONS.items() for name in names]
EMPTY_REQUIRED: dict[str, dict[str, object]] = {
    "definition": {},
    "tools": {},
    "professional_development": {},
    "buy_in": {},
    "measurement": {},
}


def questions(questionnaire: Questionnaire) -> dict[str, Question]:
    return {q.field: q for section in questionnaire.sections for q in section.questions}


def test_every_profile_field_is_asked_exactly_once(questionnaire: Questionnaire) -> None:
    asked = [q.field for section in questionnaire.sections for q in section.questions]
    assert len(asked) == len(set(asked)) == 50
    assert asked == FIELDS


def test_sections_follow_the_model_and_only_sections_are_required(questionnaire: Questionnaire) -> None:
    assert [(s.area, s.title, s.required) for s in questionnaire.sections] == [
        ("definition", "Definition", True),
        ("tools", "Tools", True),
        ("professional_development", "Professional development", True),
        ("buy_in", "Buy-in", True),
        ("measurement", "Measurement", True),
        ("vision", "Vision", False),
        ("mindset", "Mindset", False),
        ("student_agency", "Student agency", False),
        ("classroom_practice", "Classroom practice", False),
    ]
    assert [(s.area, [q.field for q in s.questions]) for s in questionnaire.sections] == [
        (area, [f"{area}.{name}" for name in names]) for area, names in SECTIONS.items()
    ]
    assert not any(q.required for q in questions(questionnaire).values()), "an unanswered question is never an error"


def test_each_question_says_how_to_answer_it(questionnaire: Questionnaire) -> None:
    asked = questions(questionnaire)
    budget = asked["tools.technology_budget_percent"]
    assert (budget.kind, budget.minimum, budget.maximum, budget.options) == ("int", 0, 100, [])
    approach = asked["buy_in.approach"]
    assert approach.kind == "choice" and approach.label == "Approach"
    assert approach.help == (
        "How are teachers brought in: a mandate for all staff by a date, a phased pilot, voluntary participation, "
        "or entry by each teacher's readiness?"
    )
    assert [(o.value, o.label) for o in approach.options] == [
        ("mandate_all_by_date", "a mandate for all staff by a date"),
        ("phased_pilot", "a phased pilot"),
        ("voluntary", "voluntary participation"),
        ("readiness_based", "a start matched to each teacher's readiness"),
    ]
    pd_format = asked["professional_development.format"]
    assert [(o.value, o.label) for o in pd_format.options] == [
        ("none", "none"),
        ("one_off", "a one-off event"),
        ("occasional", "occasional sessions"),
        ("ongoing", "an ongoing system"),
    ]
    components = asked["definition.components"]
    assert components.kind == "choices" and components.label == "Components"
    assert [o.value for o in components.options] == [
        "path",
        "pace",
        "competency_based",
        "student_voice",
        "flexible_scheduling",
        "individual_interests",
    ]
    assert asked["definition.shared_with"].kind == "choices"
    assert [o.value for o in asked["definition.shared_with"].options] == ["teachers", "leaders", "students", "families"]
    assert asked["definition.written"].kind == "bool" and asked["definition.written"].options == []
    minutes = asked["mindset.collaboration_minutes_per_week"]
    assert (minutes.kind, minutes.minimum, minutes.maximum) == ("int", 0, 3000)
    assert minutes.help == "Minutes per week teachers have to create and learn together."
    assert asked["measurement.baseline"].help == "Was a baseline measured before starting?"
    assert asked["tools.chosen_after_goals"].help == "Are new tools now chosen for a learning goal they serve?"
    assert Counter(q.kind for q in asked.values()) == {"bool": 23, "choice": 13, "choices": 7, "int": 7}
    assert all(q.options == [] for q in asked.values() if q.kind in ("bool", "int"))
    assert all(len(q.options) >= 2 for q in asked.values() if q.kind in ("choice", "choices"))


def test_questions_name_the_rules_and_documented_points_their_answer_informs(questionnaire: Questionnaire) -> None:
    asked = questions(questionnaire)
    assert (asked["buy_in.approach"].rules, asked["buy_in.approach"].informs) == (
        ["buy-in-mandated", "buy-in-by-readiness"],
        ["M4", "B2"],
    )
    assert (asked["tools.technology_budget_percent"].rules, asked["tools.technology_budget_percent"].informs) == (
        ["tools-budget-tilted-to-products"],
        ["M2", "M3"],
    )
    assert (asked["measurement.baseline"].rules, asked["measurement.baseline"].informs) == (
        ["measure-no-baseline"],
        ["M5"],
    )
    assert asked["definition.components"].rules == [
        "definition-names-no-components",
        "definition-shared-language",
        "definition-answers-disagree",
    ]
    assert asked["definition.components"].informs == ["M1"]
    # Its reach across classrooms also bears on T1: every child deserves a personalized experience.
    assert set(asked["student_agency.goal_setting"].informs) == {"R1", "R2", "R3", "R4", "R5", "T1"}
    assert [field for field, q in asked.items() if not q.rules or not q.informs] == [], "every answer is read"


def test_the_api_serves_the_questionnaire(client: TestClient[Litestar], questionnaire: Questionnaire) -> None:
    response = client.get("/v1/questionnaire")
    assert response.status_code == 200
    assert Questionnaire.model_validate(response.json()) == questionnaire


class _FormQuestions(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.fields += [value for name, value in attrs if name == "data-field" and value]


def form_fields(page: str) -> list[str]:
    """The profile fields the form's elements ask, in page order (text inside scripts is not markup)."""
    parser = _FormQuestions()
    parser.feed(page)
    return parser.fields


def test_the_form_asks_every_question_once(client: TestClient[Litestar]) -> None:
    response = client.get("/v1/questionnaire/form")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert form_fields(response.text) == FIELDS


def run_in_form(
    client: TestClient[Litestar], browser: Browser, tmp_path: Path, script: str, role: str | None = None
) -> str:
    """Loads the served form (for ``role``, when given) in the browser with ``script`` run after the page's own,
    and returns what it wrote.

    The script puts its result in ``#out``; the page is opened from a file, so nothing is sent anywhere.
    """
    page = client.get("/v1/questionnaire/form", params={"role": role} if role else None).text
    harness = tmp_path / "form.html"
    runner = f'<pre id="out"></pre><script>const out = document.getElementById("out");{script}</script></body>'
    harness.write_text(page.replace("</body>", runner), "utf-8")
    dom = browser.dom(harness)
    out = re.search(r'<pre id="out">(.*?)</pre>', dom, re.DOTALL)
    assert out is not None, "the page has no #out"
    return html.unescape(out.group(1))


def test_an_empty_form_sends_only_the_required_sections_empty(
    client: TestClient[Litestar], browser: Browser, tmp_path: Path
) -> None:
    body = json.loads(
        run_in_form(
            client,
            browser,
            tmp_path,
            """
        out.textContent = JSON.stringify(collectProfile(document.getElementById("intake")));
    """,
        )
    )
    assert body == EMPTY_REQUIRED
    assert client.post("/v1/assessments", json=body).status_code == 200


def test_the_form_sends_typed_answers_and_leaves_out_unanswered_ones(
    client: TestClient[Litestar], browser: Browser, tmp_path: Path
) -> None:
    body = json.loads(
        run_in_form(
            client,
            browser,
            tmp_path,
            """
        const form = document.getElementById("intake");
        form.elements.name.value = "Ridge Middle School";
        document.getElementById("definition-written").value = "false";
        document.getElementById("buy_in-approach").value = "mandate_all_by_date";
        document.getElementById("professional_development-days_per_year").value = "1";
        const options = (field) => document.querySelector('[data-field="' + field + '"]');
        options("tools.purchased_before_goals").querySelector('[value="devices"]').click();
        options("tools.purchased_before_goals").querySelector('[value="adaptive_software"]').click();
        options("mindset.barriers_cited_as_blocking").querySelector('[value="building"]').click();
        options("mindset.barriers_cited_as_blocking").querySelector("[data-none]").click();
        out.textContent = JSON.stringify(collectProfile(form));
    """,
        )
    )
    assert body == {
        "name": "Ridge Middle School",
        "definition": {"written": False},
        "tools": {"purchased_before_goals": ["devices", "adaptive_software"]},
        "professional_development": {"days_per_year": 1},
        "buy_in": {"approach": "mandate_all_by_date"},
        "measurement": {},
        "mindset": {"barriers_cited_as_blocking": []},
    }
    assert client.post("/v1/assessments", json=body).status_code == 200


def test_the_form_hides_and_leaves_out_questions_made_moot(
    client: TestClient[Litestar], browser: Browser, tmp_path: Path
) -> None:
    shown = json.loads(
        run_in_form(
            client,
            browser,
            tmp_path,
            """
        const form = document.getElementById("intake");
        const shared = form.querySelector('[data-field="definition.shared_with"]');
        shared.querySelector('input[value="teachers"]').checked = true;
        const written = document.getElementById("definition-written");
        written.value = "false";
        written.dispatchEvent(new Event("change", {bubbles: true}));
        const without = collectProfile(form);
        const hidden = shared.hidden;
        written.value = "true";
        written.dispatchEvent(new Event("change", {bubbles: true}));
        out.textContent = JSON.stringify({hidden, without, again: shared.hidden, with: collectProfile(form)});
    """,
        )
    )
    assert shown["hidden"] is True and shown["again"] is False
    assert shown["without"]["definition"] == {"written": False}
    assert shown["with"]["definition"] == {"written": True, "shared_with": ["teachers"]}


def test_the_form_shows_the_assessment_grouped_now_next_later(
    client: TestClient[Litestar], browser: Browser, tmp_path: Path
) -> None:
    assessment = client.post("/v1/assessments", json=as_body(RUSHED_DISTRICT, name="Ridge")).json()
    shown = run_in_form(
        client,
        browser,
        tmp_path,
        f"""
        showAssessment({json.dumps(assessment)});
        out.textContent = document.getElementById("result").innerText;
    """,
    )
    text = " ".join(shown.split())
    readiness = assessment["readiness"]
    assert "Result: Ridge" in text
    assert (
        f"Overall score {readiness['score']} / 100, stage exploring (provisional; the open questions could "
        f"lead to {readiness['possible_stage']})" in text
    )
    assert text.index("Now") < text.index(assessment["recommendations"][0]["title"]) < text.index("Next")
    assert all(r["why"] in text for r in assessment["recommendations"])
    assert all(q["question"] in text for q in assessment["follow_up_questions"])


def test_the_form_points_at_the_fields_a_refusal_names(
    client: TestClient[Litestar], browser: Browser, tmp_path: Path
) -> None:
    problem = client.post("/v1/assessments", json=as_body({"tools.technology_budget_percent": 101})).json()
    shown = run_in_form(
        client,
        browser,
        tmp_path,
        f"""
        showProblem({json.dumps(problem)});
        out.textContent = [...document.querySelectorAll(".invalid")].map((q) => q.dataset.field).join(" ")
            + " | " + document.getElementById("result").innerText;
    """,
    )
    marked, _, text = shown.partition(" | ")
    assert marked == "tools.technology_budget_percent"
    assert "Invalid request body" in visible_text(text) and "tools.technology_budget_percent" in text


def test_the_form_posts_to_the_running_service_and_shows_its_answer(
    base_url: str, browser: Browser, tmp_path: Path
) -> None:
    # The page is opened from a file with the service as its base, so the browser must allow that one cross-origin
    # call; the virtual time budget lets the page's fetch finish before the document is read.
    page = httpx.get(f"{base_url}/v1/questionnaire/form").text
    harness = tmp_path / "form.html"
    harness.write_text(
        page.replace("<head>", f'<head><base href="{base_url}/">', 1).replace(
            "</body>",
            """<script>
        document.getElementById("name").value = "Ridge";
        document.getElementById("definition-written").value = "false";
        document.getElementById("buy_in-approach").value = "mandate_all_by_date";
        document.getElementById("vision-written_why").value = "false";
        document.getElementById("buy_in-support_at_each_stage").value = "false";
        document.getElementById("professional_development-format").value = "one_off";
        document.getElementById("intake").requestSubmit();
    </script></body>""",
        ),
        "utf-8",
    )
    dom = browser.dom(harness, "--disable-web-security", "--virtual-time-budget=10000")
    answers = {
        "definition.written": False,
        "buy_in.approach": "mandate_all_by_date",
        "vision.written_why": False,
        "buy_in.support_at_each_stage": False,
        "professional_development.format": "one_off",
    }
    expected = httpx.post(f"{base_url}/v1/assessments", json=as_body(answers, name="Ridge")).json()
    result = re.search(r'<section id="result".*?</section>', dom, re.DOTALL)
    assert result is not None, "the form shows no result"
    shown = visible_text(result.group(0))
    assert shown.startswith("Result: Ridge")
    assert all(r["title"] in shown for r in expected["recommendations"])
    moves = httpx.post(f"{base_url}/v1/assessments/what-if", json=as_body(answers, name="Ridge")).json()
    assert moves["paths"], moves
    assert "What would move you up" in shown and all(p["summary"] in shown for p in moves["paths"])
    assert shown.index("What would move you up") < shown.index("Strengths")


def test_questions_that_depend_on_another_answer_say_so(client: TestClient[Litestar]) -> None:
    questions = {q["field"]: q for s in client.get("/v1/questionnaire").json()["sections"] for q in s["questions"]}
    assert questions["definition.shared_with"]["asked_when"] == {"field": "definition.written", "values": [True]}
    assert questions["vision.months_since_why_revisited"]["asked_when"] == {
        "field": "vision.written_why",
        "values": [True],
    }
    assert questions["definition.written"]["asked_when"] is None


def test_the_form_sends_the_api_key_it_is_given(client: TestClient[Litestar], browser: Browser, tmp_path: Path) -> None:
    sent = json.loads(
        run_in_form(
            client,
            browser,
            tmp_path,
            """
        const seen = [];
        window.fetch = async (path, init) => { seen.push(init.headers); return new Response("{}", {status: 200}); };
        (async () => {
            await post("/v1/assessments", {});
            document.getElementById("api_key").value = "key-one-0123456789";
            await post("/v1/assessments", {});
            out.textContent = JSON.stringify(seen);
        })();
    """,
        )
    )
    assert "x-api-key" not in sent[0] and sent[1]["x-api-key"] == "key-one-0123456789"


def test_a_teacher_picks_the_role_and_the_form_sends_a_response_the_combined_assessment_takes(
    client: TestClient[Litestar], browser: Browser, tmp_path: Path
) -> None:
    page = client.get("/v1/questionnaire/form", params={"role": "teacher"}).text
    assert "Can you get coaching when you need it?" in page and 'href="?role=student"' in page
    assert "tools.plan_centre" not in form_fields(page) and "stage" in form_fields(page)
    body = json.loads(
        run_in_form(
            client,
            browser,
            tmp_path,
            """
        document.getElementById("professional_development-coaching").value = "false";
        document.getElementById("student_agency-goal_setting").value = "true";
        document.getElementById("stage").value = "trying";
        out.textContent = JSON.stringify(collectResponse(document.getElementById("intake")));
    """,
            role="teacher",
        )
    )
    assert body == {
        "responses": [
            {
                "role": "teacher",
                "stage": "trying",
                "answers": {"professional_development": {"coaching": False}, "student_agency": {"goal_setting": True}},
            }
        ]
    }
    assert client.post("/v1/assessments/combined", json=body).status_code == 200


def test_the_printable_report_the_form_opens_is_styled_as_the_report_page(base_url: str, tmp_path: Path) -> None:
    """The report opens as a blob: page, which is under the form's policy: the form allows the report's stylesheet
    by its hash, so the report shows its charts, ranks and spacing as POST /v1/reports serves them."""
    with Browser(chromium(), tmp_path).devtools() as browser:
        form = browser.open(f"{base_url}/v1/questionnaire/form")
        form.evaluate('document.getElementById("buy_in-approach").value = "mandate_all_by_date"')
        browser.send("Target.setDiscoverTargets", {"discover": True})
        since = len(browser.events)
        click = 'document.getElementById("open-report").click()'
        form.send("Runtime.evaluate", {"expression": click, "userGesture": True})
        opened = browser.wait_event(
            lambda event: (
                event.get("method") in ("Target.targetCreated", "Target.targetInfoChanged")
                and event["params"]["targetInfo"]["url"].startswith("blob:")
            ),
            since,
            what="the report's tab",
        )["params"]["targetInfo"]["targetId"]
        session = browser.send("Target.attachToTarget", {"targetId": opened, "flatten": True})["sessionId"]
        report = Page(browser, session, opened)
        report.wait_for("document.readyState === 'complete' && !!document.querySelector('.rank')")
        assert report.evaluate("[...document.querySelectorAll('style')].every((style) => style.sheet !== null)")
        # Unstyled, a rank ran into its title ("1Build a system...") and each chart's track was a black bar.
        assert report.evaluate("getComputedStyle(document.querySelector('.rank')).display") == "inline-block"
        assert report.evaluate("getComputedStyle(document.querySelector('rect.track')).fill") == "rgb(238, 241, 245)"
