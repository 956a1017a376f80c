"""What would move a school up: the smallest sets of answer changes that reach the next stage.

Every path is checked by assessing the changed profile (it is true) and by dropping each change in turn (it is
minimal: without any one of them the stage falls short). The search is bounded: a fixed number of readiness
measurements per school, whatever the profile.

The costs are the catalog's practice judgement, not the articles': answering an open question costs 1 (finding
out is cheaper than changing), changing an answer already given costs 2 (a practice to change).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import combinations
from typing import Any, get_args

from pladvisor.domain.assessment import Readiness, Stage
from pladvisor.domain.fields import NONE_ITEM, ProfileField, label, profile_fields, profile_from_answers
from pladvisor.domain.profile import SchoolProfile
from pladvisor.domain.what_if import Change, WhatIf, WhatIfPath
from pladvisor.engine.catalog import Catalog

from .advisor import Advisor, spoken
from .answers import answers_of, fact_of
from .questionnaire import section_title

STAGES: tuple[Stage, ...] = get_args(Stage)
ANSWER_COST = 1
CHANGE_COST = 2
MAX_CHANGES = 3
"""Longest path offered: a plan of more than three changes is a programme, not a next move."""
MAX_PATHS = 3
BUDGET = 300
"""Readiness measurements per school, at most (each about 0.15 ms on one core for the shipped catalog)."""
BEAM = 8
"""Single changes carried into pairs and triples, the most promising first. Measured on 1,000 generated schools:
a beam of 10 finds a path for 8 more of them than 8 does, at half again the slowest schools' time."""


def _rank(stage: Stage) -> int:
    return STAGES.index(stage)


def _values(catalog: Catalog) -> dict[str, tuple[Any, ...]]:
    """For each field a rule reads, the answers worth trying: every choice and both booleans, the numbers on
    each side of every threshold the rules use, and a list with or without each item they test."""
    fields = profile_fields()
    numbers: dict[str, set[int]] = {}
    items: dict[str, set[str]] = {}

    def walk(node: Any) -> None:
        key, body = next(iter(node.items()))
        if key in ("$and", "$or"):
            for child in body:
                walk(child)
        elif key in ("$iany", "$iall"):
            path, item = next(iter(body.items()))
            wanted = item["$neq"]["$i"] if "$neq" in item else item["$i"]
            items.setdefault(path, set()).add(wanted)
        elif key in ("$lt", "$lte", "$gt", "$gte", "$neq"):
            path, wanted = next(iter(body.items()))
            if isinstance(wanted, int | float) and not isinstance(wanted, bool):
                numbers.setdefault(path, set()).update({int(wanted) - 1, int(wanted), int(wanted) + 1})
        elif isinstance(body, int | float) and not isinstance(body, bool):
            numbers.setdefault(key, set()).update({int(body) - 1, int(body), int(body) + 1})

    for compiled in catalog.rules:
        walk(compiled.rule.when)
    values: dict[str, tuple[Any, ...]] = {}
    for compiled in catalog.rules:
        for path in compiled.paths:
            info = fields[path]
            if path in values:
                continue
            values[path] = _candidates(info, numbers.get(path, set()), items.get(path, set()))
    return values


def _candidates(info: ProfileField, numbers: set[int], items: set[str]) -> tuple[Any, ...]:
    if info.kind == "bool":
        return (True, False)
    if info.kind == "choice":
        return info.options
    if info.kind == "int":
        low = info.minimum if info.minimum is not None else 0
        high = info.maximum if info.maximum is not None else max(numbers, default=low)
        return tuple(sorted(n for n in numbers if low <= n <= high))
    return tuple(sorted(item for item in items if item != NONE_ITEM))


def _moves(answers: Mapping[str, Any], values: Mapping[str, tuple[Any, ...]]) -> Iterator[tuple[str, Any]]:
    """Each single change a school can make: never to unanswer, never to a question its answers make moot."""
    fields = profile_fields()
    for path, options in values.items():
        info = fields[path]
        if info.moot(answers):
            continue
        current = answers.get(path)
        if info.kind == "choices":
            listed = set(current or ())
            for item in options:
                changed = listed ^ {item}
                yield path, tuple(sorted(changed))
            if current is None:
                yield path, ()
            continue
        for value in options:
            if value != current:
                yield path, value


@dataclass(frozen=True, slots=True)
class _Tried:
    moves: tuple[tuple[str, Any], ...]
    readiness: Readiness

    def progress(self) -> tuple[int, int, int]:
        r = self.readiness
        return (_rank(r.stage), -len(r.held_back_by), r.answered_score or 0)


