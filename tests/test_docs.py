"""The README stays a short front page, and the documentation site holds the rest: every page is in its nav, and
its API reference names every operation and schema of the contract.

`make docs` builds the site in strict mode, which also fails on a page left out of the nav or a broken link;
these tests say the same without mkdocs installed, and fail first.
"""

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
README_MOST_LINES = 150


def _hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("api_reference", DOCS / "hooks" / "api_reference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _nav_pages(entries: Any) -> list[str]:
    """Every page a nav names, however deep its sections go."""
    if isinstance(entries, str):
        return [entries]
    if isinstance(entries, list):
        return [page for entry in entries for page in _nav_pages(entry)]
    if isinstance(entries, dict):
        return [page for value in entries.values() for page in _nav_pages(value)]
    return []


def test_the_readme_stays_at_most_150_lines() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MOST_LINES, f"README.md has {len(lines)} lines; move the detail into docs/"


def test_every_page_of_the_docs_is_in_the_nav_and_every_nav_entry_is_a_page() -> None:
    hook = _hook()
    nav = _nav_pages(yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["nav"])
    written = {
        path.relative_to(DOCS).as_posix() for path in DOCS.rglob("*.md") if not path.is_relative_to(DOCS / "hooks")
    }
    generated = {hook.OPERATIONS_PAGE, hook.SCHEMAS_PAGE}
    assert sorted(written - set(nav)) == [], "pages missing from the nav of mkdocs.yml"
    assert sorted(set(nav) - written - generated) == [], "nav entries with no page"
    assert len(nav) == len(set(nav)), "a page named twice in the nav"


def test_the_api_reference_names_every_operation_with_its_summary_and_statuses() -> None:
    hook = _hook()
    document = json.loads((ROOT / "openapi" / "openapi.json").read_text(encoding="utf-8"))
    page: str = hook.render_operations(document, "schemas.md")
    sections = page.split("\n### ")[1:]
    by_heading = {section.split("\n", 1)[0]: section for section in sections}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "head", "post", "put", "patch", "delete"):
                continue
            section = by_heading.pop(f"`{method.upper()} {path}`")
            # The summary as it reads on the page: "<pladvisor-card>" is written so that it shows, not as a tag.
            assert f"**{hook.text(operation['summary'])}**" in section, (method, path)
            for status in operation["responses"]:
                assert f"\n| {status} | " in section, (method, path, status)
    assert by_heading == {}, "operations on the page that the document does not have"


def test_every_schema_the_reference_links_to_has_its_entry() -> None:
    hook = _hook()
    document = json.loads((ROOT / "openapi" / "openapi.json").read_text(encoding="utf-8"))
    operations: str = hook.render_operations(document, "schemas.md")
    schemas: str = hook.render_schemas(document)
    for name in document["components"]["schemas"]:
        assert f"{{#{hook.anchor(name)}}}" in schemas, name
    linked = {part.split(")", 1)[0] for part in operations.split("](schemas.md#")[1:]}
    entries = {hook.anchor(name) for name in document["components"]["schemas"]}
    assert linked and linked <= entries
