"""Loading and validating the rule catalog kept as YAML in ``rules/``.

The catalog is checked completely at start-up so that a mistake in a rule file stops
the service with the file and the rule named, instead of surfacing as a wrong answer
(or a crash inside the rule engine) later.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from pladvisor.domain.fields import ProfileField, areas, profile_fields, profile_from_answers
from pladvisor.domain.rules import SCORED_KINDS, Foundation, Point, Rule
from pladvisor.errors import PladvisorError

from .conditions import ConditionError, Decider, condition_paths, decider, normalized

CATALOG_FILE = "catalog.yaml"
PLACEHOLDER = re.compile(r"\{([a-z_]+\.[a-z_]+)(?::([a-z]+(?: ago| from now)?))?\}")
"""``{area.field}`` quotes an answer; ``{area.field:noun}`` quotes a number with its noun (1 day, 2 days),
``{area.field:noun ago}`` a time past (within the last month, 1 month ago, 2 months ago), and
``{area.field:noun from now}`` a time to come (right away, 1 month from now, 2 months from now)."""


_CHECKOUT = Path(__file__).resolve().parents[3]


def default_rules_dir() -> Path:
    """The catalog packaged into the wheel (``pladvisor/rules``); in a source checkout, which packages nothing,
    its ``rules/``, recognised by the ``pyproject.toml`` beside it rather than by any directory named rules
    that happens to sit three levels up."""
    packaged = Path(str(resources.files("pladvisor") / "rules"))
    if packaged.is_dir():
        return packaged
    if (_CHECKOUT / "pyproject.toml").is_file() and (_CHECKOUT / "rules").is_dir():
        return _CHECKOUT / "rules"
    raise FileNotFoundError("no rule catalog: neither a packaged pladvisor/rules nor a checkout's rules/")


class CatalogError(PladvisorError, ValueError):
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
    decide: Decider
    """The condition in three-valued logic, for answers that leave it open."""
    steps: tuple[tuple[str, Decider | None, bool], ...] = ()
    """Each step with the condition it is said under: (text, condition, whether the condition must hold); a
    step without a condition is always said."""
    step_paths: tuple[str, ...] = ()
    """Fields the steps' conditions read."""

    def steps_for(self, answers: Any) -> tuple[str, ...]:
        """The steps these answers call for: a step with ``unless`` is left out once the answers make its
        condition true, a step with ``when`` is given only then."""
        return tuple(
            text
            for text, condition, wanted in self.steps
            if condition is None or (condition(answers) is True) == wanted
        )

    @cached_property
    def template(self) -> tuple[str | None, ...]:
        """The ``why`` text split into triples: text, placeholder path, noun (or None)."""
        return tuple(PLACEHOLDER.split(self.rule.why))

    @cached_property
    def template_not(self) -> tuple[str | None, ...]:
        """The same for a strength's ``why_not``."""
        return tuple(PLACEHOLDER.split(self.rule.why_not or ""))

    @cached_property
    def quoted(self) -> tuple[str, ...]:
        """Every field the rule's explanations and evidence depend on."""
        placeholders = [p for p in (*self.template[1::3], *self.template_not[1::3]) if p]
        return tuple(dict.fromkeys([*placeholders, *self.paths, *self.step_paths]))


@dataclass(frozen=True)
class Catalog:
    version: str
    points: dict[str, Point]
    foundations: tuple[Foundation, ...]
    rules: tuple[CompiledRule, ...]
    opening: tuple[str, ...] = ()
    """The gap rules that open every plan, in the articles' order of first moves."""
    by_id: dict[str, CompiledRule] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {c.rule.id: c for c in self.rules})


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise CatalogError(path, f"not valid YAML: {exc}") from exc
    except RecursionError:
        raise CatalogError(path, "nested too deeply to read; no rule needs more than a few levels") from None


def _pydantic_problem(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or '(rule)'}: {e['msg']}" for e in exc.errors())


