"""What a change of the rule catalog changes for a set of schools: each school assessed once under the old
catalog and once under the new, and the two answers compared by stage and by plan item.

A plan item is a recommendation, known by its rule and its kind (gap, sustain or question); it *appears* when
only the new plan has it, *disappears* when only the old one has, and *moves* when both have it at different
ranks. A school changes when its stage changes or any of its items appears, disappears or moves.

The comparison keeps nothing of a school but the differences found and a few tallies, so the schools can be
fed one at a time from a file or a store of any size. It reads and writes no files: ``pladvisor catalog diff``
does that.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, get_args

import msgspec
from pydantic import ValidationError

from pladvisor.domain.assessment import Assessment, Stage
from pladvisor.domain.batch import ItemProblem
from pladvisor.domain.problems import FieldError, field_errors
from pladvisor.domain.profile import SchoolProfile

from .advisor import Advisor
from .batch import readable_school_id

STAGES: tuple[str, ...] = get_args(Stage)
"""The stages in the order a school goes through them."""


class Item(msgspec.Struct, frozen=True, gc=False):
    """A plan item at its rank in one of the two plans."""

    rule_id: str
    kind: str
    rank: int

    @property
    def label(self) -> str:
        """The rule, with its kind when the item is not a gap (a question or a strength to sustain)."""
        return self.rule_id if self.kind == "gap" else f"{self.rule_id} ({self.kind})"


class Move(msgspec.Struct, frozen=True, gc=False):
    """A plan item both plans have, at different ranks."""

    rule_id: str
    kind: str
    old_rank: int
    new_rank: int

    @property
    def label(self) -> str:
        name = self.rule_id if self.kind == "gap" else f"{self.rule_id} ({self.kind})"
        return f"{name} {self.old_rank}->{self.new_rank}"


class SchoolChange(msgspec.Struct, frozen=True, gc=False):
    """One school under both catalogs: its line (or position) in the input, identity, stages and item changes."""

    line: int
    school_id: str | None
    name: str | None
    old_stage: str
    new_stage: str
    appeared: tuple[Item, ...]
    """Items of the new plan only, at their new rank, in plan order."""
    disappeared: tuple[Item, ...]
    """Items of the old plan only, at their old rank, in plan order."""
    moved: tuple[Move, ...]
    """Items of both plans at different ranks, in the new plan's order."""

    @property
    def changes_stage(self) -> bool:
        return self.old_stage != self.new_stage

    @property
    def changes_plan(self) -> bool:
        return bool(self.appeared or self.disappeared or self.moved)

    @property
    def changed(self) -> bool:
        return self.changes_stage or self.changes_plan


def plan_ranks(assessment: Assessment) -> dict[tuple[str, str], int]:
    """Each plan item's rank by (rule, kind). A rule asked about by two questions counts once, at its first."""
    ranks: dict[tuple[str, str], int] = {}
    for item in assessment.recommendations:
        ranks.setdefault((item.rule_id, item.kind), item.rank)
    return ranks


def compare(
    line: int, old: Assessment, new: Assessment, school_id: str | None = None, name: str | None = None
) -> SchoolChange:
    """How ``new`` differs from ``old``, two assessments of one school; its identity is the assessment's unless
    given."""
    before, after = plan_ranks(old), plan_ranks(new)
    return SchoolChange(
        line=line,
        school_id=school_id if school_id is not None else new.school_id,
        name=name if name is not None else new.name,
        old_stage=old.readiness.stage,
        new_stage=new.readiness.stage,
        appeared=tuple(Item(*key, rank) for key, rank in after.items() if key not in before),
        disappeared=tuple(Item(*key, rank) for key, rank in before.items() if key not in after),
        moved=tuple(Move(*key, before[key], rank) for key, rank in after.items() if before.get(key, rank) != rank),
    )


class RuleEffect(msgspec.Struct, gc=False):
    """How many schools gain a plan item, lose it or see it move."""

    rule_id: str
    kind: str
    gained: int = 0
    lost: int = 0
    moved: int = 0

    @property
    def schools(self) -> int:
        """Schools affected: each is counted once, since an item is gained, lost or moved, never two of these."""
        return self.gained + self.lost + self.moved


class CatalogDiff:
    """Schools compared one at a time under two advisors, with the district-wide tallies kept as they go.

    Each profile is validated once and assessed once by each advisor; only the differences are kept.
    """

    def __init__(self, old: Advisor, new: Advisor) -> None:
        self.old = old
        self.new = new
        self.compared = 0
        self.failed = 0
        self.changed = 0
        self.stages: Counter[tuple[str, str]] = Counter()
        """Schools by (old stage, new stage), unchanged stages included."""
        self._effects: dict[tuple[str, str], RuleEffect] = {}

    def add(
        self, line: int, raw: Any, school_id: str | None = None, name: str | None = None
    ) -> SchoolChange | ItemProblem:
        """Compare one school given as raw answers (validated as ``score`` validates a row); a profile that is
        not valid is that row's problem, counted as failed."""
        try:
            profile = SchoolProfile.model_validate(raw, strict=True)
        except ValidationError as exc:
            self.failed += 1
            return ItemProblem(
                index=line,
                school_id=readable_school_id(raw),
                errors=tuple(field_errors(exc)),
                error_count=exc.error_count(),
            )
        return self.add_assessments(line, self.old.assess(profile), self.new.assess(profile), school_id, name)

    def add_assessments(
        self, line: int, old: Assessment, new: Assessment, school_id: str | None = None, name: str | None = None
    ) -> SchoolChange:
        """Count one school already assessed under both catalogs."""
        change = compare(line, old, new, school_id, name)
        self.compared += 1
        self.stages[change.old_stage, change.new_stage] += 1
        if change.changed:
            self.changed += 1
        for item in change.appeared:
            self._effect(item.rule_id, item.kind).gained += 1
        for item in change.disappeared:
            self._effect(item.rule_id, item.kind).lost += 1
        for move in change.moved:
            self._effect(move.rule_id, move.kind).moved += 1
        return change

    def unreadable(self, line: int, school_id: str | None, reason: str) -> ItemProblem:
        """Count a row that could not even be read as answers (not JSON, not UTF-8, cells missing)."""
        self.failed += 1
        return ItemProblem(
            index=line, school_id=school_id, errors=(FieldError(field="row", message=reason),), error_count=1
        )

    def _effect(self, rule_id: str, kind: str) -> RuleEffect:
        effect = self._effects.get((rule_id, kind))
        if effect is None:
            effect = self._effects[rule_id, kind] = RuleEffect(rule_id, kind)
        return effect

    @property
    def stage_changes(self) -> int:
        return sum(count for (old, new), count in self.stages.items() if old != new)

    def effects(self) -> list[RuleEffect]:
        """Every plan item some school gains, loses or sees move, most schools affected first."""
        return sorted(self._effects.values(), key=lambda e: (-e.schools, e.rule_id, e.kind))

    def transitions(self) -> tuple[list[str], list[str], dict[tuple[str, str], int]]:
        """The stage transition table: the old stages seen (rows), the new stages seen (columns), in the order
        of the stages, and the schools of each pair."""
        olds = [stage for stage in STAGES if any(old == stage for old, _ in self.stages)]
        news = [stage for stage in STAGES if any(new == stage for _, new in self.stages)]
        return olds, news, dict(self.stages)
