"""A school's survey as it stands: whether a survey to open is sound, each role's response rate against its
roster, the combined answer of the roles that answered enough, the fields the team settles, and the consensus.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any

from msgspec.structs import replace

from pladvisor.domain.fields import profile_fields, profile_from_answers
from pladvisor.domain.problems import FieldError
from pladvisor.domain.profile import SchoolProfile
from pladvisor.domain.respondents import (
    ATTRIBUTED,
    CombinedAssessment,
    CombinedField,
    CombinedRequest,
    PerceptionGap,
    Response,
)
from pladvisor.domain.surveys import (
    LONGEST_SURVEY_DAYS,
    ConsensusOut,
    NewConsensus,
    NewSurvey,
    RoleRate,
    Settled,
    SurveyStatusName,
)
from pladvisor.engine.respondents import answer_problem

from .advisor import spoken
from .combine import Combiner
from .survey_catalog import SurveyCatalog
from .survey_links import Rostered


def check_new_survey(survey: NewSurvey, catalog: SurveyCatalog, today: date) -> list[FieldError]:
    """What is wrong with a survey to open beyond its shape: a closing day past or too far, a language without
    wording."""
    errors = []
    if survey.closes_on < today:
        errors.append(FieldError(field="closes_on", message="the last day to answer cannot be in the past"))
    elif survey.closes_on > today + timedelta(days=LONGEST_SURVEY_DAYS):
        errors.append(FieldError(field="closes_on", message=f"at most {LONGEST_SURVEY_DAYS} days from today"))
    known = ", ".join(catalog.languages)
    for index, code in enumerate(survey.languages):
        if code not in catalog.languages:
            errors.append(FieldError(field=f"languages.{index}", message=f"no wording in {code!r}; known: {known}"))
        elif code in survey.languages[:index]:
            errors.append(FieldError(field=f"languages.{index}", message="each language may appear only once"))
    return errors


class ConsensusError(ValueError):
    """A consensus that cannot be stored, with every field at fault."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(f"{len(errors)} invalid answers")
        self.errors = errors


@dataclass(frozen=True)
class Evaluation:
    """A survey's answers as they stand: each role's rate, the combined answer of the roles counted, and the gaps
    of the roles not counted."""

    rates: tuple[RoleRate, ...]
    combined: CombinedAssessment | None
    low_confidence_gaps: tuple[PerceptionGap, ...]
    disputed: tuple[str, ...]


def _percent(rate: Fraction) -> str:
    return f"{math.floor(rate * 100)}%"


