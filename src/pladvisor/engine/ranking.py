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
    """The first few critical or high items are for now; the rest of those and medium ones next; low ones later."""
    result: list[Horizon] = []
    now = 0
    for rule in ranked:
        if rule.priority in ("critical", "high") and now < MAX_NOW:
            now += 1
            result.append("now")
        elif rule.priority == "low":
            result.append("later")
        else:
            result.append("next")
    return result