class Search:
    """One school's search, counting the measurements it makes against the budget."""

    def __init__(self, advisor: Advisor, profile: SchoolProfile) -> None:
        self.advisor = advisor
        self.profile = profile
        self.answers = {
            path: tuple(value) if isinstance(value, list) else value
            for path, value in answers_of(fact_of(profile)).items()
        }
        self.identity = {k: v for k, v in (("school_id", profile.school_id), ("name", profile.name)) if v}
        self.measured = 0
        self._seen: dict[frozenset[tuple[str, Any]], Readiness] = {}

    def readiness(self, moves: tuple[tuple[str, Any], ...]) -> Readiness | None:
        key = frozenset(moves)
        if key in self._seen:
            return self._seen[key]
        if self.measured >= BUDGET:
            return None
        self.measured += 1
        found = self.advisor.readiness_of({**self.answers, **dict(moves)})
        self._seen[key] = found
        return found

    def valid(self, moves: tuple[tuple[str, Any], ...]) -> bool:
        """Whether the changed profile passes the profile model's own checks: every move is a choice the
        catalog offers, so this is a guard, checked only for the paths offered."""
        changed = {**self.answers, **dict(moves)}
        try:
            profile_from_answers(
                {path: list(v) if isinstance(v, tuple) else v for path, v in changed.items()}, **self.identity
            )
        except ValueError:
            return False
        return True

    def cost(self, moves: tuple[tuple[str, Any], ...]) -> int:
        return sum(ANSWER_COST if path not in self.answers else CHANGE_COST for path, _ in moves)


def _reaches(readiness: Readiness, target: Stage) -> bool:
    return _rank(readiness.stage) >= _rank(target)


def what_if(advisor: Advisor, profile: SchoolProfile) -> WhatIf:
    """The cheapest few minimal paths to the next stage up, or why there is none."""
    search = Search(advisor, profile)
    now = advisor.readiness(profile)
    if now.stage == STAGES[-1]:
        return WhatIf(stage=now.stage, target=None, paths=(), searched=0, note="Already at the top stage.")
    if now.stage == "undetermined":
        note = "Too little is answered to place the school yet: the plan's first items say what to find out."
        return WhatIf(stage=now.stage, target=None, paths=(), searched=0, note=note)
    target = STAGES[_rank(now.stage) + 1]
    values = _values(advisor.catalog)
    singles = [
        _Tried((move,), r) for move in _moves(search.answers, values) if (r := search.readiness((move,))) is not None
    ]
    found = [t.moves for t in singles if _reaches(t.readiness, target) and search.valid(t.moves)]
    promising = sorted(
        (t for t in singles if not _reaches(t.readiness, target)), key=lambda t: t.progress(), reverse=True
    )[:BEAM]
    for size in range(2, MAX_CHANGES + 1):
        if len(found) >= MAX_PATHS:
            break
        for group in combinations(promising, size):
            moves = tuple(m for t in group for m in t.moves)
            if len({path for path, _ in moves}) < size or any(set(f) <= set(moves) for f in found):
                continue
            reached = search.readiness(moves)
            if reached is None and search.measured >= BUDGET:
                break
            if (
                reached is not None
                and _reaches(reached, target)
                and _minimal(search, moves, target)
                and search.valid(moves)
            ):
                found.append(moves)
    ranked = sorted(
        (_path(search, moves, target) for moves in found),
        key=lambda p: (p.cost, -_rank(p.stage), -(p.score or 0)),
    )
    # One path per set of questions: the same changes with another of the choices that also work say nothing new.
    distinct = {frozenset(c.field for c in p.changes): p for p in reversed(ranked)}
    paths = sorted(distinct.values(), key=ranked.index)[:MAX_PATHS]
    note = (
        ""
        if paths
        else f"No set of up to {MAX_CHANGES} answer changes reaches {target} within this search "
        f"({search.measured} profiles tried)."
    )
    return WhatIf(stage=now.stage, target=target, paths=tuple(paths), searched=search.measured, note=note)


def _minimal(search: Search, moves: tuple[tuple[str, Any], ...], target: Stage) -> bool:
    for i in range(len(moves)):
        fewer = moves[:i] + moves[i + 1 :]
        reached = search.readiness(fewer)
        if reached is None or _reaches(reached, target):
            return False
    return True


def _path(search: Search, moves: tuple[tuple[str, Any], ...], target: Stage) -> WhatIfPath:
    reached = search.readiness(moves)
    assert reached is not None  # measured when found
    fields = profile_fields()
    changes = tuple(Change(field=path, before=search.answers.get(path), after=value) for path, value in moves)
    said = "; ".join(_sentence(fields[c.field], c) for c in changes)
    return WhatIfPath(
        changes=changes,
        stage=reached.stage,
        score=reached.score,
        cost=search.cost(moves),
        summary=f"{said}. Reaches {reached.stage}.",
    )


def _words(info: ProfileField, value: Any) -> str:
    if info.kind == "choices":
        return ", ".join(label(v) for v in value) if value else "none"
    return label(value) if info.kind == "choice" else spoken(value)


def _sentence(info: ProfileField, change: Change) -> str:
    """``Vision: written why from no to yes``, or ``Vision: written why, yes`` for an open question answered:
    the section and the answer's name, as the plan's evidence names them."""
    name = f"{section_title(info.area)}: {info.path.partition('.')[2].replace('_', ' ')}"
    after = _words(info, change.after)
    if change.before is None:
        return f"{name}, {after}"
    return f"{name} from {_words(info, change.before)} to {after}"
