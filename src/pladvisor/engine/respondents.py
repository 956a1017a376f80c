"""Loading and validating ``rules/respondents``: who answers which question, and the perception-gap rules.

Like the rule files, these are data a non-programmer extends, so they are checked completely when the
service starts, and a mistake names the file and the field or gap rule at fault.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from pladvisor.domain.fields import Kind, ProfileField, profile_fields
from pladvisor.domain.respondents import ROLES, Band, FieldRoles, GapRule, Role, RoleInfo, StageInfo
from pladvisor.domain.rules import Point

from .catalog import Catalog, CatalogError, _pydantic_problem, _read_yaml

RESPONDENTS_DIR = "respondents"
ROLES_FILE = "roles.yaml"
GAPS_FILE = "gaps.yaml"
GAP_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
GAP_FIELDS = frozenset({"first", "second", "first_answer", "second_answer", "second_count", "second_respondents"})
AUDIENCE_ITEM: dict[Role, str] = {
    "leader": "leaders",
    "teacher": "teachers",
    "student": "students",
    "family": "families",
}
"""The item of a definition's audience that each role stands for."""


@dataclass(frozen=True)
class Respondents:
    """The loaded declarations: roles, each field's respondents, teachers' stages and the gap rules."""

    roles: dict[Role, RoleInfo]
    fields: dict[str, FieldRoles]
    stages: tuple[StageInfo, ...]
    bands: tuple[Band, ...]
    gaps: tuple[GapRule, ...]
    generic_threshold: float
    stages_inform: frozenset[str]
    """Rules whose advice, in a combined assessment, adds the support each group of teachers needs."""

    def answer_kind(self, path: str, role: Role) -> Kind:
        """What ``role`` answers to ``path``: yes or no for itself on a breadth or audience field (leaders
        excepted, who answer for the school), otherwise the profile's own kind."""
        if self.fields[path].combine is not None and role != "leader":
            return "bool"
        return profile_fields()[path].kind

    def asked_of(self, role: Role) -> list[str]:
        """The fields ``role`` may answer, in form order."""
        return [path for path, spec in self.fields.items() if role in spec.asked]


def _check_field(path: str, spec: FieldRoles, info: ProfileField, bands: tuple[Band, ...], file: Path) -> None:
    def fail(message: str) -> None:
        raise CatalogError(file, f"field {path!r}: {message}")

    missing = [role for role in spec.counted if role not in spec.asked]
    if missing:
        fail(f"combines the answers of {', '.join(missing)}, who are not asked it")
    if spec.combine == "breadth":
        if info.kind != "choice":
            fail("breadth places a share on a scale, so the field must be one choice")
        unknown = [band.answer for band in bands if band.answer not in info.options]
        if unknown:
            fail(f"breadth_bands give {', '.join(unknown)}, which this field does not take")
        if "leader" in spec.counted:
            fail("breadth counts people answering for themselves; leaders answer for the school")
    if spec.combine == "audience":
        if info.kind != "choices":
            fail("audience builds a list, so the field must be a list of choices")
        items = [AUDIENCE_ITEM.get(role) for role in spec.counted]
        if None in items or not set(filter(None, items)) <= set(info.options):
            fail(f"audience needs each counted role among the field's options ({', '.join(info.options)})")


def _load_roles(
    file: Path, catalog: Catalog
) -> tuple[dict[Role, RoleInfo], dict[str, FieldRoles], tuple[StageInfo, ...], tuple[Band, ...], frozenset[str]]:
    data = _read_yaml(file)
    keys = {"roles", "teacher_stages", "stages_inform", "breadth_bands", "fields"}
    if not isinstance(data, dict) or set(data) != keys:
        raise CatalogError(file, f"expected exactly these keys: {', '.join(sorted(keys))}")
    try:
        roles = {role: RoleInfo.model_validate(body) for role, body in data["roles"].items()}
        stages = tuple(StageInfo.model_validate(body) for body in data["teacher_stages"])
        bands = tuple(Band.model_validate(body) for body in data["breadth_bands"])
    except (ValidationError, AttributeError, TypeError) as exc:
        problem = _pydantic_problem(exc) if isinstance(exc, ValidationError) else str(exc)
        raise CatalogError(file, f"roles, teacher_stages or breadth_bands: {problem}") from exc
    if set(roles) != set(ROLES):
        raise CatalogError(file, f"roles must be exactly {', '.join(ROLES)}")
    if [band.below for band in bands] != sorted(band.below for band in bands) or bands[-1].below <= 1:
        raise CatalogError(file, "breadth_bands must rise, and the last must be above 1 (a share of all)")
    known = profile_fields()
    if not isinstance(data["fields"], dict):
        raise CatalogError(file, "fields must map each profile field to who answers it")
    fields: dict[str, FieldRoles] = {}
    for path, body in data["fields"].items():
        if path not in known:
            raise CatalogError(file, f"field {path!r} is not a field of SchoolProfile")
        try:
            spec = FieldRoles.model_validate(body)
        except ValidationError as exc:
            raise CatalogError(file, f"field {path!r}: {_pydantic_problem(exc)}") from exc
        _check_field(path, spec, known[path], bands, file)
        fields[path] = spec
    unlisted = [path for path in known if path not in fields]
    if unlisted:
        raise CatalogError(file, f"every field says who answers it; missing: {', '.join(unlisted)}")
    informed = data["stages_inform"]
    if not isinstance(informed, list) or not all(isinstance(rule_id, str) for rule_id in informed):
        raise CatalogError(file, "stages_inform must list rule ids")
    unknown = [
        rule_id for rule_id in informed if rule_id not in catalog.by_id or catalog.by_id[rule_id].rule.kind != "gap"
    ]
    if unknown:
        raise CatalogError(file, f"stages_inform names {', '.join(unknown)}, which are not gap rules of the catalog")
    return roles, {path: fields[path] for path in known}, stages, bands, frozenset(informed)


