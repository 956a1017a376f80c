"""A family's survey link in a real browser at a phone's width, in Spanish: the form is read, filled in by tapping
the answers' labels and sent; every input has its label, nothing is wider than the screen, no cookie is set and
the page's policy refuses nothing it needs."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from .browser import Browser, Message, Page, chromium, read_png
from .servers import running_server
from .test_embed_browser import portal_serving

PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True}

ACCESSIBILITY = """(() => {
  const problems = [];
  if (!document.documentElement.lang) problems.push("no language on the page");
  for (const input of document.querySelectorAll("input:not([type=hidden]), select, textarea")) {
    const named = input.labels.length > 0 && [...input.labels].every((l) => l.textContent.trim());
    if (!named && !input.getAttribute("aria-label")) problems.push("no label: " + (input.id || input.name));
  }
  for (const input of document.querySelectorAll("input[type=radio], input[type=checkbox]")) {
    const group = input.closest("fieldset");
    if (!group || !group.querySelector(":scope > legend")?.textContent.trim()) {
      problems.push("no fieldset with a legend: " + input.name);
    }
  }
  const ids = [...document.querySelectorAll("[id]")].map((e) => e.id);
  if (new Set(ids).size !== ids.length) problems.push("an id used twice");
  for (const option of document.querySelectorAll(".option, button")) {
    if (option.getBoundingClientRect().height < 44) problems.push("a target under 44px: " + option.textContent);
  }
  if ([...document.querySelectorAll("[tabindex]")].some((e) => e.tabIndex > 0)) problems.push("a forced tab order");
  if (document.documentElement.scrollWidth > innerWidth) problems.push("wider than the screen");
  return problems;
})()"""


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    database = tmp_path_factory.mktemp("survey-store") / "store.db"
    with running_server(
        PLADVISOR_DATABASE_URL=f"sqlite:///{database}",
        PLADVISOR_UPGRADE_DATABASE="true",
        PLADVISOR_EMBED_SECRET="browser-test-survey-secret-0123456789",
    ) as url:
        yield url


def a_family_survey(service: str) -> tuple[str, str, str]:
    """A school's survey of its families in English and Spanish: the school, the survey and one family's link."""
    district = httpx.post(f"{service}/v1/districts", json={"name": "North"}).json()
    school = httpx.post(f"{service}/v1/districts/{district['id']}/schools", json={"name": "Oak Ridge"}).json()
    closes_on = (date.today() + timedelta(days=14)).isoformat()
    made = httpx.post(
        f"{service}/v1/schools/{school['id']}/surveys",
        json={"roles": {"family": {"roster": 4}}, "closes_on": closes_on, "languages": ["en", "es"]},
    )
    assert made.status_code == 201, made.text
    survey = made.json()
    return school["id"], survey["id"], survey["roles"][0]["links"][0]


def loaded_after(page: Page, since: int) -> Message:
    return page.devtools.wait_event(
        lambda event: (
            event.get("sessionId") == page.session_id
            and event.get("method") == "Page.lifecycleEvent"
            and event["params"]["name"] == "load"
        ),
        since,
        what="the load of the page the form was sent to",
    )


def tap(page: Page, name: str, value: str) -> None:
    """Taps the label of an answer, as a thumb would, rather than setting the input."""
    page.evaluate(
        f"document.querySelector(`label[for='${{document.querySelector('input[name=\"{name}\"][value=\"{value}\"]').id}}']`).click()"
    )


def test_a_family_answers_in_spanish_on_a_phone(service: str, tmp_path: Path) -> None:
    school, survey, link = a_family_survey(service)
    with Browser(chromium(), tmp_path).devtools() as browser:
        page = browser.open("about:blank")
        page.send("Emulation.setDeviceMetricsOverride", PHONE)
        page.send("Emulation.setUserAgentOverride", {"userAgent": "Mozilla/5.0 (Phone)", "acceptLanguage": "es-MX,es"})
        page.navigate(link)

        assert page.evaluate("document.documentElement.lang") == "es"
        assert page.evaluate("document.querySelector('h1').textContent") == "Una breve encuesta de Oak Ridge"
        assert "borrador" in page.evaluate("document.getElementById('draft').textContent")
        legends = page.evaluate("[...document.querySelectorAll('legend')].map((l) => l.textContent.trim())")
        assert legends == [
            "1. ¿Sabe qué significa «aprendizaje personalizado» en la escuela de su hijo o hija?",
            "2. ¿La escuela le ha explicado por qué está cambiando la forma en que aprenden los estudiantes?",
        ]
        assert page.evaluate(ACCESSIBILITY) == []

        tap(page, "definition.shared_with", "yes")
        tap(page, "vision.written_why", "no")
        checked: list[Any] = page.evaluate("[...document.querySelectorAll('input:checked')].map((i) => i.value)")
        assert checked == ["yes", "no"]
        page.evaluate("window.scrollTo(0, document.querySelector('fieldset').offsetTop - 8)")
        form = read_png(page.screenshot(tmp_path / "survey-form-es-390.png"))
        assert form.width == PHONE["width"] and form.distinct_rows() > 100

        since = len(browser.events)
        page.evaluate("document.querySelector('button[type=submit]').click()")
        loaded_after(page, since)
        assert page.evaluate("document.querySelector('h1').textContent") == "Gracias"
        assert "se recibieron correctamente" in page.evaluate("document.getElementById('message').textContent")
        done = read_png(page.screenshot(tmp_path / "survey-done-es-390.png"))
        assert done.width == PHONE["width"] and done.distinct_rows() > 20

        assert browser.send("Storage.getCookies")["cookies"] == []
        assert not [line for line in page.console() if "Content Security Policy" in line]

        # The link is used now: going back to it says so, in Spanish.
        page.navigate(link)
        assert "ya se usó" in page.evaluate("document.getElementById('message').textContent")

    status = httpx.get(f"{service}/v1/schools/{school}/surveys/{survey}").json()
    assert status["roles"][0]["responses"] == 1
    shared = next(f for f in status["combined"]["combined"] if f["field"] == "definition.shared_with")
    assert shared["respondents"] == 1


ELSEWHERE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Another site</title></head>
<body>
<iframe id="frame" src="{link}" title="A survey"></iframe>
<form id="form" method="post" action="{link}" target="sent">
  <input type="hidden" name="definition.shared_with" value="yes">
  <input type="hidden" name="vision.written_why" value="yes">
</form>
<iframe name="sent" id="sent" title="Where the form went"></iframe>
</body></html>"""