def _load_points(path: Path) -> tuple[str, dict[str, Point], tuple[Foundation, ...], tuple[str, ...]]:
    data = _read_yaml(path)
    if (
        not isinstance(data, dict)
        or set(data) != {"version", "points", "foundations", "opening"}
        or not isinstance(data["version"], str)
        or not isinstance(data["points"], dict)
        or not isinstance(data["foundations"], list)
        or not isinstance(data["opening"], list)
        or not all(isinstance(rule_id, str) for rule_id in data["opening"])
    ):
        raise CatalogError(
            path,
            "expected 'version' (text), 'points' (a mapping of id to title and source), 'foundations' "
            "(a list of id, title and rules) and 'opening' (a list of rule ids)",
        )
    points: dict[str, Point] = {}
    for point_id, body in data["points"].items():
        try:
            points[point_id] = Point.model_validate({"id": point_id, **(body or {})})
        except (ValidationError, TypeError) as exc:
            problem = _pydantic_problem(exc) if isinstance(exc, ValidationError) else str(exc)
            raise CatalogError(path, f"point {point_id!r}: {problem}") from exc
    foundations: list[Foundation] = []
    for i, body in enumerate(data["foundations"]):
        try:
            foundations.append(Foundation.model_validate(body))
        except ValidationError as exc:
            raise CatalogError(path, f"foundations[{i}]: {_pydantic_problem(exc)}") from exc
    return data["version"], points, tuple(foundations), tuple(data["opening"])


def _check_reads(rule: Rule, paths: list[str], decide: Decider, fields: dict[str, ProfileField]) -> str | None:
    """What is wrong with the fields a rule reads, if anything.

    A gap or strength counts in the area of its file, so it may read only that area's answers. A rule
    reading a skip-logic question must be decided (false) whenever the parent's answer makes that
    question moot, or it would wait forever on a question nobody is asked. Inconsistencies are exempt:
    an answer to a moot question is exactly what some of them look for.
    """
    if rule.kind in SCORED_KINDS:
        foreign = [p for p in paths if fields[p].area != rule.area]
        if foreign:
            return f"reads {', '.join(foreign)}, outside its area {rule.area}; a rule counts in the area it reads"
    for path in paths:
        skip = fields[path].asked_when
        if skip is None or rule.kind not in SCORED_KINDS:
            continue
        parent, values = skip
        info = fields[parent]
        others = [True, False] if info.kind == "bool" else list(info.options)
        for value in others:
            if value not in values and decide({parent: value}) is not False:
                return (
                    f"reads {path}, which is asked only when {parent} is {' or '.join(map(str, values))}; "
                    f"its condition must also require that (it is not decided when {parent} is {value})"
                )
    return None


def _compile_rule(raw: Any, area: str, path: Path, points: dict[str, Point]) -> CompiledRule:
    rule_id = raw.get("id") if isinstance(raw, dict) else None
    if not isinstance(raw, dict):
        raise CatalogError(path, f"each rule must be a mapping, got {raw!r}")
    for key in ("title", "why"):
        if isinstance(raw.get(key), dict):
            raise CatalogError(path, f"{key} contains ': ', which YAML reads as a mapping; put it in quotes", rule_id)
    for i, step in enumerate(raw.get("steps") or []):
        if isinstance(step, dict) and "say" not in step:
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
    decide = decider(rule.when)
    steps: list[tuple[str, Decider | None, bool]] = []
    step_paths: list[str] = []
    for i, step in enumerate(rule.steps):
        if isinstance(step, str):
            steps.append((step, None, True))
            continue
        key, condition = ("when", step.when) if step.when is not None else ("unless", step.unless)
        try:
            step_paths += condition_paths(condition, fields, where=f"steps[{i}].{key}")
        except ConditionError as exc:
            raise CatalogError(path, str(exc), rule.id) from exc
        steps.append((step.say, decider(condition), key == "when"))
    if all(condition is not None for _, condition, _ in steps):
        raise CatalogError(path, "every step is conditional; give at least one step that is always said", rule.id)
    problem = _check_reads(rule, paths, decide, fields)
    if problem:
        raise CatalogError(path, problem, rule.id)
    for point_id, source in rule.cites.items():
        if point_id not in points:
            raise CatalogError(path, f"cites unknown point {point_id!r}", rule.id)
        if points[point_id].source != source:
            raise CatalogError(
                path,
                f"cites {point_id} from {source!r}, but {point_id} comes from {points[point_id].source!r}",
                rule.id,
            )
    for name, answers in (("fires", rule.examples.fires), ("quiet", rule.examples.quiet)):
        try:
            profile_from_answers(answers)
        except ValidationError as exc:
            raise CatalogError(path, f"examples.{name}: {_pydantic_problem(exc)}", rule.id) from exc
    for key, text in (("why", rule.why), ("why_not", rule.why_not or "")):
        for placeholder, noun in PLACEHOLDER.findall(text):
            if placeholder not in fields:
                raise CatalogError(
                    path, f"{key} quotes {{{placeholder}}}, which is not a field of SchoolProfile", rule.id
                )
            if noun and fields[placeholder].kind != "int":
                raise CatalogError(
                    path, f"{key} gives {{{placeholder}:{noun}}} a noun, but it is not a number", rule.id
                )
    return CompiledRule(
        rule=rule,
        file=path.name,
        paths=tuple(paths),
        decide=decide,
        steps=tuple(steps),
        step_paths=tuple(dict.fromkeys(step_paths)),
    )


