"""Several respondents' answers into one school's: the combined profile and its assessment, how each answer
was reached, where roles see the school differently, where teachers are in the shift, and agreement by area.

Every rule of combination is declared in ``rules/respondents/roles.yaml``; every gap with words of its own
in ``gaps.yaml``. The anonymity floor is applied in one place (``FieldAnswers.shown``): below it a role's
answers count toward the school's but are never reported by role, nor in a count pooled with another role's,
and respondent ids are never echoed.

Each question's answer is reached in ``combined_answers``, the gaps are found in ``perception_gaps``, and what a
request must be is checked in ``combined_request``; this module puts them together.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from msgspec.structs import replace

from pladvisor.domain.assessment import Assessment, Confidence
from pladvisor.domain.fields import areas, profile_fields, profile_from_answers
from pladvisor.domain.profile import SchoolProfile
from pladvisor.domain.respondents import (
    ATTRIBUTED,
    AreaAgreement,
    CombinedAssessment,
    CombinedField,
    CombinedRequest,
    Response,
    Role,
    RoleCount,
    StageCount,
    TeacherStages,
)
from pladvisor.engine.respondents import Respondents

from .advisor import Advisor
from .combined_answers import FieldAnswers, Side, tally_answers
from .combined_request import CombineError, check_responses
from .perception_gaps import GapFinder, Verdicts


class Combiner:
    """Combines one school's responses with one catalog's declarations and advisor."""

    def __init__(self, advisor: Advisor, respondents: Respondents, minimum_group: int) -> None:
        self.advisor = advisor
        self.respondents = respondents
        self.minimum_group = minimum_group
        self._answers = FieldAnswers(respondents, minimum_group)
        self._gaps = GapFinder(advisor, self._answers)

    def combine(self, request: CombinedRequest) -> CombinedAssessment:
        """The combined assessment; raises ``CombineError`` naming each answer that cannot be combined."""
        return self.combine_with_profile(request)[0]

    def combine_with_profile(self, request: CombinedRequest) -> tuple[CombinedAssessment, SchoolProfile]:
        """The combined assessment and the combined profile it assesses (what storing keeps for progress)."""
        errors = check_responses(request, self.respondents)
        if errors:
            raise CombineError(errors)
        tally = tally_answers(request.responses)
        fields = profile_fields()
        sides: dict[str, dict[Role, Side]] = {
            path: {role: self._answers.side(path, role, values) for role, values in by_role.items()}
            for path, by_role in tally.items()
        }
        reached = {path: self._answers.school(path, tally[path]) for path in fields if path in tally}
        values = {path: value for path, (_, value, _, _) in reached.items() if value is not None}
        contested = self._gaps.contested(values, sides)
        values = {path: value for path, value in values.items() if path not in contested}
        combined: list[CombinedField] = []
        counted: dict[str, tuple[int, bool]] = {}
        for path, (rule, value, n, how) in reached.items():
            spec = self.respondents.fields[path]
            counted[path] = (n, set(spec.counted) <= ATTRIBUTED)
            shown = tuple(
                side.view(fields[path].options)
                for role, side in sides[path].items()
                if self._answers.shown(role, len(side.values))
            )
            contest = contested.get(path)
            combined.append(
                CombinedField(
                    field=path,
                    rule=rule,
                    combined_from=tuple(spec.counted),
                    value=None if contest else tuple(value) if isinstance(value, list) else value,
                    respondents=n,
                    explanation=how if contest is None else self._gaps.left_open(contest, value),
                    by_role=shown,
                )
            )
        profile = profile_from_answers(values, **_identity(request))
        gaps, compared = self._gaps.gaps(sides, Verdicts(self.advisor, values), contested)
        stages = self._stages(request.responses)
        answer = CombinedAssessment(
            school_id=request.school_id,
            name=request.name,
            respondents=_role_counts(request.responses),
            minimum_group=self.minimum_group,
            assessment=self.with_stage_support(self.advisor.assess(profile), stages),
            combined=tuple(combined),
            perception_gaps=tuple(gaps),
            teacher_stages=stages,
            agreement=tuple(self._agreement(request.responses, counted, compared)),
        )
        return answer, profile

    def with_stage_support(self, assessment: Assessment, stages: TeacherStages) -> Assessment:
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


def _identity(request: CombinedRequest) -> dict[str, str]:
    return {key: value for key in ("school_id", "name") if (value := getattr(request, key)) is not None}


def _role_counts(responses: Sequence[Response]) -> tuple[RoleCount, ...]:
    counts = Counter(r.role for r in responses)
    return tuple(RoleCount(role=role, respondents=n) for role, n in counts.items())
