"""The compact form in which the catalog's conditions and each school's answers reach durable-rules.

The engine parses every fact from JSON, hashes each property name, and copies the whole fact into the
message of every rule it fires (a school fires about twenty). The answers as the profile names them,
nested by section with choices spelled out, come to about 1.1 KB a school; here each field is one short
flat key and each choice (a list's items too) a small integer, about a quarter of that. The conditions
are rewritten with the same table, once, so the engine matches exactly what it would match on the plain
form: equality and ``$neq`` on a choice compare codes as they compared names, one code per name and one
name per code; numbers and booleans are unchanged. Ordering a choice (``$lt`` and the like) would compare
codes, which mean nothing in order, so a condition that does it is refused.

The engine fires a rule once for each branch of its ``$or`` that holds, and each firing costs a message.
Branches that each ask whether some item of the same list passes a test ("some barrier is the schedule",
"some barrier is the budget", ...) are joined into one that asks whether some item passes any of them,
which holds exactly when one of them held. The joined test ends in one that every item passes (its code is
never -1): where an item test is an ``$or``, durable-rules 2.0.28 checks a type it never set on the node
it made for it, so creating the ruleset failed now and then with "error code: 102", as whatever the memory
held decided; after a test of its own, the node it checks is one it filled in.
"""

from __future__ import annotations

import itertools
import string
from collections.abc import Iterator, Mapping
from typing import Any

from pladvisor.domain.fields import NONE_ITEM, ProfileField

ANCHOR_KEY = "_"
"""The compact fact's marker, which the engine's anchor rule matches on every fact."""
_RESERVED = frozenset({"sid", "id"})
"""Names the engine reads itself: the session and the fact's identity."""
_ORDERING = frozenset({"$lt", "$lte", "$gt", "$gte"})
_TESTS = frozenset({"$neq", *_ORDERING})


def _short_names() -> Iterator[str]:
    """``a`` to ``z``, then ``aa``, ``ab``, ...: the shortest keys first, never one the engine reads itself."""
    for length in itertools.count(1):
        for letters in itertools.product(string.ascii_lowercase, repeat=length):
            name = "".join(letters)
            if name not in _RESERVED:
                yield name


class Encoding:
    """A short key for each profile field and a code for each of its choices, in both directions of use:
    rewriting a condition, and writing a school's answers as the JSON members of a fact."""

    def __init__(self, fields: Mapping[str, ProfileField]) -> None:
        self._keys = dict(zip(fields, _short_names(), strict=False))
        self._codes: dict[str, dict[str, int]] = {}
        for path, info in fields.items():
            if info.kind == "choice":
                self._codes[path] = {option: code for code, option in enumerate(info.options)}
            elif info.kind == "choices":
                items = info.options if NONE_ITEM in info.options else (*info.options, NONE_ITEM)
                self._codes[path] = {option: code for code, option in enumerate(items)}
        # What writing a fact looks up, by section and name: a finished member for each value of a field
        # with few values, the key alone for a number, and the key with each item's code for a list.
        self._fixed: dict[str, dict[str, dict[Any, str]]] = {}
        self._numbers: dict[str, dict[str, str]] = {}
        self._lists: dict[str, dict[str, tuple[str, dict[str, str], str]]] = {}
        for path, info in fields.items():
            name = path.partition(".")[2]
            member = f'"{self._keys[path]}":'
            codes = self._codes.get(path, {})
            fixed = self._fixed.setdefault(info.area, {})
            numbers = self._numbers.setdefault(info.area, {})
            lists = self._lists.setdefault(info.area, {})
            if info.kind == "bool":
                fixed[name] = {True: member + "true", False: member + "false"}
            elif info.kind == "choice":
                fixed[name] = {option: member + str(code) for option, code in codes.items()}
            elif info.kind == "choices":
                lists[name] = (
                    member + "[",
                    {option: str(code) for option, code in codes.items()},
                    str(codes[NONE_ITEM]),
                )
            else:
                numbers[name] = member

    def condition(self, node: dict[str, Any]) -> dict[str, Any]:
        """A catalog condition (durable-rules' JSON form, dotted paths) in the compact form."""
        if len(node) != 1:
            raise ValueError(f"a condition has exactly one key: {node!r}")
        operator, operand = next(iter(node.items()))
        if operator == "$and":
            return {operator: [self.condition(part) for part in operand]}
        if operator == "$or":
            return _one_test_per_list([self.condition(part) for part in operand])
        if operator in ("$iany", "$iall"):
            ((path, item),) = operand.items()
            return {operator: {self._key(path): self._item(path, item)}}
        if operator in _TESTS:
            ((path, value),) = operand.items()
            if operator in _ORDERING and path in self._codes:
                raise ValueError(f"{path} is a choice: its answers have no order for {operator}")
            return {operator: {self._key(path): self._value(path, value)}}
        return {self._key(operator): self._value(operator, operand)}

    def members(self, asserted: Mapping[str, Mapping[str, Any]]) -> str:
        """The answers (by section, unanswered fields left out; an empty list stands for "none of these")
        as the members of a JSON object, without its braces: ``"a":true,"c":2,"f":[0,3]``."""
        fixed, numbers, lists = self._fixed, self._numbers, self._lists
        parts: list[str] = []
        for area, section in asserted.items():
            values, number, items = fixed[area], numbers[area], lists[area]
            for name, value in section.items():
                member = values.get(name)
                if member is not None:
                    parts.append(member[value])
                elif name in number:
                    parts.append(number[name] + str(value))
                else:
                    opening, codes, none = items[name]
                    parts.append(opening + (",".join([codes[item] for item in value]) or none) + "]")
        return ",".join(parts)

    def _key(self, path: str) -> str:
        key = self._keys.get(path)
        if key is None:
            raise ValueError(f"a condition reads {path!r}, which is not a profile field")
        return key

    def _value(self, path: str, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        codes = self._codes.get(path)
        if codes is None or value not in codes:
            raise ValueError(f"{value!r} is not a choice of {path}")
        return codes[value]

    def _item(self, path: str, item: dict[str, Any]) -> dict[str, Any]:
        """An item test, ``{$i: v}`` or ``{$neq: {$i: v}}``, with the item's code."""
        ((operator, operand),) = item.items()
        if operator == "$i":
            return {"$i": self._value(path, operand)}
        return {operator: self._item(path, operand)}


def _one_test_per_list(branches: list[dict[str, Any]]) -> dict[str, Any]:
    """An ``$or`` of ``branches`` with every ``$iany`` on one list joined into one ``$iany`` on that list."""
    tests: dict[str, list[Any]] = {}
    order: list[dict[str, Any] | str] = []  # each branch kept as it is, or a list's key at its first $iany
    for branch in branches:
        operator, operand = next(iter(branch.items()))
        if operator != "$iany":
            order.append(branch)
            continue
        ((key, test),) = operand.items()
        if key not in tests:
            tests[key] = []
            order.append(key)
        tests[key].append(test)
    joined = [
        place
        if isinstance(place, dict)
        else {"$iany": {place: tests[place][0] if len(tests[place]) == 1 else _any_of(tests[place])}}
        for place in order
    ]
    return joined[0] if len(joined) == 1 else {"$or": joined}


_EVERY_ITEM = {"$neq": {"$i": -1}}
"""An item test that holds for every item: codes start at 0."""


def _any_of(tests: list[Any]) -> dict[str, Any]:
    """Item ``tests`` of which one must hold, as one item test the engine builds without reading unset memory."""
    return {"$and": [{"$or": tests}, _EVERY_ITEM]}
