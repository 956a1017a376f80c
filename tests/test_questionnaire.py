"""The intake questionnaire (GET /v1/questionnaire) and the HTML form built from it.

The questionnaire is generated from the profile model and the catalog, so a field added
to the model appears in it, and in the form, without anyone editing a list.
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
from litestar.testing import TestClient

from pladvisor.domain.fields import areas, profile_fields, required_areas
from pladvisor.domain.questionnaire import Question, Questionnaire
from pladvisor.advice.advisor import Advisor
from pladvisor.advice.questionnaire import build_questionnaire

from .browser import Browser, chromium, visible_text
from .profiles import RUSHED_DISTRICT, as_body


@pytest.fixture(scope="module")
def questionnaire(advisor: Advisor) -> Questionnaire:
    return build_questionnaire(advisor.catalog)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Browser:
    return Browser(chromium(), tmp_path_factory.mktemp("chromium"))


def questions(questionnaire: Questionnaire) -> dict[str, Question]:
    return {q.field: q for section in questionnaire.sections for q in section.questions}


def test_every_profile_field_is_asked_exactly_once(questionnaire: Questionnaire) -> None:
    asked = Counter(q.field for section in questionnaire.sections for q in section.questions)
    assert [field for field, times in asked.items() if times > 1] == []
    assert set(profile_fields()) - set(asked) == set(), "profile fields missing from the questionnaire"
    assert set(asked) - set(profile_fields()) == set(), "questions that are not profile fields"


def test_sections_follow_the_model_and_only_sections_are_required(questionnaire: Questionnaire) -> None:
    assert [s.area for s in questionnaire.sections] == list(areas())
    assert {s.area for s in questionnaire.sections if s.required} == required_areas()
    assert {"definition", "tools", "professional_development", "buy_in", "measurement"} == required_areas()
    for section in questionnaire.sections:
        assert [q.field for q in section.questions] == [p for p, f in profile_fields().items() if f.area == section.area]
        assert not any(q.required for q in section.questions), "an unanswered question is never an error"


def test_each_question_says_how_to_answer_it(questionnaire: Questionnaire) -> None:
    asked = questions(questionnaire)
    budget = asked["tools.technology_budget_percent"]
    assert (budget.kind, budget.minimum, budget.maximum, budget.options) == ("int", 0, 100, [])
    approach = asked["buy_in.approach"]
    assert approach.kind == "choice" and approach.label == "Approach"
    assert approach.help.startswith("How are teachers brought in")
    assert [(o.value, o.label) for o in approach.options][0] == ("mandate_all_by_date", "a mandate for all staff by a date")
    assert asked["definition.shared_with"].kind == "choices"
    assert asked["definition.written"].kind == "bool" and asked["definition.written"].options == []
    for field, info in profile_fields().items():
        assert asked[field].help == info.question
        assert tuple(o.value for o in asked[field].options) == info.options


def test_questions_name_the_rules_and_documented_points_their_answer_informs(
    questionnaire: Questionnaire, advisor: Advisor
) -> None:
    approach = questions(questionnaire)["buy_in.approach"]
    assert "buy-in-mandated" in approach.rules and "M4" in approach.informs
    for question in questions(questionnaire).values():
        reading = [c for c in advisor.catalog.rules if question.field in c.paths]
        assert question.rules == [c.rule.id for c in reading]
        assert set(question.informs) == {point for c in reading for point in c.rule.cites}
    assert questions(questionnaire)["definition.components"].informs == ["M1"]


def test_the_api_serves_the_questionnaire(client: TestClient, questionnaire: Questionnaire) -> None:
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


def test_the_form_asks_every_question_once(client: TestClient) -> None:
    response = client.get("/v1/questionnaire/form")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert form_fields(response.text) == list(profile_fields())


def run_in_form(client: TestClient, browser: Browser, tmp_path: Path, script: str) -> str:
    """Loads the served form in the browser with ``script`` run after the page's own, and returns what it wrote.

    The script puts its result in ``#out``; the page is opened from a file, so nothing is sent anywhere.
    """
    page = client.get("/v1/questionnaire/form").text
    harness = tmp_path / "form.html"
    harness.write_text(page.replace("</body>", f'<pre id="out"></pre><script>const out = document.getElementById("out");{script}</script></body>'), "utf-8")
    dom = browser.dom(harness)
    return html.unescape(re.search(r'<pre id="out">(.*?)</pre>', dom, re.S).group(1))


def test_an_empty_form_sends_only_the_required_sections_empty(
    client: TestClient, browser: Browser, tmp_path: Path
) -> None:
    body = json.loads(run_in_form(client, browser, tmp_path, """
        out.textContent = JSON.stringify(collectProfile(document.getElementById("intake")));
    """))
    assert body == {area: {} for area in required_areas()}
    assert client.post("/v1/assessments", json=body).status_code == 200


def test_the_form_sends_typed_answers_and_leaves_out_unanswered_ones(
    client: TestClient, browser: Browser, tmp_path: Path
) -> None:
    body = json.loads(run_in_form(client, browser, tmp_path, """
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
    """))
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
    client: TestClient, browser: Browser, tmp_path: Path
) -> None:
    shown = json.loads(run_in_form(client, browser, tmp_path, """
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
    """))
    assert shown["hidden"] is True and shown["again"] is False
    assert shown["without"]["definition"] == {"written": False}
    assert shown["with"]["definition"] == {"written": True, "shared_with": ["teachers"]}


def test_the_form_shows_the_assessment_grouped_now_next_later(
    client: TestClient, browser: Browser, tmp_path: Path
) -> None:
    assessment = client.post("/v1/assessments", json=as_body(RUSHED_DISTRICT, name="Ridge")).json()
    shown = run_in_form(client, browser, tmp_path, f"""
        showAssessment({json.dumps(assessment)});
        out.textContent = document.getElementById("result").innerText;
    """)
    text = " ".join(shown.split())
    readiness = assessment["readiness"]
    assert "Result: Ridge" in text
    assert f"Overall score {readiness['score']} / 100, stage exploring (provisional; the open questions could " \
           f"lead to {readiness['possible_stage']})" in text
    assert text.index("Now") < text.index(assessment["recommendations"][0]["title"]) < text.index("Next")
    assert all(r["why"] in text for r in assessment["recommendations"])
    assert all(q["question"] in text for q in assessment["follow_up_questions"])


def test_the_form_points_at_the_fields_a_refusal_names(client: TestClient, browser: Browser, tmp_path: Path) -> None:
    problem = client.post("/v1/assessments", json=as_body({"tools.technology_budget_percent": 101})).json()
    shown = run_in_form(client, browser, tmp_path, f"""
        showProblem({json.dumps(problem)});
        out.textContent = [...document.querySelectorAll(".invalid")].map((q) => q.dataset.field).join(" ")
            + " | " + document.getElementById("result").innerText;
    """)
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
    harness.write_text(page.replace("<head>", f'<head><base href="{base_url}/">', 1).replace("</body>", """<script>
        document.getElementById("name").value = "Ridge";
        document.getElementById("definition-written").value = "false";
        document.getElementById("buy_in-approach").value = "mandate_all_by_date";
        document.getElementById("intake").requestSubmit();
    </script></body>"""), "utf-8")
    dom = browser.dom(harness, "--disable-web-security", "--virtual-time-budget=10000")
    expected = httpx.post(f"{base_url}/v1/assessments", json=as_body(
        {"definition.written": False, "buy_in.approach": "mandate_all_by_date"}, name="Ridge"
    )).json()
    shown = visible_text(re.search(r'<section id="result".*?</section>', dom, re.S).group(0))
    assert shown.startswith("Result: Ridge")
    assert all(r["title"] in shown for r in expected["recommendations"])


def test_questions_that_depend_on_another_answer_say_so(client: TestClient) -> None:
    questions = {q["field"]: q for s in client.get("/v1/questionnaire").json()["sections"] for q in s["questions"]}
    assert questions["definition.shared_with"]["asked_when"] == {"field": "definition.written", "values": [True]}
    assert questions["vision.months_since_why_revisited"]["asked_when"] == {"field": "vision.written_why",
                                                                            "values": [True]}
    assert questions["definition.written"]["asked_when"] is None


def test_the_form_sends_the_api_key_it_is_given(client: TestClient, browser: Browser, tmp_path: Path) -> None:
    sent = json.loads(run_in_form(client, browser, tmp_path, """
        const seen = [];
        window.fetch = async (path, init) => { seen.push(init.headers); return new Response("{}", {status: 200}); };
        (async () => {
            await post("/v1/assessments", {});
            document.getElementById("api_key").value = "key-one-0123456789";
            await post("/v1/assessments", {});
            out.textContent = JSON.stringify(seen);
        })();
    """))
    assert "x-api-key" not in sent[0] and sent[1]["x-api-key"] == "key-one-0123456789"
