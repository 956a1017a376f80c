"""Ordering fired gap rules into a plan: what to do now, next and later."""

from __future__ import annotations

import heapq
from collections.abc import Sequence

from pladvisor.domain.assessment import Horizon
from pladvisor.domain.rules import Rule

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


AREA_SEQUENCE = {area: i for i, area in enumerate(FOUNDATION_TIER)}


def _base_key(rule: Rule) -> tuple[int, int, int, int, int, str]:
    # Critical and high items lead, foundations first among them; nice-to-haves follow in the same tiers.
    urgent = 0 if rule.priority in ("critical", "high") else 1
    return (
        urgent, FOUNDATION_TIER[rule.area], PRIORITY_RANK[rule.priority], AREA_SEQUENCE[rule.area], rule.order, rule.id
    )


def rank(rules: Sequence[Rule]) -> list[Rule]:
    """Sort by foundations and priority, then move each rule after the fired rules its ``after`` hint names."""
    ordered = sorted(rules, key=_base_key)
    position = {rule.id: i for i, rule in enumerate(ordered)}
    waiting = {rule.id: {b for b in rule.after if b in position} for rule in ordered}
    followers: dict[str, list[str]] = {rule.id: [] for rule in ordered}
    for rule_id, befores in waiting.items():
        for before in befores:
            followers[before].append(rule_id)
    ready = [position[rule_id] for rule_id, befores in waiting.items() if not befores]
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


def horizons(ranked: Sequence[Rule]) -> list[Horizon]:
    """Contiguous groups along the ranking: a leading run of at most a few critical or high items is
    for now; medium items and further critical or high ones are next; low ones, and everything after
    the first of them, later. Reading down the plan, the horizon never moves back towards now."""
    result: list[Horizon] = []
    for position, rule in enumerate(ranked):
        previous = result[-1] if result else "now"
        urgent = rule.priority in ("critical", "high")
        if previous == "now" and urgent and position < MAX_NOW:
            result.append("now")
        elif previous != "later" and rule.priority != "low":
            result.append("next")
        else:
            result.append("later")
    return result
