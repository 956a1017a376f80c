"""Several respondents' answers into one school's: the combined profile and its assessment, how each answer
was reached, where roles see the school differently, where teachers are in the shift, and agreement by area.

Every rule of combination is declared in ``rules/respondents/roles.yaml``; every gap with words of its own
in ``gaps.yaml``. The anonymity floor is applied here, once: below it a role's answers count toward the
school's but are never reported by role, nor in a count pooled with another role's, and respondent ids are
never echoed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median_low
from typing import Annotated, Any, Literal, Union

from msgspec.structs import replace
from pydantic import Field, create_model
from pydantic.fields import FieldInfo

from pladvisor.domain.assessment import AnswerValue, Assessment, Confidence, Source
from pladvisor.domain.base import Model
from pladvisor.domain.fields import areas, label, profile_fields, profile_from_answers, section_models
from pladvisor.domain.problems import FieldError
from pladvisor.domain.profile import MAX_TEXT, SchoolProfile
from pladvisor.domain.respondents import (
    ATTRIBUTED,
    MAX_RESPONSES,
    ROLES,
    AreaAgreement,
    CombinedAssessment,
    CombinedField,
    CombinedRequest,
    CombineRule,
    GapRule,
    PerceptionGap,
    Response,
    Role,
    RoleAnswers,
    RoleCount,
    StageCount,
    TeacherStage,
    TeacherStages,
    ValueCount,
)
from pladvisor.domain.rules import PRIORITY_WEIGHT
from pladvisor.engine.respondents import AUDIENCE_ITEM, GAP_PLACEHOLDER, Respondents, answer_problem

from .advisor import Advisor, spoken

GENERIC_GAP = "perception-gap"
WIDESPREAD = frozenset({"many_classrooms", "schoolwide"})
"""Breadth answers that claim a practice is common: a respondent answering no for themselves disagrees."""
GENERIC_STEPS = (
    "Show staff both groups' answers and ask each what it sees; settle the answer together before planning on it.",
    "Ask the same question again after the next change, to see whether the views have met.",
)


class CombineError(ValueError):
    """Responses that cannot be combined, with every field at fault (the first few reported)."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(f"{len(errors)} invalid answers")
        self.errors = errors


Answers = dict[str, dict[Role, list[Any]]]
"""Every answer to each field, by role; a list answer as a tuple."""


def check_responses(request: CombinedRequest, respondents: Respondents) -> list[FieldError]:
    """What is wrong with the responses beyond their shape: a question a role is not asked, an answer of the
    wrong kind. (``request_model`` refuses the same things; this holds for a request built directly.)"""
    fields = profile_fields()
    errors: list[FieldError] = []
    for index, response in enumerate(request.responses):
        where = f"responses.{index}"
        for section, answers in response.answers.items():
            for name, value in answers.items():
                path = f"{section}.{name}"
                at = f"{where}.answers.{path}"
                if path not in fields:
                    errors.append(FieldError(field=at, message="not a question of the profile"))
                elif response.role not in respondents.fields[path].asked:
                    who = respondents.roles[response.role].title.lower()
                    errors.append(FieldError(field=at, message=f"{who} are not asked this question"))
                else:
                    problem = answer_problem(respondents.answer_kind(path, response.role), fields[path], value)
                    if problem:
                        errors.append(FieldError(field=at, message=problem))
    return errors


def _tally(responses: Sequence[Response]) -> Answers:
    tally: Answers = {}
    for response in responses:
        for section, answers in response.answers.items():
            for name, value in answers.items():
                tally.setdefault(f"{section}.{name}", {}).setdefault(response.role, []).append(
                    tuple(value) if isinstance(value, list) else value
                )
    return tally


def _most_common(values: Sequence[Any]) -> Any:
    """The most common answer; None when two answers tie for it."""
    ranked = Counter(values).most_common(2)
    if not ranked or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


def _items(values: Sequence[tuple[str, ...]], options: Sequence[str]) -> tuple[str, ...]:
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
class _Side:
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
class _Contest:
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


class _Verdicts:
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


