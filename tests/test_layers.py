"""The packages depend on each other one way only: the domain at the bottom, then the engine, then the advice,
and the edges (HTTP, the command line, the client) on top. A module that reached back up would tie the advice to
a way of calling it; this test reads every module's imports, so the layers stay as drawn. It also keeps each
module to one job a newcomer can find by its name: a long one says why it is kept whole."""

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


LONG = 450
"""Lines past which a module holds more than one job, unless it says why it does not."""
REASON = "Kept as one module:"


def unexplained_length(text: str) -> int | None:
    """A module's length when it is over ``LONG`` and its docstring gives no reason to keep it whole."""
    lines = len(text.splitlines())
    if lines <= LONG or REASON in (ast.get_docstring(ast.parse(text)) or ""):
        return None
    return lines


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_a_long_module_says_why_it_is_kept_whole(path: Path) -> None:
    """A newcomer finds a job by a module's name: a long module is split by its jobs, or its docstring says, in
    a sentence beginning "Kept as one module:", why its parts belong together."""
    lines = unexplained_length(path.read_text(encoding="utf-8"))
    assert lines is None, (
        f"{path.relative_to(PACKAGE)} has {lines} lines: split it by its jobs, or say why not in its docstring "
        f"({REASON} ...)"
    )


def test_the_length_check_reads_the_reason_only_in_the_docstring() -> None:
    """A module of ``LONG`` lines passes; one line more needs the reason, in the docstring: a comment saying it
    is not read."""
    line = "x = 1\n"
    assert unexplained_length('"""Short."""\n' + line * (LONG - 1)) is None
    assert unexplained_length('"""Long."""\n' + line * LONG) == LONG + 1
    assert unexplained_length(f'"""Long. {REASON} its parts share one loop."""\n' + line * LONG) is None
    assert unexplained_length(f'"""Long."""\n# {REASON} in a comment\n' + line * LONG) == LONG + 2