def _check_relations(
    rules: list[CompiledRule], foundations: tuple[Foundation, ...], opening: tuple[str, ...], path: Path
) -> None:
    """Checks across rules: one rule per root cause, what inconsistencies withhold and strengths mirror, what
    foundations hold and what opens a plan."""
    known = {c.rule.id: c for c in rules}
    seen: dict[Any, CompiledRule] = {}
    for compiled in rules:
        form = normalized(compiled.rule.when)
        twin = seen.setdefault(form, compiled)
        if twin is not compiled:
            raise CatalogError(
                compiled.file,
                f"has the same condition as {twin.rule.id!r} ({twin.file}); merge them into one rule",
                compiled.rule.id,
            )
    for compiled in rules:
        for withheld in compiled.rule.withholds:
            if withheld not in known or known[withheld].rule.kind not in SCORED_KINDS:
                raise CatalogError(
                    compiled.file, f"withholds {withheld!r}, which is not a gap or strength", compiled.rule.id
                )
        for mirrored in compiled.rule.mirrors:
            other = known.get(mirrored)
            if other is None or other.rule.kind != "gap" or other.rule.area != compiled.rule.area:
                raise CatalogError(
                    compiled.file,
                    f"mirrors {mirrored!r}, which is not a gap of area {compiled.rule.area}",
                    compiled.rule.id,
                )
    in_foundation: set[str] = set()
    for foundation in foundations:
        for rule_id in foundation.rules:
            if rule_id not in known or known[rule_id].rule.kind != "gap":
                raise CatalogError(path, f"foundation {foundation.id!r} names {rule_id!r}, which is not a gap rule")
            in_foundation.add(rule_id)
    for compiled in rules:
        if compiled.rule.priority == "critical" and compiled.rule.id not in in_foundation:
            raise CatalogError(
                compiled.file,
                "is critical but in no foundation; critical is kept for what gates the top stages",
                compiled.rule.id,
            )
    for rule_id in opening:
        if rule_id not in known or known[rule_id].rule.kind != "gap":
            raise CatalogError(path, f"opening names {rule_id!r}, which is not a gap rule")
    if len(set(opening)) != len(opening):
        raise CatalogError(path, "opening names a rule twice")
    critical = [c.rule.id for c in rules if c.rule.priority == "critical"]
    left_out = [rule_id for rule_id in critical if rule_id not in opening]
    if left_out:
        raise CatalogError(path, f"opening leaves out the critical rule(s) {', '.join(left_out)}")


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
            cycle = " -> ".join([*trail[trail.index(rule_id) :], rule_id])
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
    version, points, foundations, opening = _load_points(directory / CATALOG_FILE)
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
    _check_relations(rules, foundations, opening, directory / CATALOG_FILE)
    return Catalog(version=version, points=points, foundations=foundations, rules=tuple(rules), opening=opening)
