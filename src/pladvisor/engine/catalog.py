"""Loading and validating the rule catalog kept as YAML in ``rules/``.

The catalog is checked completely at start-up so that a mistake in a rule file stops
the service with the file and the rule named, instead of surfacing as a wrong answer
(or a crash inside the rule engine) later.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from pladvisor.domain.fields import areas, profile_fields, profile_from_answers
from pladvisor.domain.rules import Point, Rule

from .conditions import ConditionError, condition_paths

CATALOG_FILE = "catalog.yaml"
PLACEHOLDER = re.compile(r"\{([a-z_]+\.[a-z_]+)\}")


class CatalogError(ValueError):
    """A problem in the rule files; the message starts with the file (and rule) at fault."""

    def __init__(self, file: Path | str, message: str, rule: str | None = None) -> None:
        self.file = str(file)
        self.rule = rule
        where = f"{self.file}: rule {rule!r}" if rule else self.file
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class CompiledRule:
    """A validated rule with what the engine derives from it once, at load time."""

    rule: Rule
    file: str
    paths: tuple[str, ...]
    """Profile fields the condition reads, in order of appearance."""

    @cached_property
    def template(self) -> tuple[str, ...]:
        """The ``why`` text split so that odd positions are placeholder paths."""
        return tuple(PLACEHOLDER.split(self.rule.why))

    @cached_property
    def quoted(self) -> tuple[str, ...]:
        """Every field the rule's explanation and evidence depend on."""
        return tuple(dict.fromkeys([*self.template[1::2], *self.paths]))


@dataclass(frozen=True)
class Catalog:
    version: str
    points: dict[str, Point]
    rules: tuple[CompiledRule, ...]
    by_id: dict[str, CompiledRule] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {c.rule.id: c for c in self.rules})


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise CatalogError(path, f"not valid YAML: {exc}") from exc


def _pydantic_problem(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or '(rule)'}: {e['msg']}" for e in exc.errors())


def _load_points(path: Path) -> tuple[str, dict[str, Point]]:
    data = _read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("version"), str) or not isinstance(
        data.get("points"), dict
    ):
        raise CatalogError(path, "expected 'version' (text) and 'points' (a mapping of id to title and source)")
    points: dict[str, Point] = {}
    for point_id, body in data["points"].items():
        try:
            points[point_id] = Point.model_validate({"id": point_id, **(body or {})})
        except (ValidationError, TypeError) as exc:
            problem = _pydantic_problem(exc) if isinstance(exc, ValidationError) else str(exc)
            raise CatalogError(path, f"point {point_id!r}: {problem}") from exc
    return data["version"], points


def _compile_rule(raw: Any, area: str, path: Path, points: dict[str, Point]) -> CompiledRule:
    rule_id = raw.get("id") if isinstance(raw, dict) else None
    if not isinstance(raw, dict):
        raise CatalogError(path, f"each rule must be a mapping, got {raw!r}")
    for key in ("title", "why"):
        if isinstance(raw.get(key), dict):
            raise CatalogError(path, f"{key} contains ': ', which YAML reads as a mapping; put it in quotes", rule_id)
    for i, step in enumerate(raw.get("steps") or []):
        if isinstance(step, dict):
            raise CatalogError(
                path, f"steps[{i}] contains ': ', which YAML reads as a mapping; put the step in quotes", rule_id
            )
    try:
        rule = Rule.model_validate({"area": area, **raw})
    except ValidationError as exc:
        raise CatalogError(path, _pydantic_problem(exc), rule_id) from exc
    fields = profile_fields()
    try:
        paths = condition_paths(rule.when, fields)
    except ConditionError as exc:
        raise CatalogError(path, str(exc), rule.id) from exc
    for point_id, source in rule.cites.items():
        if point_id not in points:
            raise CatalogError(path, f"cites unknown point {point_id!r}", rule.id)
        if points[point_id].source != source:
            raise CatalogError(
                path, f"cites {point_id} from {source!r}, but {point_id} comes from {points[point_id].source!r}",
                rule.id,
            )
    for name, answers in (("fires", rule.examples.fires), ("quiet", rule.examples.quiet)):
        try:
            profile_from_answers(answers)
        except ValidationError as exc:
            raise CatalogError(path, f"examples.{name}: {_pydantic_problem(exc)}", rule.id) from exc
    for placeholder in PLACEHOLDER.findall(rule.why):
        if placeholder not in fields:
            raise CatalogError(path, f"why quotes {{{placeholder}}}, which is not a field of SchoolProfile", rule.id)
    return CompiledRule(rule=rule, file=path.name, paths=tuple(paths))


def _check_after(rules: list[CompiledRule]) -> None:
    known = {c.rule.id: c for c in rules}
    for compiled in rules:
        for before in compiled.rule.after:
            if before not in known:
                raise CatalogError(compiled.file, f"after names unknown rule {before!r}", compiled.rule.id)
    state: dict[str, int] = {}

    def visit(rule_id: str, trail: list[str]) -> None:
        if state.get(rule_id) == 2:
            return
        if state.get(rule_id) == 1:
            cycle = " -> ".join([*trail[trail.index(rule_id):], rule_id])
            raise CatalogError(known[rule_id].file, f"ordering hints form a cycle: {cycle}", rule_id)
        state[rule_id] = 1
        for before in known[rule_id].rule.after:
            visit(before, [*trail, rule_id])
        state[rule_id] = 2

    for rule_id in known:
        visit(rule_id, [])


def load_catalog(directory: Path | str) -> Catalog:
    """Read ``catalog.yaml`` (version and documented points) and every other ``*.yaml`` rule file."""
    directory = Path(directory)
    if not (directory / CATALOG_FILE).is_file():
        raise CatalogError(directory / CATALOG_FILE, "missing: it holds the catalog version and the points")
    version, points = _load_points(directory / CATALOG_FILE)
    rules: list[CompiledRule] = []
    seen: dict[str, str] = {}
    for path in sorted(directory.glob("*.yaml")):
        if path.name == CATALOG_FILE:
            continue
        data = _read_yaml(path)
        if not isinstance(data, dict) or set(data) != {"area", "rules"} or not isinstance(data["rules"], list):
            raise CatalogError(path, "expected exactly two keys: 'area' and 'rules' (a list)")
        if data["area"] not in areas():
            raise CatalogError(path, f"area {data['area']!r} is not one of {', '.join(areas())}")
        for raw in data["rules"]:
            compiled = _compile_rule(raw, data["area"], path, points)
            if compiled.rule.id in seen:
                raise CatalogError(path, f"duplicate id, already defined in {seen[compiled.rule.id]}", compiled.rule.id)
            seen[compiled.rule.id] = path.name
            rules.append(compiled)
    if not rules:
        raise CatalogError(directory, "no rule files found")
    _check_after(rules)
    return Catalog(version=version, points=points, rules=tuple(rules))
