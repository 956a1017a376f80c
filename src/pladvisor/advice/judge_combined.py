"""Three promises of a combined assessment, checked on its real output, survey by survey.

- **gap ranking by verdict change**: a perception gap whose two answers lead to different verdicts (a
  foundation met or not, a rule fired or not) ranks above one whose answers pass the same rules, and a
  foundation above any other rule.
- **no leader-only strength over teachers**: no strength that rests on the leaders' answer alone is listed
  while most of a surveyed group, shown by role, answer in a way that would not earn it.
- **no mixed counts under the floor**: no printed count pools a surveyed role below the anonymity floor with
  another role, and no role below it is shown, so no two counts can be subtracted to find its answers.

``make judge`` totals :func:`combined_violations` over the surveys of :func:`random_surveys`; each total
must be 0. The checks re-derive what they need from the survey and the advisor's own assessments rather
than from the combining code, so that a regression there shows here.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Iterator
from functools import cache
from statistics import median_low
from typing import Any

from pladvisor.domain.assessment import Assessment
from pladvisor.domain.fields import profile_fields, profile_from_answers
from pladvisor.domain.profile import SchoolProfile
from pladvisor.domain.respondents import (
    ATTRIBUTED,
    DEFAULT_MINIMUM_GROUP,
    ROLES,
    CombinedAssessment,
    CombinedRequest,
    PerceptionGap,
    Role,
)
from pladvisor.engine.catalog import default_rules_dir, load_catalog
from pladvisor.engine.respondents import AUDIENCE_ITEM, Respondents, load_respondents

from .advisor import Advisor
from .answers import answers_of, fact_of
from .combine import Combiner

RANKING = "gap ranking by verdict change"
STRENGTHS = "no leader-only strength over teachers"
COUNTS = "no mixed counts under the floor"
PROPERTIES = (RANKING, STRENGTHS, COUNTS)
FLOOR = DEFAULT_MINIMUM_GROUP
"""The service's anonymity floor, as it is unless a deployment raises it."""
A_COUNT = re.compile(r"\b(\d+) of (\d+)\b")

Raw = dict[str, dict[Role, list[Any]]]
"""Every answer to each field, by role, as the survey gave it."""


@cache
def _declarations() -> Respondents:
    return load_respondents(default_rules_dir(), load_catalog(default_rules_dir()))


@cache
def _combiner(advisor: Advisor) -> Combiner:
    return Combiner(advisor, load_respondents(default_rules_dir(), advisor.catalog), FLOOR)


def combined_violations(advisor: Advisor, survey: CombinedRequest) -> dict[str, int]:
    """How often the combined assessment of ``survey`` breaks each promise (0 each, when it keeps them)."""
    combiner = _combiner(advisor)
    answer, profile = combiner.combine_with_profile(survey)
    raw = _raw(survey)
    judge = _Judge(advisor, combiner.respondents, profile, raw)
    return {
        RANKING: judge.misranked(answer.perception_gaps),
        STRENGTHS: judge.contradicted_strengths(answer.assessment),
        COUNTS: judge.mixed_counts(answer, survey),
    }


def _raw(survey: CombinedRequest) -> Raw:
    raw: Raw = {}
    for response in survey.responses:
        for section, answers in response.answers.items():
            for name, value in answers.items():
                raw.setdefault(f"{section}.{name}", {}).setdefault(response.role, []).append(value)
    return raw