class Combiner:
    """Combines one school's responses with one catalog's declarations and advisor."""

    def __init__(self, advisor: Advisor, respondents: Respondents, minimum_group: int) -> None:
        self.advisor = advisor
        self.respondents = respondents
        self.minimum_group = minimum_group
        catalog = advisor.catalog
        self._weight: dict[str, int] = {}
        self._sources: dict[str, tuple[Source, ...]] = {}
        for path in profile_fields():
            readers = [c.rule for c in catalog.rules if path in c.paths]
            self._weight[path] = max((PRIORITY_WEIGHT[rule.priority] for rule in readers), default=1)
            cited = dict.fromkeys(point for rule in readers for point in rule.cites)
            self._sources[path] = tuple(self._source(point) for point in cited)
        self._gap_rules = {(gap.field, gap.between): gap for gap in respondents.gaps}

    def _source(self, point: str) -> Source:
        info = self.advisor.catalog.points[point]
        return Source(point=point, title=info.title, file=info.source)

    def _shown(self, role: Role, count: int) -> bool:
        return role in ATTRIBUTED or count >= self.minimum_group

    def _plural(self, role: Role, count: int) -> str:
        """The role as a noun agreeing with ``count`` (1 teacher, 3 teachers)."""
        return role if count == 1 else self.respondents.roles[role].title.lower()

    # --- one role's answer, and the school's ------------------------------------------------------------------

    def _side(self, path: str, role: Role, values: list[Any]) -> _Side:
        kind = self.respondents.answer_kind(path, role)
        info = profile_fields()[path]
        answer: Any
        if kind == "int":
            answer = median_low(values)
        elif kind == "choices":
            answer = _items(values, info.options)
        elif kind == "bool" and self.respondents.fields[path].combine == "breadth":
            answer = self._band(sum(values), len(values))
        else:
            answer = _most_common(values)
        return _Side(role, kind, values, answer)

    def _band(self, yes: int, total: int) -> str:
        share = yes / total
        return next(band.answer for band in self.respondents.bands if share < band.below)

    def _combine(self, path: str, by_role: dict[Role, list[Any]]) -> tuple[CombineRule, Any, int, str]:
        """The school's answer to ``path``: the rule, the value (None when open), respondents counted, and how."""
        spec = self.respondents.fields[path]
        info = profile_fields()[path]
        counted = [role for role in spec.counted if by_role.get(role)]
        pooled = [value for role in counted for value in by_role[role]]
        n = len(pooled)
        who = " and ".join(f"{len(by_role[role])} {self._plural(role, len(by_role[role]))}" for role in counted)
        # A count pooled with a role under the floor could be differenced against the other roles' shown counts.
        hidden = any(not self._shown(role, len(by_role[role])) for role in counted)
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
            items = _items(pooled, info.options)
            how = f"The answer of {who}" if n == 1 else f"Named by more than half of {who}"
            return ("items", list(items), n, f"{how}: {spoken(list(items))}.")
        value = _most_common(pooled)
        if value is None:
            return ("most_common", None, n, f"The answers of {who} are split evenly, so the question stays open.")
        if n == 1:
            return ("most_common", value, n, f"The answer of {who}: {spoken(value)}.")
        share = "" if hidden else f" ({pooled.count(value)} of {n})"
        return ("most_common", value, n, f"The most common answer of {who}: {spoken(value)}{share}.")

    def _audience(self, path: str, by_role: dict[Role, list[Any]]) -> tuple[CombineRule, Any, int, str]:
        spec = self.respondents.fields[path]
        options = profile_fields()[path].options
        leaders = _items(by_role.get("leader", []), options) if by_role.get("leader") else None
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

    # --- perception gaps ----------------------------------------------------------------------------------------

    def _disagreeing(self, path: str, first: _Side, second: _Side) -> _Disagreement | None:
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
        common = _most_common(off)
        other = off[0] if common is None and off else common
        return _Disagreement(off, spoken(other), other)

    def _first_answer(self, path: str, first: _Side) -> str:
        """The first role's answer in words; a group answering yes or no for itself on a school's scale is quoted
        as its count, since its place on the scale is the combination, not what anyone said."""
        if first.kind == "bool" and self.respondents.fields[path].combine == "breadth":
            return f"yes in {sum(first.values)} of {len(first.values)}"
        return spoken(list(first.answer) if isinstance(first.answer, tuple) else first.answer)

    def _generic_why(self, path: str, first: _Side, second: _Side, disagreement: _Disagreement) -> str:
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

    def _gaps(
        self, sides: dict[str, dict[Role, _Side]], verdicts: _Verdicts, contested: dict[str, _Contest]
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
        first: _Side,
        second: _Side,
        disagreement: _Disagreement,
        share: float,
        unclaimed: _Contest | None,
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

    def _contested(self, values: dict[str, Any], sides: dict[str, dict[Role, _Side]]) -> dict[str, _Contest]:
        """The leaders' answers that earn a strength which most of a surveyed role, shown by role, contradicts:
        each such answer stays open, so the strength is not claimed on the leaders' word alone and the
        disagreement shows as the perception gap it is. A gap the leaders' answer shows stays shown (it is
        denied only as far as the answers show)."""
        verdicts = _Verdicts(self.advisor, values)
        contested: dict[str, _Contest] = {}
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
                    contested[path] = _Contest(role, against, len(side.values), titles)
                    break
        return contested

    def _left_open(self, contest: _Contest, leaders: Any) -> str:
        return (
            f"Leaders answer {spoken(leaders)}, but {contest.against} of {contest.respondents} "
            f"{self._plural(contest.role, contest.respondents)} answer otherwise, so the question stays open until "
            "they agree."
        )

    # --- the whole answer ---------------------------------------------------------------------------------------

    def combine(self, request: CombinedRequest) -> CombinedAssessment:
        """The combined assessment; raises ``CombineError`` naming each answer that cannot be combined."""
        return self.combine_with_profile(request)[0]

    def combine_with_profile(self, request: CombinedRequest) -> tuple[CombinedAssessment, SchoolProfile]:
        """The combined assessment and the combined profile it assesses (what storing keeps for progress)."""
        errors = check_responses(request, self.respondents)
        if errors:
            raise CombineError(errors)
        tally = _tally(request.responses)
        fields = profile_fields()
        sides: dict[str, dict[Role, _Side]] = {
            path: {role: self._side(path, role, values) for role, values in by_role.items()}
            for path, by_role in tally.items()
        }
        reached = {path: self._combine(path, tally[path]) for path in fields if path in tally}
        values = {path: value for path, (_, value, _, _) in reached.items() if value is not None}
        contested = self._contested(values, sides)
        values = {path: value for path, value in values.items() if path not in contested}
        combined: list[CombinedField] = []
        counted: dict[str, tuple[int, bool]] = {}
        for path, (rule, value, n, how) in reached.items():
            spec = self.respondents.fields[path]
            counted[path] = (n, set(spec.counted) <= ATTRIBUTED)
            shown = tuple(
                side.view(fields[path].options)
                for role, side in sides[path].items()
                if self._shown(role, len(side.values))
            )
            contest = contested.get(path)
            combined.append(
                CombinedField(
                    field=path,
                    rule=rule,
                    combined_from=tuple(spec.counted),
                    value=None if contest else tuple(value) if isinstance(value, list) else value,
                    respondents=n,
                    explanation=how if contest is None else self._left_open(contest, value),
                    by_role=shown,
                )
            )
        profile = profile_from_answers(values, **_identity(request))
        gaps, compared = self._gaps(sides, _Verdicts(self.advisor, values), contested)
        stages = self._stages(request.responses)
        answer = CombinedAssessment(
            school_id=request.school_id,
            name=request.name,
            respondents=_role_counts(request.responses),
            minimum_group=self.minimum_group,
            assessment=self._support_by_stage(self.advisor.assess(profile), stages),
            combined=tuple(combined),
            perception_gaps=tuple(gaps),
            teacher_stages=stages,
            agreement=tuple(self._agreement(request.responses, counted, compared)),
        )
        return answer, profile

    def _support_by_stage(self, assessment: Assessment, stages: TeacherStages) -> Assessment:
        """Advice about bringing teachers in gets a step for each group of teachers at a stage: support for each
        group where they are, not one plan for all (M4, B2). Only from the anonymity floor up."""
        groups = tuple(
            f"{s.teachers} {'teacher' if s.teachers == 1 else 'teachers'} {s.title.lower()}: {s.support}"
            for s in stages.stages
            if s.teachers
        )
        if not stages.shown or not groups:
            return assessment
        informed = self.respondents.stages_inform
        plan = tuple(
            replace(item, next_steps=item.next_steps + groups)
            if item.kind == "gap" and item.rule_id in informed
            else item
            for item in assessment.recommendations
        )
        return replace(assessment, recommendations=plan)

    def _stages(self, responses: Sequence[Response]) -> TeacherStages:
        given = Counter(r.stage for r in responses if r.role == "teacher" and r.stage is not None)
        total = sum(given.values())
        shown = total >= self.minimum_group
        stages = tuple(
            StageCount(stage=stage.id, title=stage.title, teachers=given[stage.id], support=stage.support)
            for stage in self.respondents.stages
        )
        return TeacherStages(respondents=total, shown=shown, stages=stages if shown else ())

    def _agreement(
        self, responses: Sequence[Response], counted: dict[str, tuple[int, bool]], compared: dict[str, list[float]]
    ) -> list[AreaAgreement]:
        result = []
        for area in areas():
            answered = [r.role for r in responses if r.answers.get(area)]
            shares = compared.get(area, [])
            in_area = [value for path, value in counted.items() if path.partition(".")[0] == area]
            result.append(
                AreaAgreement(
                    area=area,
                    respondents=tuple(RoleCount(role=role, respondents=n) for role, n in Counter(answered).items()),
                    agreement=round(1 - sum(shares) / len(shares), 3) if shares else None,
                    compared=len(shares),
                    confidence=self._confidence(in_area),
                )
            )
        return result

    def _confidence(self, counts: list[tuple[int, bool]]) -> Confidence:
        """high: every answer counted from leaders or from at least twice the floor; medium: from the floor."""
        if not counts:
            return "low"
        if all(attributed or n >= 2 * self.minimum_group for n, attributed in counts):
            return "high"
        if all(attributed or n >= self.minimum_group for n, attributed in counts):
            return "medium"
        return "low"


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


def _identity(request: CombinedRequest) -> dict[str, str]:
    return {key: value for key in ("school_id", "name") if (value := getattr(request, key)) is not None}


def _role_counts(responses: Sequence[Response]) -> tuple[RoleCount, ...]:
    counts = Counter(r.role for r in responses)
    return tuple(RoleCount(role=role, respondents=n) for role, n in counts.items())


def request_model(respondents: Respondents) -> type[Model]:
    """The request body as a type per role, from the declarations: each role's response lists exactly the
    questions it is asked, in its own kind and words, so the API document says what each role may send and
    validation names a question a role is not asked. ``combine`` takes the generic ``CombinedRequest``
    (``as_combined_request``), which a library caller can build directly."""
    models = section_models()
    profile_info = {
        path: models[info.area].model_fields[path.partition(".")[2]] for path, info in profile_fields().items()
    }
    responses: list[Any] = []
    for role in ROLES:
        asked = respondents.asked_of(role)
        sections: dict[str, Any] = {}
        for area in areas():
            in_area = [path for path in asked if profile_fields()[path].area == area]
            if not in_area:
                continue
            members: dict[str, Any] = {}
            for path in in_area:
                wording = respondents.fields[path].asked[role]
                original = profile_info[path]
                if respondents.answer_kind(path, role) == "bool" and profile_fields()[path].kind != "bool":
                    members[path.partition(".")[2]] = (bool | None, Field(None, description=wording))
                else:
                    info = FieldInfo.merge_field_infos(original, description=wording or original.description)
                    members[path.partition(".")[2]] = (original.annotation, info)
            section = create_model(f"{_title(role)}{_title(area)}", __base__=Model, **members)
            sections[area] = (section | None, Field(None))
        answers = create_model(f"{_title(role)}Answers", __base__=Model, **sections)
        extra: dict[str, Any] = {}
        if role == "teacher":
            extra["stage"] = (TeacherStage | None, Field(None, description="Where the teacher is in the shift."))
        responses.append(
            create_model(
                f"{_title(role)}Response",
                __base__=Model,
                role=(Literal[role], Field(description=respondents.roles[role].description)),  # type: ignore[arg-type]
                respondent_id=(
                    str | None,
                    Field(
                        None, max_length=MAX_TEXT, description="For the caller's bookkeeping; never read nor echoed."
                    ),
                ),
                answers=(answers, Field(default_factory=answers)),
                **extra,
            )
        )
    one = Annotated[Union[tuple(responses)], Field(discriminator="role")]  # type: ignore[valid-type]  # noqa: UP007
    return create_model(
        "CombinedResponses",
        __base__=Model,
        school_id=(str | None, Field(None, max_length=MAX_TEXT, description="Echoed in the answer.")),
        name=(str | None, Field(None, max_length=MAX_TEXT, description="Echoed in the answer.")),
        responses=(list[one], Field(min_length=1, max_length=MAX_RESPONSES, description="One entry per respondent.")),  # type: ignore[valid-type]
    )


def as_combined_request(typed: Model, exclude: set[str] | None = None) -> CombinedRequest:
    """A request validated by ``request_model`` in the generic form ``Combiner.combine`` reads (``exclude``: members
    a route adds to the body, such as the day it describes)."""
    return CombinedRequest.model_validate(typed.model_dump(exclude_none=True, exclude=exclude), strict=True)


def _title(name: str) -> str:
    return "".join(part.title() for part in name.split("_"))
