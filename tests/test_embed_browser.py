"""An embed link in a real browser: a portal page on another origin shows the card in an iframe and through the
``<pladvisor-card>`` element; the same page served from an origin the link does not name gets neither."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import pytest

from .browser import Browser, Page, chromium, read_png
from .profiles import RUSHED_DISTRICT, as_body
from .servers import handler_server, running_server

PORTAL_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>District portal</title>
<script type="module" src="{service}/embed/pladvisor-card.js"></script>
<style>body {{ font-family: Georgia, serif; margin: 2rem; max-width: 44rem; }}
iframe {{ width: 100%; border: 1px solid #ccc; height: 300px; }}</style></head>
<body>
<h1>North District portal</h1>
<h2>Framed</h2>
<iframe id="frame" src="{url}" title="Readiness card"></iframe>
<h2>As an element</h2>
<pladvisor-card id="card" src="{url}"></pladvisor-card>
<h2>As an element that frames the card</h2>
<pladvisor-card id="framing" frame src="{url}"></pladvisor-card>
<script>
window.heights = [];
addEventListener("message", (event) => {{
  if (event.origin === "{service}" && event.data && event.data.type === "pladvisor:height") {{
    window.heights.push(event.data.height);
    document.getElementById("frame").style.height = event.data.height + "px";
  }}
}});
</script>
</body></html>"""


@contextmanager
def portal_serving(pages: dict[str, str]) -> Iterator[str]:
    """A portal's web server on a free 127.0.0.1 port, so its origin is not the service's. It serves
    ``pages["page"]`` as it is when asked: the page names a link, and the link names the portal's origin."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages["page"].encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    with handler_server(Handler) as url:
        yield url


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    database = tmp_path_factory.mktemp("embed-store") / "store.db"
    with running_server(
        PLADVISOR_DATABASE_URL=f"sqlite:///{database}",
        PLADVISOR_UPGRADE_DATABASE="true",
        PLADVISOR_EMBED_SECRET="browser-test-embed-secret-0123456789",
    ) as url:
        yield url


def a_stored_school(service: str) -> tuple[str, str]:
    """A school with one stored assessment, and the stage it was given."""
    district = httpx.post(f"{service}/v1/districts", json={"name": "North"}).json()
    school = httpx.post(f"{service}/v1/districts/{district['id']}/schools", json={"name": "Oak Ridge"}).json()
    stored = httpx.post(
        f"{service}/v1/schools/{school['id']}/assessments",
        json={"assessed_on": "2026-11-02", "profile": as_body(RUSHED_DISTRICT)},
    )
    assert stored.status_code == 201, stored.text
    return school["id"], stored.json()["assessment"]["readiness"]["stage"]


def a_link(service: str, school: str, origin: str) -> str:
    made = httpx.post(f"{service}/v1/schools/{school}/embeds", json={"origins": [origin]})
    assert made.status_code == 201, made.text
    return str(made.json()["url"])


def shadow_text(page: Page) -> str:
    return str(page.evaluate("document.getElementById('card').shadowRoot.textContent"))


def child_frames(page: Page) -> list[dict[str, Any]]:
    """The portal's iframe and the one the framing element makes."""
    frames = page.frames()
    assert len(frames) == 3, frames
    return frames[1:]


def test_a_portal_on_the_links_origin_shows_the_card_framed_and_as_an_element(service: str, tmp_path: Path) -> None:
    school, stage = a_stored_school(service)
    pages: dict[str, str] = {}
    with portal_serving(pages) as origin:
        url = a_link(service, school, origin)
        pages["page"] = PORTAL_PAGE.format(service=service, url=url)
        with Browser(chromium(), tmp_path).devtools() as browser:
            page = browser.open(origin)
            page.wait_for(f"document.getElementById('card').shadowRoot.textContent.includes({stage.capitalize()!r})")
            assert "What to do now" in shadow_text(page)
            assert page.evaluate("document.getElementById('card').shadowRoot.querySelectorAll('h3').length") == 1
            assert page.wait_for("window.heights.length > 0")
            assert all(f["url"] == url and "unreachableUrl" not in f for f in child_frames(page))
            # The framing element sizes its frame to the height the card reports.
            page.wait_for(
                "document.getElementById('framing').shadowRoot.querySelector('iframe').style.height != '480px'"
            )
            assert browser.send("Storage.getCookies")["cookies"] == []
            assert not [line for line in page.console() if "blocked" in line or "CORS" in line]
            png = read_png(page.screenshot(tmp_path / "portal.png"))
            assert png.width == 1200 and png.distinct_rows() > 100


def test_a_portal_on_another_origin_gets_neither_the_frame_nor_the_card(service: str, tmp_path: Path) -> None:
    school, stage = a_stored_school(service)
    pages: dict[str, str] = {}
    with portal_serving(pages) as named, portal_serving(pages) as other:
        url = a_link(service, school, named)
        pages["page"] = PORTAL_PAGE.format(service=service, url=url)
        with Browser(chromium(), tmp_path).devtools() as browser:
            page = browser.open(other)
            page.wait_for("document.getElementById('card').shadowRoot.textContent.includes('could not be read')")
            assert stage.capitalize() not in shadow_text(page)
            assert page.wait_for_console("frame-ancestors")
            assert page.wait_for_console("CORS policy")
            for framed in child_frames(page):
                assert framed["url"].startswith("chrome-error://") and framed["unreachableUrl"] == url
            assert page.evaluate("window.heights.length") == 0
