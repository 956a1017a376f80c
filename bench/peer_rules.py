"""pladvisor's catalog written as the peer engines' rules (bench/peers.py measures them): zen-engine's
expressions and JDM graphs, and json-rules-engine's rules.

The semantics that needed care, because the catalog's are durable-rules 2.0.28's (reproduced by
``bench/plain_rules.py``) and each peer differs from them somewhere:

* Every operator, ``$neq`` included, is false on an unanswered field. zen reads a missing field or
  section as ``null``: ``null == "x"`` is false as wanted, but ``null != "x"`` is true, and ``<``, ``>``,
  ``some`` and ``all`` on ``null`` stop the evaluation with an error. So every condition except equality
  is guarded with ``path != null and ...``. json-rules-engine throws on a fact it does not know, so every
  profile path is declared as an engine fact whose value is null, which a school's answers override for
  its run; then ``equal`` is false on null, the numeric operators' own fact validator (``parseFloat``)
  and the list operators' (``Array.isArray``) refuse null, which makes them false, and only ``notEqual``
  needs the guard ``notEqual null`` next to it.
* ``$iall`` is false on an empty list, while zen's ``all`` and json-rules-engine's ``everyFact`` are
  true on one. pladvisor never gives the engine an empty list (``engine_fact`` asserts it as
  ``["none"]``), and the peers get that same form, so the difference never shows and
  ``{$iany: {path: {$i: none}}}`` matches an answered-but-empty list in every engine.
* List items: zen's ``some(list, # == v)`` and ``all(list, # != v)``; json-rules-engine's ``contains``,
  ``doesNotContain`` and its operator decorators ``someFact:notEqual`` and ``everyFact:equal``, which
  are built in (7.x), so no custom operator is registered.
* A rule whose ``$or`` holds in several branches fires once per branch in durable-rules; every engine
  here is compared on the set of ids, as ``RuleEvaluator.fired`` reports them once each.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pladvisor.engine.catalog import Catalog

Condition = dict[str, Any]
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ZEN_COMPARE = {"$neq": "!=", "$lt": "<", "$lte": "<=", "$gt": ">", "$gte": ">="}
_JRE_COMPARE = {
    "$lt": "lessThan",
    "$lte": "lessThanInclusive",
    "$gt": "greaterThan",
    "$gte": "greaterThanInclusive",
}
_JRE_ITEMS = {
    ("$iany", False): "contains",
    ("$iany", True): "someFact:notEqual",
    ("$iall", False): "everyFact:equal",
    ("$iall", True): "doesNotContain",
}
"""json-rules-engine operator for (list operator, item negated): ``$iall {$neq: {$i: v}}`` is "v is not in
the list", and ``contains`` is ``someFact:equal``; the built-in names are what a user would write."""


def _split(node: Condition) -> tuple[str, Any]:
    if len(node) != 1:
        raise ValueError(f"a condition has exactly one key: {node!r}")
    return next(iter(node.items()))


def _item(item: Condition) -> tuple[bool, Any]:
    """An item test as (negated, value): ``{$i: v}`` is (False, v), ``{$neq: {$i: v}}`` is (True, v)."""
    key, body = _split(item)
    if key == "$neq":
        return True, _split(body)[1]
    return False, body


def _zen_path(path: str) -> str:
    # A path is written as zen member access; a segment that is not a plain identifier would need quoting.
    if not all(_IDENTIFIER.fullmatch(part) for part in path.split(".")):
        raise ValueError(f"{path!r} is not a plain dotted path")
    return path


def _zen_literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return json.dumps(value)
    raise ValueError(f"{value!r} has no zen literal here")


def zen_expression(node: Condition) -> str:
    """A catalog condition as a zen (core) boolean expression over the engine form of the answers.

    Everything but equality is guarded with ``path != null``: zen's ``!=`` is true on null and its
    comparisons and list functions fail on it, where the catalog's operators are all false.
    """
    key, body = _split(node)
    if key in ("$and", "$or"):
        joiner = " and " if key == "$and" else " or "
        return "(" + joiner.join(zen_expression(child) for child in body) + ")"
    if key in _ZEN_COMPARE:
        path, value = _split(body)
        field = _zen_path(path)
        return f"({field} != null and {field} {_ZEN_COMPARE[key]} {_zen_literal(value)})"
    if key in ("$iany", "$iall"):
        path, item = _split(body)
        field = _zen_path(path)
        negated, value = _item(item)
        function = "some" if key == "$iany" else "all"
        test = "!=" if negated else "=="
        return f"({field} != null and {function}({field}, # {test} {_zen_literal(value)}))"
    if key.startswith("$"):
        raise ValueError(f"unsupported operator {key}")
    return f"{_zen_path(key)} == {_zen_literal(body)}"


