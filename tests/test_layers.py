"""The packages depend on each other one way only: the domain at the bottom, then the engine, then the advice,
and the edges (HTTP, the command line, the client) on top. A module that reached back up would tie the advice to
a way of calling it; this test reads every module's imports, so the layers stay as drawn."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "pladvisor"
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "domain": {"errors"},
    "engine": {"domain", "errors"},
    "advice": {"domain", "engine", "errors"},
    "storage": {"domain", "errors"},
    "config": {"domain", "errors"},
    "reports": {"advice", "domain", "errors"},
    "client": {"domain", "errors"},
    "api": {"advice", "config", "domain", "engine", "errors", "reports", "storage", "__init__"},
    "cli": {"advice", "api", "client", "config", "domain", "engine", "errors", "reports", "storage", "__init__"},
}
"""What each part may import. ``__init__`` is the package's flat public surface (the version, the main names)."""


def part_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imported(path: Path) -> set[str]:
    """The parts of pladvisor a module imports, relative imports resolved."""
    module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    package = module.split(".")[:-1]  # for an __init__.py, its own package
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {part_of(alias.name) for alias in node.names if alias.name.startswith("pladvisor")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            if target == "pladvisor" or target.startswith("pladvisor."):
                found.add(part_of(target))
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_each_module_imports_only_the_layers_below_it(path: Path) -> None:
    own = part_of(".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts))
    if own in ("__init__", "__main__"):
        return
    assert own in ALLOWED, f"{own}: a new part of the package; say where it sits in ALLOWED"
    reaching = imported(path) - ALLOWED[own] - {own}
    assert not reaching, f"{path.relative_to(PACKAGE)} imports {sorted(reaching)}, above its layer ({own})"


def test_the_check_resolves_relative_imports() -> None:
    """``from .records import ...`` in the command line's audit is the command line's own module, and
    ``from . import ranking`` in the advisor is the advice's: both are read as the parts they name."""
    assert imported(PACKAGE / "cli" / "auditing.py") == {"advice", "cli", "domain"}
    assert "advice" in imported(PACKAGE / "advice" / "advisor.py")
