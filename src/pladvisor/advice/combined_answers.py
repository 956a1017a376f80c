"""Each question's answer from its respondents' answers: one role's (the median of a number, the items more
than half name, the most common answer, a share of yes answers placed on a scale) and the school's, with the
sentence saying how it was reached. Below the anonymity floor a role's answers count toward the school's but
no count is shown that would reveal them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median_low
from typing import Any

from pladvisor.domain.assessment import AnswerValue
from pladvisor.domain.fields import profile_fields
from pladvisor.domain.respondents import ATTRIBUTED, CombineRule, Response, Role, RoleAnswers, ValueCount
from pladvisor.engine.respondents import AUDIENCE_ITEM, Respondents

from .advisor import spoken

Answers = dict[str, dict[Role, list[Any]]]
"""Every answer to each field, by role; a list answer as a tuple."""


def tally_answers(responses: Sequence[Response]) -> Answers:
    tally: Answers = {}
    for response in responses:
        for section, answers in response.answers.items():
            for name, value in answers.items():
                tally.setdefault(f"{section}.{name}", {}).setdefault(response.role, []).append(
                    tuple(value) if isinstance(value, list) else value
                )
    return tally


def most_common(values: Sequence[Any]) -> Any:
    """The most common answer; None when two answers tie for it."""
    ranked = Counter(values).most_common(2)
    if not ranked or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


def _named_by_most(values: Sequence[tuple[str, ...]], options: Sequence[str]) -> tuple[str, ...]:
    named = Counter(item for value in values for item in value)
    return tuple(option for option in options if 2 * named[option] > len(values))


def _counts(kind: str, values: Sequence[Any], options: Sequence[str]) -> tuple[ValueCount, ...]:
    if kind == "int":
        return ()
    if kind == "choices":
        named = Counter(item for value in values for item in value)
        empty = sum(1 for value in values if not value)
        pairs = [(option, named[option]) for option in options if named[option]]
        return tuple(ValueCount(value=v, count=c) for v, c in [*pairs, *([("none", empty)] if empty else [])])
    return tuple(ValueCount(value=v, count=c) for v, c in Counter(values).most_common())


@dataclass(frozen=True)
class Side:
    """One role's answers to one field, combined as that role's answer."""

    role: Role
    kind: str
    values: list[Any]
    answer: AnswerValue | None

    def view(self, options: Sequence[str]) -> RoleAnswers:
        return RoleAnswers(
            role=self.role,
            respondents=len(self.values),
            answer=self.answer,
            counts=_counts(self.kind, self.values, options),
        )


class FieldAnswers:
    """Combines each question's answers, role by role and for the school, with one catalog's declarations of who
    answers what and the anonymity floor."""

    def __init__(self, respondents: Respondents, minimum_group: int) -> None:
        self.respondents = respondents
        self.minimum_group = minimum_group

    def shown(self, role: Role, count: int) -> bool:
        return role in ATTRIBUTED or count >= self.minimum_group

    def plural(self, role: Role, count: int) -> str:
        """The role as a noun agreeing with ``count`` (1 teacher, 3 teachers)."""
        return role if count == 1 else self.respondents.roles[role].title.lower()

    def side(self, path: str, role: Role, values: list[Any]) -> Side:
        kind = self.respondents.answer_kind(path, role)
        info = profile_fields()[path]
        answer: Any
        if kind == "int":
            answer = median_low(values)
        elif kind == "choices":
            answer = _named_by_most(values, info.options)
        elif kind == "bool" and self.respondents.fields[path].combine == "breadth":
            answer = self._band(sum(values), len(values))
        else:
            answer = most_common(values)
        return Side(role, kind, values, answer)

    def _band(self, yes: int, total: int) -> str:
        share = yes / total
        return next(band.answer for band in self.respondents.bands if share < band.below)

    def school(self, path: str, by_role: dict[Role, list[Any]]) -> tuple[CombineRule, Any, int, str]:
        """The school's answer to ``path``: the rule, the value (None when open), respondents counted, and how."""
        spec = self.respondents.fields[path]
        info = profile_fields()[path]
        counted = [role for role in spec.counted if by_role.get(role)]
        pooled = [value for role in counted for value in by_role[role]]
        n = len(pooled)
        who = " and ".join(f"{len(by_role[role])} {self.plural(role, len(by_role[role]))}" for role in counted)
        # A count pooled with a role under the floor could be differenced against the other roles' shown counts.
        hidden = any(not self.shown(role, len(by_role[role])) for role in counted)
        if spec.combine == "audience":
            return self._audience(path, by_role)
        if not pooled:
            whose = " or ".join(self.respondents.roles[role].title.lower() for role in spec.counted)
            return ("most_common", None, 0, f"Not answered by {whose}, whose answers make the school's.")
        if spec.combine == "breadth":
            yes = sum(pooled)
            value = self._band(yes, n)
            counts = f"{yes} of {who} say yes" if not hidden else f"{who} answered"
            return ("breadth", value, n, f"{counts}, which places the school at: {spoken(value)}.")
        if info.kind == "int":
            value = median_low(pooled)
            how = f"The answer of {who}" if n == 1 else f"The median of the answers of {who}"
            return ("median", value, n, f"{how}: {value}.")
        if info.kind == "choices":
            items = _named_by_most(pooled, info.options)
            how = f"The answer of {who}" if n == 1 else f"Named by more than half of {who}"
            return ("items", list(items), n, f"{how}: {spoken(list(items))}.")
        value = most_common(pooled)
        if value is None:
            return ("most_common", None, n, f"The answers of {who} are split evenly, so the question stays open.")
        if n == 1:
            return ("most_common", value, n, f"The answer of {who}: {spoken(value)}.")
        share = "" if hidden else f" ({pooled.count(value)} of {n})"
        return ("most_common", value, n, f"The most common answer of {who}: {spoken(value)}{share}.")

    def _audience(self, path: str, by_role: dict[Role, list[Any]]) -> tuple[CombineRule, Any, int, str]:
        spec = self.respondents.fields[path]
        options = profile_fields()[path].options
        leaders = _named_by_most(by_role.get("leader", []), options) if by_role.get("leader") else None
        items: list[str] = []
        counted = 0
        for role in spec.counted:
            item = AUDIENCE_ITEM[role]
            answers = by_role.get(role, [])
            if role != "leader" and answers:
                counted += len(answers)
                if 2 * sum(answers) > len(answers):
                    items.append(item)
            elif leaders is not None and item in leaders:
                items.append(item)
        counted += len(by_role.get("leader", []))
        if not counted:
            return ("audience", None, 0, "Not answered by anyone whose answers make the school's.")
        ordered = [option for option in options if option in items]
        how = (
            "Each group counts when more than half of its respondents say they know what it means; for a group "
            "nobody asked, the leaders' list decides."
        )
        return ("audience", ordered, counted, f"{how} Counted as sharing it: {spoken(ordered)}.")
