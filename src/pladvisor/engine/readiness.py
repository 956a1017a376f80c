"""Readiness scores, confidence and follow-up questions, all derived from the catalog.

A rule can be *checked* when every field its condition reads was answered (or when it
fired anyway, as an ``$or`` can). A gap rule that was checked and did not fire, and a
strength rule that fired, are met. An area's score is the priority-weighted share of
its checked rules that are met, so an unanswered question never counts as a failure:
it only lowers the area's completeness and confidence.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Set
from dataclasses import dataclass
from typing import Any

from pladvisor.domain.assessment import Confidence, Stage
from pladvisor.domain.fields import profile_fields
from pladvisor.domain.rules import PRIORITY_WEIGHT

from .catalog import Catalog

MAX_FOLLOW_UPS = 5
STAGES: tuple[tuple[int, Stage], ...] = ((85, "sustaining"), (65, "implementing"), (40, "preparing"), (0, "exploring"))


def confidence(completeness: float) -> Confidence:
    if completeness >= 0.75:
        return "high"
    return "medium" if completeness >= 0.4 else "low"


def stage(score: int | None, has_critical_gap: bool) -> Stage:
    """Score bands; a school with a critical gap is at most preparing, whatever else it does well."""
    if score is None:
        return "undetermined"
    reached = next(name for floor, name in STAGES if score >= floor)
    if has_critical_gap and reached in ("implementing", "sustaining"):
        return "preparing"
    return reached


def _share(met: float, total: float) -> int | None:
    return round(100 * met / total) if total else None


@dataclass(frozen=True, slots=True)
class _Check:
    """What scoring needs of one rule, taken out of the catalog once."""

    rule_id: str
    area: str
    weight: int
    strength: bool
    critical: bool
    paths: frozenset[str]
    cites: tuple[str, ...]


class ReadinessModel:
    """Scores and follow-up questions for one catalog, with everything per-rule worked out in advance."""

    def __init__(self, catalog: Catalog) -> None:
        self._checks = [
            _Check(
                rule_id=c.rule.id,
                area=c.rule.area,
                weight=PRIORITY_WEIGHT[c.rule.priority],
                strength=c.rule.kind == "strength",
                critical=c.rule.kind == "gap" and c.rule.priority == "critical",
                paths=frozenset(c.paths),
                cites=tuple(c.rule.cites),
            )
            for c in catalog.rules
        ]
        fields = profile_fields()
        self._readers: dict[str, list[_Check]] = {}
        for check in self._checks:
            for path in sorted(check.paths):
                self._readers.setdefault(path, []).append(check)
        self._questions = {path: info.question for path, info in fields.items()}
        self._order = {path: i for i, path in enumerate(fields)}
        self._per_area = dict(Counter(info.area for info in fields.values()))

    def measure(self, answers: Mapping[str, Any], fired: Set[str]) -> dict[str, Any]:
        """The readiness of an answer, as input for the ``Readiness`` model (validated with the whole answer)."""
        met: dict[str, int] = dict.fromkeys(self._per_area, 0)
        checked = dict(met)
        critical_gap = False
        answered = answers.keys()
        for check in self._checks:
            did_fire = check.rule_id in fired
            if not did_fire and not check.paths <= answered:
                continue
            checked[check.area] += check.weight
            if did_fire == check.strength:
                met[check.area] += check.weight
            critical_gap = critical_gap or (did_fire and check.critical)

        answered_in = Counter(path.partition(".")[0] for path in answers)
        per_area = []
        for area, questions in self._per_area.items():
            completeness = round(answered_in[area] / questions, 3)
            per_area.append(
                {
                    "area": area,
                    "score": _share(met[area], checked[area]),
                    "answered": answered_in[area],
                    "questions": questions,
                    "completeness": completeness,
                    "confidence": confidence(completeness),
                }
            )
        overall = _share(sum(met.values()), sum(checked.values()))
        completeness = round(len(answers) / len(self._questions), 3)
        return {
            "score": overall,
            "stage": stage(overall, critical_gap),
            "completeness": completeness,
            "confidence": confidence(completeness),
            "areas": per_area,
        }

    def follow_ups(self, answers: Mapping[str, Any], fired: Set[str]) -> list[dict[str, Any]]:
        """Unanswered fields ranked by how much advice hangs on them (the weight of unfired rules reading them),
        as input for ``FollowUpQuestion`` models."""
        waiting: dict[str, list[_Check]] = {}
        for path, readers in self._readers.items():
            if path not in answers:
                unfired = [check for check in readers if check.rule_id not in fired]
                if unfired:
                    waiting[path] = unfired
        impact = {path: sum(check.weight for check in readers) for path, readers in waiting.items()}
        best = sorted(impact, key=lambda path: (-impact[path], self._order[path]))[:MAX_FOLLOW_UPS]
        return [
            {
                "field": path,
                "question": self._questions[path],
                "informs": list(dict.fromkeys(point for check in waiting[path] for point in check.cites)),
                "rules": [check.rule_id for check in waiting[path]],
            }
            for path in best
        ]
