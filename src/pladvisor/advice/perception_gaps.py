"""Where roles see one school differently: each perception gap, in words a principal reads, ranked by what it puts
at stake (a foundation, then any rule, then nothing), how many disagree and how much the question weighs; and
the leaders' answers that would earn a strength most of a surveyed role contradicts, left open until they agree.
Gaps with words of their own are declared in ``rules/respondents/gaps.yaml``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median_low
from typing import Any

from msgspec.structs import replace

from pladvisor.domain.assessment import Assessment, Source
from pladvisor.domain.fields import label, profile_fields, profile_from_answers
from pladvisor.domain.respondents import ATTRIBUTED, GapRule, PerceptionGap, Role
from pladvisor.domain.rules import PRIORITY_WEIGHT
from pladvisor.engine.respondents import AUDIENCE_ITEM, GAP_PLACEHOLDER

from .advisor import Advisor, spoken
from .combined_answers import FieldAnswers, Side, most_common

GENERIC_GAP = "perception-gap"
WIDESPREAD = frozenset({"many_classrooms", "schoolwide"})
"""Breadth answers that claim a practice is common: a respondent answering no for themselves disagrees."""
GENERIC_STEPS = (
    "Show staff both groups' answers and ask each what it sees; settle the answer together before planning on it.",
    "Ask the same question again after the next change, to see whether the views have met.",
)


@dataclass(frozen=True)
class _Disagreement:
    """Where a second role departs from a first role's answer to one field."""

    off: list[Any]
    """The second role's answers that differ from the first's answer."""
    words: str
    """The second role's answer, in words."""
    other: Any
    """The school's answer on the second role's word: what its verdicts would be judged on."""


@dataclass(frozen=True)
class Contest:
    """A leaders' answer that earns a strength most of a surveyed role contradicts."""

    role: Role
    against: int
    """Respondents of the role whose own answer would not earn the strength."""
    respondents: int
    strengths: tuple[str, ...]
    """The titles of the strengths not claimed."""

    def not_claimed(self) -> str:
        quoted = " and ".join(f"“{title}”" for title in self.strengths)
        what = "a strength" if len(self.strengths) == 1 else "strengths"
        return f"Until they agree, {quoted} {'is' if len(self.strengths) == 1 else 'are'} not counted as {what}."


FOUNDATION_CHANGE, RULE_CHANGE, NO_CHANGE = 0, 1, 2
"""What a disagreement puts at stake, most first: whether a foundation is met, whether any rule fires, nothing."""


class Verdicts:
    """The advisor's verdicts on the school's combined answers with one answer changed, each assessed once:
    what hangs on a disagreement, and which strengths an answer earns."""

    def __init__(self, advisor: Advisor, values: dict[str, Any]) -> None:
        self._advisor = advisor
        self._values = values
        self._assessed: dict[tuple[str, Any], Assessment] = {}

    def assessed(self, path: str, value: Any) -> Assessment:
        key = (path, tuple(value) if isinstance(value, list) else value)
        if key not in self._assessed:
            answer = list(value) if isinstance(value, tuple) else value
            self._assessed[key] = self._advisor.assess(profile_from_answers({**self._values, path: answer}))
        return self._assessed[key]

    def strengths(self, path: str, value: Any) -> set[str]:
        return {strength.rule_id for strength in self.assessed(path, value).strengths}

    def change(self, path: str, one: Any, other: Any) -> int:
        """What changes between the school answering ``one`` and ``other`` to ``path``."""
        first, second = self.assessed(path, one), self.assessed(path, other)
        if _foundations(first) != _foundations(second):
            return FOUNDATION_CHANGE
        return RULE_CHANGE if _rules(first) != _rules(second) else NO_CHANGE


def _foundations(assessment: Assessment) -> dict[str, str]:
    return {foundation.id: foundation.status for foundation in assessment.readiness.foundations}


def _rules(assessment: Assessment) -> set[str]:
    """Every rule the assessment says fired: its gaps (those held back too), strengths and answers to check."""
    fired = {item.rule_id for item in assessment.recommendations if item.kind == "gap"}
    fired |= {strength.rule_id for strength in assessment.strengths}
    for check in assessment.check_answers:
        fired |= {check.rule_id, *check.withheld}
    return fired


