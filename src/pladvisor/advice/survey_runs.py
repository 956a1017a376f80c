"""A school's survey as its team runs it, the same over HTTP and from the command line: the links handed out, the
status followed, and the consensus stored in the one order that loses no answer.

The surveys' records are reached through ``SurveyRecords``, the shape of the store's ``surveys``: the advice reads
and writes them without depending on how, or where, they are kept.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any, Protocol

import msgspec

from pladvisor.domain.base import to_json
from pladvisor.domain.profile import SchoolProfile
from pladvisor.domain.respondents import ROLES, CombinedAssessment, Response, Role
from pladvisor.domain.stored import StoredAssessmentOut
from pladvisor.domain.surveys import (
    ConsensusOut,
    ConsensusStored,
    NewConsensus,
    RoleLinks,
    SurveyOut,
    SurveyStatus,
)
from pladvisor.errors import PladvisorError

from .survey_links import LinkTerms, Rostered, role_links
from .surveys import Evaluation, SurveyCounter, consensus_out
from .surveys import survey_status as status_name


class RosterRecord(Protocol):
    @property
    def role(self) -> str: ...
    @property
    def roster(self) -> int: ...
    @property
    def shared(self) -> bool: ...


class SurveyRecord(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def organization_id(self) -> str: ...
    @property
    def school_id(self) -> str: ...
    @property
    def closes_on(self) -> date: ...
    @property
    def expires_at(self) -> datetime: ...
    @property
    def languages(self) -> tuple[str, ...]: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def closed_at(self) -> datetime | None: ...
    @property
    def roles(self) -> Sequence[RosterRecord]: ...


class ResponseRecord(Protocol):
    @property
    def role(self) -> str: ...
    @property
    def stage(self) -> str | None: ...
    @property
    def answers(self) -> Mapping[str, Mapping[str, Any]]: ...


class SurveyRecords(Protocol):
    """What a survey's team needs of the stored surveys (``storage.surveys.Surveys``)."""

    def get(self, organization: str, school_id: str, survey_id: str) -> SurveyRecord | None: ...
    def school_name(self, school_id: str) -> str | None: ...
    def responses(self, survey_id: str) -> Sequence[ResponseRecord]: ...
    def consensus(self, survey_id: str) -> str | None: ...
    def freeze(self, organization: str, survey_id: str, moment: datetime) -> str: ...
    def reopen(self, survey_id: str, frozen_at: datetime) -> None: ...
    def conclude(
        self,
        organization: str,
        survey_id: str,
        assessed_on: date,
        profile: SchoolProfile,
        combined: CombinedAssessment,
        consensus: Callable[[str], str],
        moment: datetime,
    ) -> StoredAssessmentOut | None: ...


class NoSuchSurvey(PladvisorError):
    """The organization's school has no such survey, whether it is another organization's or none at all."""


class SurveyConcluded(PladvisorError):
    """A consensus was stored for the survey already: its assessment is in the school's history."""


def catalog_role(name: str) -> Role:
    """A role as stored: one of the catalog's, since only those are taken when a survey is opened."""
    assert name in ROLES, name
    return name


def rostered(survey: SurveyRecord) -> list[Rostered]:
    """The survey's roles in the catalog's order (leader, teacher, coach, student, family)."""
    roles = [Rostered(catalog_role(role.role), role.roster, role.shared) for role in survey.roles]
    return sorted(roles, key=lambda r: ROLES.index(r.role))


def survey_links(survey: SurveyRecord, secret: bytes, base: str, counter: SurveyCounter) -> tuple[RoleLinks, ...]:
    """Every role's links, signed again from the survey's terms; ``base`` is the service's address as respondents
    reach it."""
    terms = LinkTerms(survey.id, survey.organization_id, survey.school_id, "", 0, survey.expires_at)
    return tuple(
        role_links(secret, base, terms, roster, counter.catalog.offered_for(roster.role, survey.languages))
        for roster in rostered(survey)
    )