def test_a_page_of_another_site_can_neither_frame_the_form_nor_answer_through_a_link(
    service: str, tmp_path: Path
) -> None:
    school, survey, link = a_family_survey(service)
    pages: dict[str, str] = {"page": ELSEWHERE_PAGE.format(link=link)}
    with portal_serving(pages) as elsewhere, Browser(chromium(), tmp_path).devtools() as browser:
        page = browser.open(elsewhere)
        assert page.wait_for_console("frame-ancestors")
        framed = page.frames()[1]
        assert framed["url"].startswith("chrome-error://") and framed["unreachableUrl"] == link
        page.evaluate("document.getElementById('form').submit()")
        deadline = time.monotonic() + 10
        while (sent := page.frames()[2])["url"] == "about:blank":  # the refusal, itself not to be framed
            assert time.monotonic() < deadline, "the form was never sent"
            time.sleep(0.1)
        assert sent["url"].startswith("chrome-error://") and sent["unreachableUrl"] == link

    status = httpx.get(f"{service}/v1/schools/{school}/surveys/{survey}").json()
    assert status["roles"][0]["responses"] == 0, "the other site's answers were not stored"
    answered = httpx.post(link, data={"definition.shared_with": "no"})
    assert answered.status_code == 200, "and the link still takes its respondent's answers"