class GapFinder:
    """Finds where roles see one school differently, with one catalog's advisor and declarations: the gaps,
    ranked, and the leaders' answers most of a surveyed role contradicts."""

    def __init__(self, advisor: Advisor, answers: FieldAnswers) -> None:
        self.advisor = advisor
        self.respondents = answers.respondents
        self._shown = answers.shown
        self._plural = answers.plural
        catalog = advisor.catalog
        self._weight: dict[str, int] = {}
        self._sources: dict[str, tuple[Source, ...]] = {}
        for path in profile_fields():
            readers = [c.rule for c in catalog.rules if path in c.paths]
            self._weight[path] = max((PRIORITY_WEIGHT[rule.priority] for rule in readers), default=1)
            cited = dict.fromkeys(point for rule in readers for point in rule.cites)
            self._sources[path] = tuple(self._source(point) for point in cited)
        self._gap_rules = {(gap.field, gap.between): gap for gap in self.respondents.gaps}

    def _source(self, point: str) -> Source:
        info = self.advisor.catalog.points[point]
        return Source(point=point, title=info.title, file=info.source)

    def _disagreeing(self, path: str, first: Side, second: Side) -> _Disagreement | None:
        """The second role's answers that differ from the first's answer, the second's answer in words, and the
        answer the school would give on their word."""
        anchor: Any = first.answer
        if anchor is None or not second.values:
            return None
        spec = self.respondents.fields[path]
        options = profile_fields()[path].options
        if spec.combine == "breadth" and second.kind == "bool":
            # The first's answer is on the scale: a leader's own, or a share of yes answers placed on it.
            claimed = anchor in WIDESPREAD
            return _Disagreement([v for v in second.values if v != claimed], spoken(not claimed), second.answer)
        if spec.combine == "audience" and first.kind != "bool" and second.kind == "bool":
            item = AUDIENCE_ITEM[second.role]
            named = item in (anchor or ())
            off = [v for v in second.values if v != named]
            return _Disagreement(off, spoken(not named), _toggled(anchor, item, options))
        if first.kind != second.kind:
            return None
        if second.kind == "int":
            off = [v for v in second.values if abs(v - anchor) > max(1, abs(anchor) / 2)]
            return _Disagreement(off, spoken(median_low(off)) if off else "", median_low(off) if off else None)
        if second.kind == "choices":
            worst = _Disagreement([], "", None)
            for option in options:
                listed = option in anchor
                off = [v for v in second.values if (option in v) != listed]
                if len(off) > len(worst.off):
                    words = f"{'leave out' if listed else 'name'} {label(option)}"
                    worst = _Disagreement(off, words, _toggled(anchor, option, options))
            return worst
        off = [v for v in second.values if v != anchor]
        common = most_common(off)
        other = off[0] if common is None and off else common
        return _Disagreement(off, spoken(other), other)

    def _first_answer(self, path: str, first: Side) -> str:
        """The first role's answer in words; a group answering yes or no for itself on a school's scale is quoted
        as its count, since its place on the scale is the combination, not what anyone said."""
        if first.kind == "bool" and self.respondents.fields[path].combine == "breadth":
            return f"yes in {sum(first.values)} of {len(first.values)}"
        return spoken(list(first.answer) if isinstance(first.answer, tuple) else first.answer)

    def _generic_why(self, path: str, first: Side, second: Side, disagreement: _Disagreement) -> str:
        """The gap in words: each group's answer to the question it was asked (the counts first where a group
        answered yes or no for itself), so that a principal reads at once who said what."""
        info = profile_fields()[path]
        name = path.partition(".")[2]
        asked = self.respondents.fields[path].asked
        first_question = _without_hint(asked.get(first.role) or info.question)
        second_question = _without_hint(asked.get(second.role) or info.question)
        if first.kind == "bool" and self.respondents.fields[path].combine == "breadth":
            claimed = first.answer in WIDESPREAD
            said = sum(1 for value in first.values if value == claimed)
            group = f"{said} of {len(first.values)} {self._plural(first.role, len(first.values))}"
            subject, inner, answer = group, group, spoken(claimed)
        else:
            title = self.respondents.roles[first.role].title
            subject, inner, answer = title, title.lower(), self._first_answer(path, first)
        second_says = f"{len(disagreement.off)} of {len(second.values)} {self._plural(second.role, len(second.values))}"
        second_says += f" {_otherwise(second.kind, disagreement)}"
        if first_question == second_question:
            return f"{_capital(_asked(first_question, name))}, {inner} answer {answer}; {second_says}."
        return f"{subject} answer {answer} {_to(first_question, name)}; {_asked(second_question, name)}, {second_says}."

    def gaps(
        self, sides: dict[str, dict[Role, Side]], verdicts: Verdicts, contested: dict[str, Contest]
    ) -> tuple[list[PerceptionGap], dict[str, list[float]]]:
        """The gaps, those that change a verdict first (a foundation before any other rule), then by how many
        disagree and how much the question weighs. A gap on which a strength was not claimed always shows."""
        found: list[tuple[tuple[int, float, int, int], PerceptionGap]] = []
        compared: dict[str, list[float]] = {}
        order = {path: i for i, path in enumerate(profile_fields())}
        for path, by_role in sides.items():
            pairs: list[tuple[Role, Role]] = (
                [("leader", role) for role in by_role if role != "leader"] if "leader" in by_role else []
            )
            if "teacher" in by_role and "student" in by_role and self.respondents.fields[path].combine != "audience":
                # Not on a definition's audience: there each group says whether it knows the definition itself.
                pairs.append(("teacher", "student"))
            pairs += [between for field, between in self._gap_rules if field == path]
            for first_role, second_role in dict.fromkeys(pairs):
                first, second = by_role.get(first_role), by_role.get(second_role)
                if first is None or second is None:
                    continue
                if not self._shown(first_role, len(first.values)) or not self._shown(second_role, len(second.values)):
                    continue
                disagreement = self._disagreeing(path, first, second)
                if disagreement is None:
                    continue
                share = len(disagreement.off) / len(second.values)
                compared.setdefault(profile_fields()[path].area, []).append(share)
                rule = self._gap_rules.get((path, (first_role, second_role)))
                threshold = rule.threshold if rule else self.respondents.generic_threshold
                contest = contested.get(path)
                unclaimed = contest if contest and (first_role, second_role) == ("leader", contest.role) else None
                if share < threshold and unclaimed is None:
                    continue
                gap = self._gap(path, rule, first, second, disagreement, share, unclaimed)
                change = verdicts.change(path, first.answer, disagreement.other)
                found.append(((change, -share * self._weight[path], 0 if rule else 1, order[path]), gap))
        found.sort(key=lambda pair: pair[0])
        ranked = [replace(gap, rank=rank) for rank, (_, gap) in enumerate(found, start=1)]
        return ranked, compared

    def _gap(
        self,
        path: str,
        rule: GapRule | None,
        first: Side,
        second: Side,
        disagreement: _Disagreement,
        share: float,
        unclaimed: Contest | None,
    ) -> PerceptionGap:
        info = profile_fields()[path]
        words = {
            "first": self.respondents.roles[first.role].title.lower(),  # a group: "leaders answer", even if one
            "second": self._plural(second.role, len(second.values)),
            "first_answer": self._first_answer(path, first),
            "second_answer": disagreement.words,
            "second_count": str(len(disagreement.off)),
            "second_respondents": str(len(second.values)),
        }
        if rule is not None:
            why = GAP_PLACEHOLDER.sub(lambda m: words[m.group(1)], rule.why)
            title, steps, basis = rule.title, tuple(rule.steps), rule.basis
            sources = tuple(self._source(point) for point in rule.cites)
        elif self.respondents.fields[path].combine == "audience" and second.kind == "bool":
            listed = first.answer if isinstance(first.answer, tuple) else ()
            named = AUDIENCE_ITEM.get(second.role) in listed
            knows = "do not know" if named else "know"
            why = (
                f"{self.respondents.roles[first.role].title} {'list' if named else 'do not list'} {words['second']} "
                f"among those who share the definition of personalized learning; {words['second_count']} of "
                f"{words['second_respondents']} {words['second']} answer that they {knows} what it means at the school."
            )
            title = (
                f"{self.respondents.roles[first.role].title} and {words['second']} differ on who shares the definition"
            )
            steps, basis, sources = GENERIC_STEPS, "practice", self._sources[path]
        else:
            section, _, name = path.partition(".")
            why = self._generic_why(path, first, second, disagreement)
            title = (
                f"{self.respondents.roles[first.role].title} and {words['second']} answer differently about "
                f"{label(section)}: {label(name)}"
            )
            steps, basis, sources = GENERIC_STEPS, "practice", self._sources[path]
        if unclaimed is not None:
            why = f"{why} {unclaimed.not_claimed()}"
        options = info.options
        return PerceptionGap(
            rank=1,
            gap_id=rule.id if rule else GENERIC_GAP,
            field=path,
            area=info.area,
            first_role=first.role,
            second_role=second.role,
            disagreement=round(share, 3),
            basis=basis,
            title=title,
            why=why,
            next_steps=steps,
            sources=sources,
            sides=(first.view(options), second.view(options)),
        )

    # --- leaders' answers most of a surveyed role contradicts -------------------------------------------------

    def contested(self, values: dict[str, Any], sides: dict[str, dict[Role, Side]]) -> dict[str, Contest]:
        """The leaders' answers that earn a strength which most of a surveyed role, shown by role, contradicts:
        each such answer stays open, so the strength is not claimed on the leaders' word alone and the
        disagreement shows as the perception gap it is. A gap the leaders' answer shows stays shown (it is
        denied only as far as the answers show)."""
        verdicts = Verdicts(self.advisor, values)
        contested: dict[str, Contest] = {}
        for path, by_role in sides.items():
            if path not in values or not set(self.respondents.fields[path].counted) <= ATTRIBUTED:
                continue
            claimed = verdicts.strengths(path, values[path])
            resting = [rule_id for rule_id in claimed if path in self.advisor.catalog.by_id[rule_id].paths]
            for role, side in by_role.items():
                if role in ATTRIBUTED or not self._shown(role, len(side.values)) or not resting:
                    continue
                earned = {value: verdicts.strengths(path, value) for value in side.values}
                lost = [
                    rule_id
                    for rule_id in resting
                    if 2 * sum(rule_id not in earned[value] for value in side.values) > len(side.values)
                ]
                if lost:
                    against = sum(not set(lost) <= earned[value] for value in side.values)
                    titles = tuple(self.advisor.catalog.by_id[rule_id].rule.title for rule_id in sorted(lost))
                    contested[path] = Contest(role, against, len(side.values), titles)
                    break
        return contested

    def left_open(self, contest: Contest, leaders: Any) -> str:
        return (
            f"Leaders answer {spoken(leaders)}, but {contest.against} of {contest.respondents} "
            f"{self._plural(contest.role, contest.respondents)} answer otherwise, so the question stays open until "
            "they agree."
        )