def opened(survey: SurveyRecord, secret: bytes, base: str, counter: SurveyCounter) -> SurveyOut:
    """A survey just opened, with its links."""
    return SurveyOut(
        id=survey.id,
        school_id=survey.school_id,
        status=status_name(survey.closed_at, survey.expires_at, datetime.now(UTC)),
        closes_on=survey.closes_on,
        expires_at=survey.expires_at,
        languages=survey.languages,
        created_at=survey.created_at,
        roles=survey_links(survey, secret, base, counter),
    )


def found(records: SurveyRecords, organization: str, school_id: str, survey_id: str) -> SurveyRecord:
    survey = records.get(organization, school_id, survey_id)
    if survey is None:
        raise NoSuchSurvey("no such survey of this school")
    return survey


def evaluate(records: SurveyRecords, counter: SurveyCounter, survey: SurveyRecord) -> Evaluation:
    """The survey's answers as they stand."""
    stored = records.responses(survey.id)
    responses = [Response.model_validate({"role": r.role, "stage": r.stage, "answers": r.answers}) for r in stored]
    name = records.school_name(survey.school_id)
    return counter.evaluate(survey.school_id, name or "", rostered(survey), responses)


def status(records: SurveyRecords, counter: SurveyCounter, survey: SurveyRecord) -> SurveyStatus:
    """Each role's responses against its roster, the combined answer of the roles counted, the fields the
    consensus settles, and the consensus once it is stored."""
    evaluation = evaluate(records, counter, survey)
    kept = records.consensus(survey.id)
    return SurveyStatus(
        id=survey.id,
        school_id=survey.school_id,
        status=status_name(survey.closed_at, survey.expires_at, datetime.now(UTC)),
        closes_on=survey.closes_on,
        closed_at=survey.closed_at,
        languages=survey.languages,
        minimum_group=counter.combiner.minimum_group,
        roles=evaluation.rates,
        combined=evaluation.combined,
        low_confidence_gaps=evaluation.low_confidence_gaps,
        disputed=evaluation.disputed,
        consensus=None if kept is None else msgspec.json.decode(kept, type=ConsensusOut),
    )


def conclude(
    records: SurveyRecords,
    counter: SurveyCounter,
    organization: str,
    survey: SurveyRecord,
    body: NewConsensus,
) -> ConsensusStored:
    """Store the school's assessment from its team's consensus, and close the survey.

    The consensus is checked against the answers as they stand first, so that one short of an answer never stops
    the survey taking answers; the survey is then frozen, and the consensus checked again against the answers as
    frozen, in case the last ones changed it: a survey the consensus then does not fit takes answers again.
    Raises ``ConsensusError`` naming each answer at fault, ``SurveyConcluded`` when a consensus was stored
    already, and ``NoSuchSurvey``."""
    if records.consensus(survey.id) is not None:
        raise SurveyConcluded(survey.id)
    counter.consensus(evaluate(records, counter, survey), body)
    moment = datetime.now(UTC)
    frozen = records.freeze(organization, survey.id, moment)
    if frozen == "unknown":
        raise NoSuchSurvey("no such survey of this school")
    if frozen == "concluded":
        raise SurveyConcluded(survey.id)
    evaluation = evaluate(records, counter, survey)
    try:
        profile, combined, settled = counter.consensus(evaluation, body)
    except Exception:
        records.reopen(survey.id, moment)
        raise

    def kept(assessment_id: str) -> ConsensusOut:
        return consensus_out(assessment_id, body.assessed_on, moment, body, settled, evaluation)

    stored = records.conclude(
        organization,
        survey.id,
        body.assessed_on,
        profile,
        combined,
        lambda assessment_id: to_json(kept(assessment_id)).decode(),
        moment,
    )
    if stored is None:
        raise SurveyConcluded(survey.id)
    return ConsensusStored(consensus=kept(stored.id), assessment=stored)