class _Judge:
    """One survey's combined profile and raw answers, and the advisor's verdicts on variants of the profile."""

    def __init__(self, advisor: Advisor, respondents: Respondents, profile: SchoolProfile, raw: Raw) -> None:
        self.advisor = advisor
        self.respondents = respondents
        self.answers = answers_of(fact_of(profile))
        self.raw = raw
        self._assessed: dict[tuple[str, str], Assessment] = {}

    def assess(self, path: str, value: Any) -> Assessment:
        key = (path, repr(value))
        if key not in self._assessed:
            answer = list(value) if isinstance(value, tuple) else value
            self._assessed[key] = self.advisor.assess(profile_from_answers({**self.answers, path: answer}))
        return self._assessed[key]

    # --- gap ranking by verdict change ----------------------------------------------------------------------

    def misranked(self, gaps: tuple[PerceptionGap, ...]) -> int:
        """Pairs of gaps where one that changes less is ranked above one that changes more."""
        stakes = [self._stake(gap) for gap in gaps]
        return sum(1 for i, above in enumerate(stakes) for below in stakes[i + 1 :] if above > below)

    def _stake(self, gap: PerceptionGap) -> int:
        """0: a foundation's state depends on whose answer holds; 1: some rule's firing does; 2: nothing does."""
        one = self.assess(gap.field, gap.sides[0].answer)
        other = self.assess(gap.field, self._second_answer(gap))
        foundations = [{f.id: f.status for f in a.readiness.foundations} for a in (one, other)]
        if foundations[0] != foundations[1]:
            return 0
        return 1 if _verdicts(one) != _verdicts(other) else 2

    def _second_answer(self, gap: PerceptionGap) -> Any:
        """The school's answer on the word of the second group's members who answer otherwise."""
        first = gap.sides[0].answer
        values = self.raw[gap.field][gap.second_role]
        combine = self.respondents.fields[gap.field].combine
        options = profile_fields()[gap.field].options
        if combine == "breadth" and gap.second_role not in ATTRIBUTED:
            return gap.sides[1].answer
        if combine == "audience" and gap.second_role not in ATTRIBUTED:
            item, listed = AUDIENCE_ITEM[gap.second_role], first if isinstance(first, tuple) else ()
            return [o for o in options if (o in listed) != (o == item)]
        if isinstance(first, tuple):
            disagreeing = {o: sum((o in v) != (o in first) for v in values) for o in options}
            worst = max(options, key=lambda o: (disagreeing[o], -options.index(o)))
            return [o for o in options if (o in first) != (o == worst)]
        if isinstance(first, int) and not isinstance(first, bool):
            return median_low([v for v in values if abs(v - first) > max(1, abs(first) / 2)])
        return Counter(v for v in values if v != first).most_common(1)[0][0]

    # --- no leader-only strength over teachers ----------------------------------------------------------------

    def contradicted_strengths(self, assessment: Assessment) -> int:
        """Listed strengths resting on a leaders' answer that most of a group shown by role would not earn."""
        found = 0
        for strength in assessment.strengths:
            for path in self.advisor.catalog.by_id[strength.rule_id].paths:
                if path not in self.answers or not set(self.respondents.fields[path].counted) <= ATTRIBUTED:
                    continue
                for role, values in self.raw.get(path, {}).items():
                    if role in ATTRIBUTED or len(values) < FLOOR:
                        continue
                    against = sum(strength.rule_id not in _strengths(self.assess(path, v)) for v in values)
                    found += 2 * against > len(values)
        return found

    # --- no mixed counts under the floor ----------------------------------------------------------------------

    def mixed_counts(self, answer: CombinedAssessment, survey: CombinedRequest) -> int:
        """Counts that pool or show a role below the floor."""
        found = 0
        for field in answer.combined:
            present = {role: len(self.raw[field.field].get(role, [])) for role in field.combined_from}
            under = [r for r, n in present.items() if n and r not in ATTRIBUTED and n < FLOOR]
            found += bool(under) and bool(A_COUNT.search(field.explanation))
            found += sum(not self._shown_rightly(field.field, view.role, view.respondents) for view in field.by_role)
        for gap in answer.perception_gaps:
            found += sum(not self._shown_rightly(gap.field, side.role, side.respondents) for side in gap.sides)
            sizes = {len(self.raw[gap.field][gap.first_role]), len(self.raw[gap.field][gap.second_role])}
            found += sum(int(total) not in sizes for _, total in A_COUNT.findall(gap.why))
        stages = sum(1 for r in survey.responses if r.role == "teacher" and r.stage is not None)
        found += answer.teacher_stages.shown and stages < FLOOR
        return found

    def _shown_rightly(self, path: str, role: Role, respondents: int) -> bool:
        """A role shown on its own answers only, and only from the floor up (leaders always)."""
        answered = len(self.raw[path].get(role, []))
        return respondents == answered and (role in ATTRIBUTED or answered >= FLOOR)


def _strengths(assessment: Assessment) -> set[str]:
    return {strength.rule_id for strength in assessment.strengths}


def _verdicts(assessment: Assessment) -> set[str]:
    """The rules the assessment shows fired: gaps in the plan or held back, strengths, answers to check."""
    shown = {item.rule_id for item in assessment.recommendations if item.kind == "gap"} | _strengths(assessment)
    for check in assessment.check_answers:
        shown |= {check.rule_id, *check.withheld}
    return shown


# --- realistic random surveys ---------------------------------------------------------------------------------

GROUP_SIZES: dict[Role, tuple[int, ...]] = {
    "leader": (1, 1, 2),
    "teacher": (0, 3, 4, 5, 6, 10, 14),
    "coach": (0, 1, 2, 5),
    "student": (0, 3, 8, 20),
    "family": (0, 2, 6),
}
"""Respondents per role: sometimes none, often some under the anonymity floor."""


def random_surveys(seed: int, count: int) -> Iterator[CombinedRequest]:
    """``count`` surveys of one school each, the same for the same seed: each school has its own true state,
    and each respondent answers some of their questions, mostly in line with it and sometimes not."""
    rng = random.Random(seed)
    respondents = _declarations()
    for index in range(count):
        truth = {path: _value(rng, path, "leader", respondents) for path in respondents.fields}
        agreement = rng.choice((0.4, 0.6, 0.8, 0.95))
        responses: list[dict[str, Any]] = []
        for role in ROLES:
            asked = respondents.asked_of(role)
            for _ in range(rng.choice(GROUP_SIZES[role])):
                responses.append(_response(rng, role, asked, truth, agreement, respondents))
        if not responses:
            responses.append({"role": "leader", "answers": {}})
        yield CombinedRequest.model_validate({"school_id": f"school-{index}", "responses": responses}, strict=True)


def _response(
    rng: random.Random, role: Role, asked: list[str], truth: dict[str, Any], agreement: float, declared: Respondents
) -> dict[str, Any]:
    answers: dict[str, dict[str, Any]] = {}
    for path in asked:
        if rng.random() < 0.5:
            continue
        kind = declared.answer_kind(path, role)
        agrees = rng.random() < agreement and kind == profile_fields()[path].kind
        value = truth[path] if agrees else _value(rng, path, role, declared)
        section, _, name = path.partition(".")
        answers.setdefault(section, {})[name] = value
    response: dict[str, Any] = {"role": role, "answers": answers}
    if role == "teacher" and rng.random() < 0.8:
        response["stage"] = rng.choice(declared.stages).id
    return response


def _value(rng: random.Random, path: str, role: Role, declared: Respondents) -> Any:
    info = profile_fields()[path]
    kind = declared.answer_kind(path, role)
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "choice":
        return rng.choice(info.options)
    if kind == "choices":
        return [option for option in info.options if rng.random() < 0.4]
    low = info.minimum or 0
    high = min(info.maximum if info.maximum is not None else low + 60, low + 60)
    return rng.randint(low, high)
