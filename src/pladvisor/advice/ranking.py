"""Ordering fired gap rules into a plan: what to do now, next and later."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Sequence
from collections.abc import Set as AbstractSet

from pladvisor.domain.assessment import Horizon
from pladvisor.domain.rules import Rule
from pladvisor.engine.catalog import CatalogError

FOUNDATION_TIER: dict[str, int] = {
    "vision": 0,
    "definition": 0,
    "buy_in": 0,
    "professional_development": 0,
    "measurement": 1,
    "mindset": 1,
    "classroom_practice": 1,
    "student_agency": 1,
    "tools": 2,
}
"""Why, definition, buy-in and support come before practice, and practice before tools and scale."""

PRIORITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3}
MAX_NOW = 3
"""A plan with more than a handful of "do now" items is a plan nobody starts."""
MAX_NEXT = 5
"""What follows the first steps: enough to plan a term, few enough to be read."""

AREA_SEQUENCE = {area: i for i, area in enumerate(FOUNDATION_TIER)}


def check_tiers(areas: Iterable[str]) -> None:
    """Refuse to start when a profile section has no place in the plan's order, rather than fail on the
    first school whose answers fire one of its rules."""
    missing = [area for area in areas if area not in FOUNDATION_TIER]
    if missing:
        raise CatalogError(__file__, f"FOUNDATION_TIER has no tier for the profile section(s) {', '.join(missing)}")


PlanKey = tuple[int, int, int, int, int, str]


def _key(opening: Sequence[str]) -> Callable[[Rule], PlanKey]:
    """The sort key of a plan: the catalog's opening rules first, in its order (the articles' order of first
    moves, whatever the weight of each); then priority, foundations before practice before tools, ``order``."""
    place = {rule_id: i for i, rule_id in enumerate(opening)}
    rest = len(opening)

    def key(rule: Rule) -> PlanKey:
        return (
            place.get(rule.id, rest),
            PRIORITY_RANK[rule.priority],
            FOUNDATION_TIER[rule.area],
            rule.order,
            AREA_SEQUENCE[rule.area],
            rule.id,
        )

    return key


def rank(rules: Sequence[Rule], opening: Sequence[str] = ()) -> list[Rule]:
    """The opening rules first, in their order; then priority, foundations before practice before tools, then
    ``order``. An ``after`` hint then delays a rule behind the fired rule it names, among the rules outside the
    opening of the same priority (a hint never lets a less urgent item overtake a more urgent one)."""
    return _follow_hints(sorted(rules, key=_key(opening)), frozenset(opening))


class PlanOrder:
    """``rank`` for any subset of one set of rules, with what does not depend on the subset worked out once:
    their order before hints, and the hints that can apply (an ``after`` naming a rule of the same priority,
    both outside the opening)."""

    def __init__(self, rules: Iterable[Rule], opening: Sequence[str] = ()) -> None:
        self._opening = frozenset(opening)
        self._ordered = sorted(rules, key=_key(opening))
        self._position = {rule.id: i for i, rule in enumerate(self._ordered)}
        priority = {rule.id: rule.priority for rule in self._ordered}
        self._hints = [
            (rule.id, before)
            for rule in self._ordered
            for before in rule.after
            if priority.get(before) == rule.priority and not {rule.id, before} & self._opening
        ]

    def rank(self, ids: AbstractSet[str]) -> list[Rule]:
        """The rules named in ``ids`` ranked as ``rank`` ranks them; ids of other rules are ignored."""
        position = self._position
        ordered = [self._ordered[i] for i in sorted(position[r] for r in ids if r in position)]
        if any(rule_id in ids and before in ids for rule_id, before in self._hints):
            return _follow_hints(ordered, self._opening)
        return ordered


def _follow_hints(ordered: list[Rule], opening: AbstractSet[str]) -> list[Rule]:
    """``ordered`` with each rule outside the opening delayed behind the rules of the same priority, also
    outside it, that its ``after`` names."""
    position = {rule.id: i for i, rule in enumerate(ordered)}
    waiting = {
        rule.id: befores
        for rule in ordered
        if rule.after
        and rule.id not in opening
        and (
            befores := {
                b
                for b in rule.after
                if b in position and b not in opening and ordered[position[b]].priority == rule.priority
            }
        )
    }
    if not waiting:
        return ordered
    followers: dict[str, list[str]] = {rule.id: [] for rule in ordered}
    for rule_id, befores in waiting.items():
        for before in befores:
            followers[before].append(rule_id)
    ready = [i for i, rule in enumerate(ordered) if rule.id not in waiting]
    heapq.heapify(ready)
    result: list[Rule] = []
    while ready:
        rule = ordered[heapq.heappop(ready)]
        result.append(rule)
        for follower in followers[rule.id]:
            waiting[follower].discard(rule.id)
            if not waiting[follower]:
                heapq.heappush(ready, position[follower])
    return result


def horizons(ranked: Sequence[Rule], now_taken: int = 0) -> list[Horizon]:
    """The first critical or high items, at most ``MAX_NOW`` with the ``now_taken`` items already before them,
    are for now; the next items that are not low, at most ``MAX_NEXT``, for next; the rest later. The plan is
    ranked by priority after its opening, so a low item never pushes a more urgent one back, and reading down
    the plan the horizon never moves towards now."""
    result: list[Horizon] = []
    now, next_, later = now_taken, 0, 0
    for rule in ranked:
        if rule.priority in ("critical", "high") and now < MAX_NOW and not next_:
            result.append("now")
            now += 1
        elif rule.priority != "low" and next_ < MAX_NEXT and not later:
            result.append("next")
            next_ += 1
        else:
            result.append("later")
            later += 1
    return result