def _toggled(items: Sequence[str] | None, item: str, options: Sequence[str] | None = None) -> tuple[str, ...]:
    """A list answer with ``item`` taken out when it is in, put in when it is not (in ``options`` order)."""
    listed = tuple(items or ())
    if item in listed:
        return tuple(i for i in listed if i != item)
    return tuple(o for o in (options or (*listed, item)) if o in listed or o == item)


def _asked(question: str, name: str) -> str:
    """How a sentence names the question: quoted when it is one; a number's description ("Days of ... per
    year.") is named, not quoted."""
    return f"asked “{question}”" if question.endswith("?") else f"on {label(name)}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _to(question: str, name: str) -> str:
    return f"to “{question}”" if question.endswith("?") else f"on {label(name)}"


def _otherwise(kind: str, disagreement: _Disagreement) -> str:
    """What the second group answers: their own words for a list, else their answer, or the most common of
    theirs (a number's median) when they do not all give one answer."""
    if kind == "choices":
        return disagreement.words
    if kind == "int":
        return f"answer otherwise (median: {disagreement.words})"
    if len(set(disagreement.off)) == 1:
        return f"answer {disagreement.words}"
    return f"answer otherwise (most often: {disagreement.words})"


def _without_hint(question: str) -> str:
    """A question without its closing hint for forms ("(an empty list: none)"), to quote it in a sentence."""
    if question.endswith(")") and " (" in question:
        return question[: question.rindex(" (")].rstrip()
    return question