class SurveyCounter:
    """Counts a survey's responses against its rosters, and combines them with the same ``Combiner`` as
    ``POST /v1/assessments/combined``."""

    def __init__(self, combiner: Combiner, catalog: SurveyCatalog) -> None:
        self.combiner = combiner
        self.catalog = catalog

    def _rate(self, roster: Rostered, responses: int) -> RoleRate:
        rate = Fraction(responses, roster.roster)
        threshold = self.catalog.thresholds[roster.role]
        counted = rate >= Fraction(str(threshold))
        shown = roster.role in ATTRIBUTED or responses >= self.combiner.minimum_group
        title = self.combiner.respondents.roles[roster.role].title.lower()
        answered = f"{responses} of {roster.roster} answered ({_percent(rate)})"
        if counted:
            note = f"Counted in the school's answer: {answered}, at or above the {_percent(Fraction(str(threshold)))}"
            note += f" from which {title} count."
        else:
            note = (
                f"Not counted in the school's answer: {answered}, below the {_percent(Fraction(str(threshold)))} from "
                f"which {title} count. Their perception gaps are shown apart, as low confidence."
            )
        if not shown:
            note += f" Fewer than {self.combiner.minimum_group} answered, so their answers are not shown by role."
        if roster.shared:
            note += " They answer through one shared link, so one person may have answered more than once."
        return RoleRate(
            role=roster.role,
            roster=roster.roster,
            shared_link=roster.shared,
            responses=responses,
            response_rate=float(rate),
            threshold=threshold,
            counted=counted,
            shown_by_role=shown,
            note=note,
        )

    def evaluate(
        self, school_id: str, name: str, roles: Sequence[Rostered], responses: Sequence[Response]
    ) -> Evaluation:
        counts = Counter(response.role for response in responses)
        rates = tuple(self._rate(roster, counts[roster.role]) for roster in roles)
        below = {rate.role for rate in rates if not rate.counted}
        kept = [response for response in responses if response.role not in below]
        combined = self._combine(school_id, name, kept) if kept else None
        low: tuple[PerceptionGap, ...] = ()
        if below and len(kept) != len(responses):
            everyone = self._combine(school_id, name, responses)
            found = [g for g in everyone.perception_gaps if below & {g.first_role, g.second_role}]
            low = tuple(replace(gap, rank=rank) for rank, gap in enumerate(found, start=1))
        return Evaluation(rates, combined, low, _disputed(combined))

    def _combine(self, school_id: str, name: str, responses: Sequence[Response]) -> CombinedAssessment:
        # Built directly: the responses were checked one by one when they were stored, and a survey's rosters bound
        # their number (which may exceed what one request to the combined route takes).
        request = CombinedRequest.model_construct(school_id=school_id, name=name, responses=list(responses))
        return self.combiner.combine(request)

    def consensus(
        self, evaluation: Evaluation, body: NewConsensus
    ) -> tuple[SchoolProfile, CombinedAssessment, tuple[Settled, ...]]:
        """The school's profile from the respondents' combined answers with the team's answers in place of the
        disputed ones; the combined answer to store, its assessment that of this profile; and each field settled.
        Raises ``ConsensusError`` naming each answer at fault, and every disputed field left without one."""
        combined = evaluation.combined
        if combined is None:
            raise ConsensusError([FieldError(field="answers", message="no role's answers are counted yet")])
        fields = profile_fields()
        agreed: dict[str, Any] = {}
        errors: list[FieldError] = []
        for index, answer in enumerate(body.answers):
            at = f"answers.{index}"
            if answer.field not in fields:
                errors.append(FieldError(field=f"{at}.field", message="not a question of the profile"))
            elif answer.field not in evaluation.disputed:
                errors.append(FieldError(field=f"{at}.field", message="not disputed: the respondents' answer stands"))
            elif answer.field in agreed:
                errors.append(FieldError(field=f"{at}.field", message="each field may be settled only once"))
            elif answer.value is not None and (
                problem := answer_problem(fields[answer.field].kind, fields[answer.field], answer.value)
            ):
                errors.append(FieldError(field=f"{at}.value", message=problem))
            else:
                agreed[answer.field] = answer.value
        for path in evaluation.disputed:
            if path not in agreed and not any(answer.field == path for answer in body.answers):
                errors.append(
                    FieldError(
                        field="answers",
                        message=f"{path} is disputed: give the team's answer (null to leave it open) and a note",
                    )
                )
        if errors:
            raise ConsensusError(errors)
        notes = {answer.field: answer.note for answer in body.answers}
        values = {f.field: list(f.value) if isinstance(f.value, tuple) else f.value for f in combined.combined}
        values = {**{path: value for path, value in values.items() if value is not None}, **agreed}
        values = {path: value for path, value in values.items() if value is not None}
        identity = {key: value for key in ("school_id", "name") if (value := getattr(combined, key)) is not None}
        profile = profile_from_answers(values, **identity)
        assessment = self.combiner.with_stage_support(self.combiner.advisor.assess(profile), combined.teacher_stages)
        gaps_on: dict[str, list[str]] = {}
        for gap in combined.perception_gaps:
            gaps_on.setdefault(gap.field, []).append(gap.gap_id)
        settled = tuple(
            Settled(
                field=path,
                surveyed=next(f.value for f in combined.combined if f.field == path),
                agreed=tuple(value) if isinstance(value, list) else value,
                note=notes[path],
                gaps=tuple(dict.fromkeys(gaps_on.get(path, []))),
            )
            for path, value in agreed.items()
        )
        agreed_fields = tuple(_agreed(f, agreed, notes) for f in combined.combined)
        return profile, replace(combined, assessment=assessment, combined=agreed_fields), settled


def _agreed(field: CombinedField, agreed: Mapping[str, Any], notes: Mapping[str, str]) -> CombinedField:
    """A combined field as stored after the consensus: the team's answer, and how it was reached."""
    if field.field not in agreed:
        return field
    value = agreed[field.field]
    how = f"Agreed by the school's team: {spoken(value)}." if value is not None else "Left open by the school's team."
    return replace(
        field,
        value=tuple(value) if isinstance(value, list) else value,
        explanation=f"{how} {notes[field.field]} (Surveyed: {field.explanation})",
    )


def _disputed(combined: CombinedAssessment | None) -> tuple[str, ...]:
    """The fields a consensus settles: those with a perception gap, and those the respondents' answers left open."""
    if combined is None:
        return ()
    gaps = {gap.field for gap in combined.perception_gaps}
    opened = {f.field for f in combined.combined if f.value is None and f.respondents}
    return tuple(path for path in profile_fields() if path in gaps or path in opened)


def survey_status(closed_at: datetime | None, expires_at: datetime, moment: datetime) -> SurveyStatusName:
    return "open" if closed_at is None and moment < expires_at else "closed"


def consensus_out(
    assessment_id: str,
    assessed_on: date,
    moment: datetime,
    body: NewConsensus,
    settled: tuple[Settled, ...],
    evaluation: Evaluation,
) -> ConsensusOut:
    assert evaluation.combined is not None
    return ConsensusOut(
        assessment_id=assessment_id,
        assessed_on=assessed_on,
        decided_at=moment,
        note=body.note,
        settled=settled,
        perception_gaps=evaluation.combined.perception_gaps,
        low_confidence_gaps=evaluation.low_confidence_gaps,
    )
