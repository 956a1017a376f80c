"""The subset of durable-rules' JSON condition syntax that rule files may use.

durable-rules 2.0.28 does not protect itself: an unknown item operator loops forever,
``$ex``/``$nex`` on a lone condition hang, and a comparison whose types do not match
the answer's crashes the process. So a condition is checked against the profile's own
field table before it ever reaches the engine, and anything outside this grammar is
refused with the place it occurs:

    expr   := {"$and": [expr, ...]} | {"$or": [expr, ...]}
            | {path: value}                                    (equals)
            | {"$neq" | "$lt" | "$lte" | "$gt" | "$gte": {path: value}}
            | {"$iany" | "$iall": {path: item}}                (list answers)
    item   := {"$i": value} | {"$neq": {"$i": value}}
"""

from __future__ import annotations

import json
import math
import operator
from collections.abc import Callable, Mapping
from typing import Any

from pladvisor.domain.fields import NONE_ITEM, ProfileField
from pladvisor.errors import PladvisorError

LOGICAL = ("$and", "$or")
MAX_DEPTH = 8
"""Deepest nesting of $and/$or: real rules use two or three levels; the engine recurses on each."""
MAX_WIDTH = 32
"""Most conditions under one $and/$or."""
COMPARISONS = ("$lt", "$lte", "$gt", "$gte")
LIST_OPERATORS = ("$iany", "$iall")


class ConditionError(PladvisorError, ValueError):
    """A condition outside the supported grammar, with where in the condition it is."""


def _single(node: Any, where: str) -> tuple[str, Any]:
    if not isinstance(node, dict) or len(node) != 1:
        raise ConditionError(f"{where}: expected a mapping with exactly one key, got {node!r}")
    return next(iter(node.items()))


def _field(path: Any, fields: dict[str, ProfileField], where: str) -> ProfileField:
    if not isinstance(path, str) or path not in fields:
        raise ConditionError(f"{where}: {path!r} is not a field of SchoolProfile")
    return fields[path]


def _check_value(info: ProfileField, value: Any, where: str) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise ConditionError(f"{where}: {value!r} is not a finite number")
    if not info.accepts(value):
        allowed = ", ".join(info.options) if info.options else info.kind
        raise ConditionError(f"{where}: {value!r} cannot be compared with {info.path} ({allowed})")


def condition_paths(node: Any, fields: dict[str, ProfileField], where: str = "when", depth: int = 0) -> list[str]:
    """Validate ``node`` and return the profile paths it reads, in order of appearance."""
    key, body = _single(node, where)
    if key in LOGICAL:
        if not isinstance(body, list) or not body:
            raise ConditionError(f"{where}.{key}: expected a non-empty list of conditions")
        if depth >= MAX_DEPTH:
            raise ConditionError(f"{where}.{key}: $and/$or nested more than {MAX_DEPTH} deep")
        if len(body) > MAX_WIDTH:
            raise ConditionError(f"{where}.{key}: {len(body)} conditions; at most {MAX_WIDTH} in one $and/$or")
        paths: list[str] = []
        for i, child in enumerate(body):
            paths += [p for p in condition_paths(child, fields, f"{where}.{key}[{i}]", depth + 1) if p not in paths]
        return paths
    if key == "$neq" or key in COMPARISONS:
        path, value = _single(body, f"{where}.{key}")
        info = _field(path, fields, f"{where}.{key}")
        if info.kind == "choices":
            raise ConditionError(f"{where}.{key}: {path} is a list; use $iany or $iall")
        if key in COMPARISONS and info.kind != "int":
            raise ConditionError(f"{where}.{key}: {path} is not a number")
        _check_value(info, value, f"{where}.{key}.{path}")
        return [path]
    if key in LIST_OPERATORS:
        path, item = _single(body, f"{where}.{key}")
        info = _field(path, fields, f"{where}.{key}")
        if info.kind != "choices":
            raise ConditionError(f"{where}.{key}: {path} is not a list answer")
        item_key, item_value = _single(item, f"{where}.{key}.{path}")
        if item_key == "$neq":
            item_key, item_value = _single(item_value, f"{where}.{key}.{path}.$neq")
        if item_key != "$i":
            raise ConditionError(f"{where}.{key}.{path}: expected {{$i: value}} or {{$neq: {{$i: value}}}}")
        _check_value(info, item_value, f"{where}.{key}.{path}")
        return [path]
    if key.startswith("$"):
        raise ConditionError(f"{where}: unsupported operator {key}")
    info = _field(key, fields, where)
    if info.kind == "choices":
        raise ConditionError(f"{where}: {key} is a list; use $iany or $iall")
    _check_value(info, body, f"{where}.{key}")
    return [key]


Answers = Mapping[str, Any]
Decider = Callable[[Answers], bool | None]
"""A condition evaluated over partial answers: True, False, or None when the answers do not decide it."""

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "$neq": operator.ne,
    "$lt": operator.lt,
    "$lte": operator.le,
    "$gt": operator.gt,
    "$gte": operator.ge,
}


def _items(value: list[str]) -> list[str]:
    # As the engine sees a list: answered-but-empty is the single item "none".
    return value or [NONE_ITEM]


def decider(node: Any) -> Decider:
    """Compile a validated condition to three-valued logic over partial answers.

    The engine only says whether a rule fired; readiness also needs to know whether the answers
    *decided* a condition that did not fire. ``$and`` is false once any part is false and ``$or`` true
    once any part is true, whatever else is unanswered, which is also the only way an answer can be
    moot for a rule: every rule reading a skip-logic question requires its parent's answer too.
    Answers only ever narrow the result (unknown to true or false), so removing one never turns a
    decided condition into the opposite.
    """
    key, body = next(iter(node.items()))
    if key in LOGICAL:
        parts = [decider(child) for child in body]
        short, other = (False, True) if key == "$and" else (True, False)

        def logical(answers: Answers) -> bool | None:
            unknown = False
            for part in parts:
                result = part(answers)
                if result is short:
                    return short
                unknown = unknown or result is None
            return None if unknown else other

        return logical
    if key in LIST_OPERATORS:
        path, item = next(iter(body.items()))
        negate = "$neq" in item
        wanted = item["$neq"]["$i"] if negate else item["$i"]
        quantifier = any if key == "$iany" else all

        def listed(answers: Answers) -> bool | None:
            value = answers.get(path)
            if value is None:
                return None
            return quantifier((entry != wanted) if negate else (entry == wanted) for entry in _items(value))

        return listed
    if key in _COMPARE:
        path, wanted = next(iter(body.items()))
        compare = _COMPARE[key]

        def compared(answers: Answers) -> bool | None:
            value = answers.get(path)
            return None if value is None else compare(value, wanted)

        return compared

    def equal(answers: Answers) -> bool | None:
        value = answers.get(key)
        return None if value is None else value == body

    return equal


def normalized(node: Any) -> Any:
    """A canonical form of a condition: ``$and``/``$or`` flattened, deduplicated and sorted, so that two
    rules testing the same thing in a different order or nesting compare equal."""
    key, body = next(iter(node.items()))
    if key not in LOGICAL:
        return json.dumps(node, sort_keys=True)
    parts: set[Any] = set()
    for child in body:
        child_form = normalized(child)
        if isinstance(child_form, tuple) and child_form[0] == key:
            parts |= set(child_form[1])
        else:
            parts.add(child_form)
    if len(parts) == 1:
        return next(iter(parts))
    return (key, tuple(sorted(parts, key=repr)))