def _check_gap(gap: GapRule, respondents: Respondents, points: dict[str, Point], file: Path) -> None:
    def fail(message: str) -> None:
        raise CatalogError(file, message, gap.id)

    if gap.field not in respondents.fields:
        fail(f"field {gap.field!r} is not a field of SchoolProfile")
    spec = respondents.fields[gap.field]
    first, second = gap.between
    if first == second:
        fail("compares a role with itself")
    for role in gap.between:
        if role not in spec.asked:
            fail(f"compares {role}, who is not asked {gap.field}")
    for point, source in gap.cites.items():
        if point not in points:
            fail(f"cites unknown point {point!r}")
        if points[point].source != source:
            fail(f"cites {point} from {source!r}, but {point} comes from {points[point].source!r}")
    for name in GAP_PLACEHOLDER.findall(gap.why):
        if name not in GAP_FIELDS:
            fail(f"why quotes {{{name}}}; it may quote {', '.join(sorted(GAP_FIELDS))}")
    for which, answers in (("fires", gap.examples.fires), ("quiet", gap.examples.quiet)):
        for role, values in answers.items():
            if role not in gap.between:
                fail(f"examples.{which} answers for {role}, who is not compared")
            for value in values:
                problem = answer_problem(respondents.answer_kind(gap.field, role), profile_fields()[gap.field], value)
                if problem:
                    fail(f"examples.{which}.{role}: {problem}")


def answer_problem(kind: Kind, info: ProfileField, value: Any) -> str | None:
    """What is wrong with ``value`` as an answer of ``kind`` to the field, if anything."""
    if kind == "bool":
        return None if isinstance(value, bool) else "expected true or false"
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            return "expected a whole number"
        if info.minimum is not None and value < info.minimum:
            return f"expected at least {info.minimum}"
        if info.maximum is not None and value > info.maximum:
            return f"expected at most {info.maximum}"
        return None
    if kind == "choice":
        return (
            None if isinstance(value, str) and value in info.options else f"expected one of {', '.join(info.options)}"
        )
    if not isinstance(value, list) or not all(isinstance(item, str) and item in info.options for item in value):
        return f"expected a list of {', '.join(info.options)} ([] for none)"
    if len(set(value)) != len(value):
        return "each choice may appear only once"
    return None


def load_respondents(rules_dir: Path | str, catalog: Catalog) -> Respondents:
    """Read ``respondents/roles.yaml`` and ``respondents/gaps.yaml`` beside the rule files of ``catalog``."""
    points = catalog.points
    directory = Path(rules_dir) / RESPONDENTS_DIR
    roles_file, gaps_file = directory / ROLES_FILE, directory / GAPS_FILE
    for file in (roles_file, gaps_file):
        if not file.is_file():
            raise CatalogError(file, "missing: it declares who answers what, for several respondents per school")
    roles, fields, stages, bands, informed = _load_roles(roles_file, catalog)
    data = _read_yaml(gaps_file)
    if not isinstance(data, dict) or set(data) != {"generic_threshold", "gaps"} or not isinstance(data["gaps"], list):
        raise CatalogError(gaps_file, "expected exactly two keys: 'generic_threshold' and 'gaps' (a list)")
    threshold = data["generic_threshold"]
    if not isinstance(threshold, int | float) or isinstance(threshold, bool) or not 0 < threshold <= 1:
        raise CatalogError(gaps_file, "generic_threshold must be a share above 0 and at most 1")
    respondents = Respondents(roles, fields, stages, bands, (), float(threshold), informed)
    gaps: list[GapRule] = []
    for raw in data["gaps"]:
        gap_id = raw.get("id") if isinstance(raw, dict) else None
        try:
            gap = GapRule.model_validate(raw)
        except ValidationError as exc:
            raise CatalogError(gaps_file, _pydantic_problem(exc), gap_id) from exc
        if any(other.id == gap.id for other in gaps):
            raise CatalogError(gaps_file, "duplicate id", gap.id)
        if any(other.field == gap.field and other.between == gap.between for other in gaps):
            raise CatalogError(gaps_file, f"a second rule for {gap.field} between {' and '.join(gap.between)}", gap.id)
        _check_gap(gap, respondents, points, gaps_file)
        gaps.append(gap)
    return Respondents(roles, fields, stages, bands, tuple(gaps), float(threshold), informed)
