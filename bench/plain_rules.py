"""The catalog's conditions evaluated in plain Python, as a yardstick for the rule engine.

A tree-walking interpreter of the grammar in ``pladvisor.engine.conditions``, with the
engine's behaviour reproduced where plain Python would differ (checked empirically on
durable-rules 2.0.28, and by `make bench` on every school it measures):

* every operator, ``$neq`` included, is false on an unanswered field: a rule never
  fires on unanswered questions;
* ``$iall`` is false on an empty list (Python's ``all([])`` is true), and pladvisor
  asserts an answered-but-empty list as ``["none"]``, so ``$iall`` holds there and
  ``{$iany: {path: {$i: none}}}`` matches it.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from pladvisor.domain.fields import NONE_ITEM
from pladvisor.engine.catalog import Catalog

COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "$neq": operator.ne,
    "$lt": operator.lt,
    "$lte": operator.le,
    "$gt": operator.gt,
    "$gte": operator.ge,
}


def _item_holds(item: dict[str, Any], value: Any) -> bool:
    key, body = next(iter(item.items()))
    if key == "$neq":
        return bool(value != body["$i"])
    return bool(value == body)


def holds(node: dict[str, Any], answers: dict[str, Any]) -> bool:
    """Whether condition ``node`` holds for ``answers`` (dotted path -> answered value)."""
    key, body = next(iter(node.items()))
    if key == "$and":
        return all(holds(child, answers) for child in body)
    if key == "$or":
        return any(holds(child, answers) for child in body)
    if key in COMPARE:
        path, expected = next(iter(body.items()))
        return path in answers and COMPARE[key](answers[path], expected)
    if key in ("$iany", "$iall"):
        path, item = next(iter(body.items()))
        if path not in answers:
            return False
        items = answers[path] or [NONE_ITEM]
        if key == "$iany":
            return any(_item_holds(item, value) for value in items)
        return bool(items) and all(_item_holds(item, value) for value in items)
    return key in answers and answers[key] == body


def fired(catalog: Catalog, answers: dict[str, Any]) -> list[str]:
    """Ids of the catalog rules whose condition holds, in catalog order."""
    return [c.rule.id for c in catalog.rules if holds(c.rule.when, answers)]


def _source(node: dict[str, Any]) -> str:
    """Condition ``node`` as a Python expression over ``a``, the answers by dotted path (lists as given)."""
    key, body = next(iter(node.items()))
    if key in ("$and", "$or"):
        joiner = " and " if key == "$and" else " or "
        return "(" + joiner.join(_source(child) for child in body) + ")"
    if key in COMPARE:
        path, expected = next(iter(body.items()))
        symbol = {"$neq": "!=", "$lt": "<", "$lte": "<=", "$gt": ">", "$gte": ">="}[key]
        return f"({path!r} in a and a[{path!r}] {symbol} {expected!r})"
    if key in ("$iany", "$iall"):
        path, item = next(iter(body.items()))
        items = f"(a[{path!r}] or {[NONE_ITEM]!r})"
        negated = "$neq" in item
        value = item["$neq"]["$i"] if negated else item["$i"]
        if key == "$iany":
            test = f"any(x != {value!r} for x in {items})" if negated else f"{value!r} in {items}"
        else:  # $iall: the items are never empty, as asserted
            test = f"{value!r} not in {items}" if negated else f"all(x == {value!r} for x in {items})"
        return f"({path!r} in a and {test})"
    return f"(a.get({key!r}) == {body!r})"


def compiled(catalog: Catalog) -> Callable[[dict[str, Any]], list[str]]:
    """The whole catalog as one generated Python function: the least a condition check can cost in Python,
    with no interpreter walking the conditions: the floor the engine and the whole pipeline are measured against."""
    lines = ["def fired(a):", "    out = []"]
    for c in catalog.rules:
        lines += [f"    if {_source(c.rule.when)}:", f"        out.append({c.rule.id!r})"]
    lines.append("    return out")
    namespace: dict[str, Any] = {}
    exec(compile("\n".join(lines), "<catalog as Python>", "exec"), namespace)
    function: Callable[[dict[str, Any]], list[str]] = namespace["fired"]
    return function