def _graph(node: dict[str, Any]) -> dict[str, Any]:
    """A JDM decision graph: the request, ``node``, the response."""
    return {
        "contentType": "application/vnd.gorules.decision",
        "nodes": [
            {"id": "request", "type": "inputNode", "name": "school", "position": {"x": 0, "y": 0}},
            {**node, "id": "rules", "position": {"x": 300, "y": 0}},
            {"id": "response", "type": "outputNode", "name": "fired", "position": {"x": 600, "y": 0}},
        ],
        "edges": [
            {"id": "request-rules", "type": "edge", "sourceId": "request", "targetId": "rules"},
            {"id": "rules-response", "type": "edge", "sourceId": "rules", "targetId": "response"},
        ],
    }


def zen_decision_table(catalog: Catalog) -> dict[str, Any]:
    """The catalog as a JDM decision table, one row per rule, hit policy ``collect``.

    Its one input column has no field, so each cell is a full expression rather than a unary test of a
    field (the catalog's conditions read several fields); the output is the rule id, a string literal.
    """
    return _graph(
        {
            "type": "decisionTableNode",
            "name": "catalog",
            "content": {
                "hitPolicy": "collect",
                "inputs": [{"id": "when", "name": "condition", "type": "expression", "field": ""}],
                "outputs": [{"id": "rule", "name": "rule", "type": "expression", "field": "rule"}],
                "rules": [
                    {"_id": c.rule.id, "when": zen_expression(c.rule.when), "rule": json.dumps(c.rule.id)}
                    for c in catalog.rules
                ],
            },
        }
    )


def zen_expression_graph(catalog: Catalog) -> dict[str, Any]:
    """The catalog as a JDM expression node: one boolean output per rule id."""
    expressions = [{"id": c.rule.id, "key": c.rule.id, "value": zen_expression(c.rule.when)} for c in catalog.rules]
    return _graph({"type": "expressionNode", "name": "catalog", "content": {"expressions": expressions}})


def json_rules_condition(node: Condition) -> dict[str, Any]:
    """A catalog condition as a json-rules-engine condition over flat facts (one per dotted path, null when
    unanswered). ``notEqual`` is the one operator that holds on null, so it is paired with ``notEqual null``."""
    key, body = _split(node)
    if key in ("$and", "$or"):
        return {"all" if key == "$and" else "any": [json_rules_condition(child) for child in body]}
    if key == "$neq":
        path, value = _split(body)
        return {
            "all": [
                {"fact": path, "operator": "notEqual", "value": None},
                {"fact": path, "operator": "notEqual", "value": value},
            ]
        }
    if key in _JRE_COMPARE:
        path, value = _split(body)
        return {"fact": path, "operator": _JRE_COMPARE[key], "value": value}
    if key in ("$iany", "$iall"):
        path, item = _split(body)
        negated, value = _item(item)
        return {"fact": path, "operator": _JRE_ITEMS[key, negated], "value": value}
    if key.startswith("$"):
        raise ValueError(f"unsupported operator {key}")
    return {"fact": key, "operator": "equal", "value": body}


def json_rules(catalog: Catalog) -> list[dict[str, Any]]:
    """One json-rules-engine rule per catalog rule; its event's type is the rule id. A rule's top condition
    must be ``all``, ``any`` or ``not``, so a lone test is wrapped in ``all``."""
    rules = []
    for compiled in catalog.rules:
        condition = json_rules_condition(compiled.rule.when)
        if not {"all", "any"} & condition.keys():
            condition = {"all": [condition]}
        rules.append({"name": compiled.rule.id, "conditions": condition, "event": {"type": compiled.rule.id}})
    return rules
