"""``pladvisor survey``: a school's survey opened, followed and concluded over the store the service uses, for an
operator who runs a district's surveys from a shell rather than through the API.

Each command does what its route does (``POST /v1/schools/{school_id}/surveys``, ``.../links.csv``, ``GET`` on
the survey and ``.../consensus``) through the same advice, so the two can never disagree. The links are signed
with the service's secret and made with its public address, as the service makes them.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from pladvisor.domain.problems import FieldError
from pladvisor.domain.respondents import ROLES

from .shared import open_store, settings_or_exit

if TYPE_CHECKING:
    from pladvisor.advice.survey_runs import SurveyRecord
    from pladvisor.advice.surveys import SurveyCounter
    from pladvisor.config import Settings
    from pladvisor.domain.surveys import RoleLinks, SurveyStatus
    from pladvisor.storage.store import Store

survey = typer.Typer(
    no_args_is_help=True, help="A school's survey: open it, hand out its links, follow it, store its consensus."
)

ORG = typer.Option(None, "--org", help="The organization the school belongs to (default: the local one).")
SCHOOL = typer.Option(..., "--school", help="The school's id, as the service gives it.")
SURVEY_ID = typer.Argument(..., help="The survey's id, as `survey open` printed it.")
OPTIONS = {"roles": "--role", "closes_on": "--closes-on", "languages": "--language"}
"""The option that gives each member of the body the route takes."""
SHARED = "shared"


def _refused(message: str) -> typer.Exit:
    """Exit status 2 after one line saying what is wrong, as every stored command does."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def _said(errors: Sequence[FieldError], options: bool = False) -> str:
    """Field errors in one line, each under the option that gave the field (with ``options``: a role by its
    name), else under the field's dotted path."""
    named = []
    for error in errors:
        head, _, rest = error.field.partition(".")
        where = error.field
        if options and head in OPTIONS:
            where = f"{OPTIONS[head]} {rest.split('.')[0]}" if head == "roles" and rest else OPTIONS[head]
        named.append(f"{where}: {error.message}")
    return "; ".join(named)


@dataclass(frozen=True)
class _Scope:
    store: Store
    organization: str
    name: str
    """The organization as the operator named it, for messages."""


@contextmanager
def _scoped(org: str | None) -> Iterator[_Scope]:
    """The store and the organization's id; an organization nobody made is refused, not made."""
    from sqlalchemy.orm import Session

    from pladvisor.storage.organizations import LOCAL_ORGANIZATION, find_organization
    from pladvisor.storage.store import NotFound

    store: Store = open_store(settings_or_exit().database_url)
    try:
        if org is None:
            yield _Scope(store, store.local_organization(), LOCAL_ORGANIZATION)
            return
        try:
            with Session(store.engine) as session:
                organization = find_organization(session, org, create=False).id
        except NotFound as exc:
            raise _refused(str(exc)) from exc
        yield _Scope(store, organization, org)
    finally:
        store.close()


def _counter(settings: Settings) -> SurveyCounter:
    """The same counter the service builds from the catalog: its advisor, respondents and survey wording."""
    from pladvisor.advice.advisor import Advisor
    from pladvisor.advice.combine import Combiner
    from pladvisor.advice.survey_catalog import load_survey_catalog
    from pladvisor.advice.surveys import SurveyCounter
    from pladvisor.engine.catalog import CatalogError, default_rules_dir
    from pladvisor.engine.respondents import load_respondents

    rules_dir = settings.rules_dir or default_rules_dir()
    try:
        advisor = Advisor.from_directory(rules_dir)
        combiner = Combiner(advisor, load_respondents(rules_dir, advisor.catalog), settings.minimum_group)
        return SurveyCounter(combiner, load_survey_catalog(rules_dir, combiner))
    except CatalogError as exc:
        raise _refused(str(exc)) from exc


def _signing(settings: Settings, base_url: str | None) -> tuple[bytes, str]:
    """The secret the service signs links with and its address as respondents reach it: a link made with any
    other would not open the service's form."""
    from pydantic import ValidationError

    from pladvisor.config import KeySourceError, Settings

    try:
        secret = settings.embed_key()
    except KeySourceError as exc:
        raise _refused(str(exc)) from exc
    if secret is None:
        raise _refused(
            "survey links are signed with the service's secret: set PLADVISOR_EMBED_SECRET (or "
            "PLADVISOR_EMBED_SECRET_FILE) as the service has it"
        )
    if base_url is not None:
        base_url = base_url.rstrip("/")
        try:
            Settings.model_validate({"public_url": base_url})
        except ValidationError as exc:
            raise _refused(f"--base-url: {exc.errors()[0]['ctx']['error']}") from exc
    base = base_url or settings.public_url
    if base is None:
        raise _refused(
            "survey links need the service's address as respondents reach it: give --base-url (as in "
            "https://advice.example.org) or set PLADVISOR_PUBLIC_URL"
        )
    return secret, base.rstrip("/")


def _found(scope: _Scope, school: str, survey_id: str) -> SurveyRecord:
    from pladvisor.advice.survey_runs import NoSuchSurvey, found

    try:
        return found(scope.store.surveys, scope.organization, school, survey_id)
    except NoSuchSurvey as exc:
        raise _refused(f"no survey {survey_id} of school {school} in organization {scope.name}") from exc


def _write(text: str, output: Path) -> None:
    if str(output) == "-":
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8", newline="")


def _links_csv(roles: tuple[RoleLinks, ...], output: Path) -> None:
    from pladvisor.advice.survey_links import links_csv

    _write(links_csv(roles), output)


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise _refused(f"{option}: {text!r} is not a day (YYYY-MM-DD)") from exc


def _roles(given: list[str]) -> dict[str, dict[str, Any]]:
    """``teacher=24`` and ``family=300:shared`` as the route's ``roles``."""
    roles: dict[str, dict[str, Any]] = {}
    for text in given:
        role, _, rest = text.partition("=")
        roster, _, how = rest.partition(":")
        if not role or not roster.isdigit() or how not in ("", SHARED):
            raise _refused(
                f"--role {text!r}: give the role and its roster, as in teacher=24, or family=300:shared for one "
                "link shared by the whole role"
            )
        if role not in ROLES:
            raise _refused(f"--role {text!r}: {role} is not a role; the roles are {', '.join(ROLES)}")
        if role in roles:
            raise _refused(f"--role: {role} is given twice")
        roles[role] = {"roster": int(roster), "shared_link": how == SHARED}
    return roles


@survey.command("open")
def open_survey(
    school: str = SCHOOL,
    role: list[str] = typer.Option(
        ...,
        "--role",
        help="A role asked and its roster, as in teacher=24: one single-use link per person. ROLE=ROSTER:shared "
        "gives the role one shared link instead, which one person can answer more than once. Repeatable.",
    ),
    closes_on: str = typer.Option(..., "--closes-on", help="The last day answers are taken (YYYY-MM-DD)."),
    language: list[str] | None = typer.Option(
        None, "--language", help="A language respondents may answer in (default en). Repeatable: --language es."
    ),
    output: Path = typer.Option(
        ..., "-o", "--output", help="The links as CSV for a mail merge (role, place, url); '-' for standard output."
    ),
    base_url: str | None = typer.Option(
        None, "--base-url", help="The service's address as respondents reach it (default PLADVISOR_PUBLIC_URL)."
    ),
    org: str | None = ORG,
) -> None:
    """Open a survey of a school's people: prints its id, and writes every link."""
    from pydantic import ValidationError

    from pladvisor.advice.survey_links import expiry
    from pladvisor.advice.survey_runs import opened
    from pladvisor.advice.surveys import check_new_survey
    from pladvisor.domain.problems import field_errors
    from pladvisor.domain.surveys import NewSurvey
    from pladvisor.storage.surveys import SurveyedRole

    settings = settings_or_exit()
    secret, base = _signing(settings, base_url)
    try:
        body = NewSurvey.model_validate(
            {"roles": _roles(role), "closes_on": _day(closes_on, "--closes-on"), "languages": language or ["en"]},
            strict=True,
        )
    except ValidationError as exc:
        raise _refused(_said(field_errors(exc), options=True)) from exc
    counter = _counter(settings)
    errors = check_new_survey(body, counter.catalog, datetime.now(UTC).date())
    if errors:
        raise _refused(_said(errors, options=True))
    roles = tuple(SurveyedRole(name, asked.roster, asked.shared_link) for name, asked in body.roles.items())
    with _scoped(org) as scope:
        made = scope.store.surveys.create(
            scope.organization, school, body.closes_on, expiry(body.closes_on), tuple(body.languages), roles
        )
        if made is None:
            raise _refused(f"no school {school} in organization {scope.name}")
        out = opened(made, secret, base, counter)
    _links_csv(out.roles, output)
    for links in out.roles:
        typer.echo(f"{links.role}: {links.note}", err=True)
    typer.echo(out.id, err=str(output) == "-")


@survey.command("links")
def survey_links(
    survey_id: str = SURVEY_ID,
    school: str = SCHOOL,
    output: Path = typer.Option(
        Path("-"), "-o", "--output", help="The links as CSV (role, place, url); '-' for standard output."
    ),
    base_url: str | None = typer.Option(
        None, "--base-url", help="The service's address as respondents reach it (default PLADVISOR_PUBLIC_URL)."
    ),
    org: str | None = ORG,
) -> None:
    """Write a survey's links again, the same as when it was opened: none is stored, each is signed again."""
    from pladvisor.advice import survey_runs

    settings = settings_or_exit()
    secret, base = _signing(settings, base_url)
    counter = _counter(settings)
    with _scoped(org) as scope:
        found = _found(scope, school, survey_id)
    _links_csv(survey_runs.survey_links(found, secret, base, counter), output)


def _status_lines(report: SurveyStatus) -> Iterator[str]:
    if report.status == "open":
        state = f"open, taking answers until {report.closes_on.isoformat()}"
    elif report.closed_at is not None:
        state = f"closed on {report.closed_at:%Y-%m-%d %H:%M} UTC"
    else:
        state = f"closed: its last day was {report.closes_on.isoformat()}"
    yield f"survey {report.id} of school {report.school_id}: {state}"
    for rate in report.roles:
        yield f"{rate.role}: {rate.note}"
    kept_out = [rate.role for rate in report.roles if not rate.counted]
    yield f"kept out of the school's answer: {', '.join(kept_out) or 'none'}"
    if report.low_confidence_gaps:
        yield f"low-confidence gaps: {', '.join(gap.gap_id for gap in report.low_confidence_gaps)}"
    yield f"disputed: {', '.join(report.disputed) or 'none'}"
    if report.consensus is not None:
        agreed = report.consensus
        yield f"concluded: assessment {agreed.assessment_id}, assessed on {agreed.assessed_on.isoformat()}"


@survey.command("status")
def survey_status(
    survey_id: str = SURVEY_ID,
    school: str = SCHOOL,
    as_json: bool = typer.Option(False, "--json", help="Print the survey as GET on it answers, as JSON."),
    org: str | None = ORG,
) -> None:
    """Response rates against the rosters, the roles kept out of the school's answer, and the disputed fields."""
    from pladvisor.advice import survey_runs
    from pladvisor.domain.base import to_json

    counter = _counter(settings_or_exit())
    with _scoped(org) as scope:
        report = survey_runs.status(scope.store.surveys, counter, _found(scope, school, survey_id))
    if as_json:
        typer.echo(to_json(report).decode())
        return
    for line in _status_lines(report):
        typer.echo(line)


@survey.command("consensus")
def survey_consensus(
    survey_id: str = SURVEY_ID,
    school: str = SCHOOL,
    answers: Path = typer.Option(
        ...,
        "--answers",
        exists=True,
        dir_okay=False,
        help="The team's answers as JSON: the body POST .../consensus takes (assessed_on, answers, note).",
    ),
    assessed_on: str | None = typer.Option(
        None,
        "--assessed-on",
        help="The day the assessment describes (YYYY-MM-DD), in place of the file's assessed_on; today when "
        "neither gives it.",
    ),
    org: str | None = ORG,
) -> None:
    """Store the school's assessment from its team's consensus, and close the survey; prints the assessment's id."""
    from pydantic import ValidationError

    from pladvisor.advice import survey_runs
    from pladvisor.advice.surveys import ConsensusError
    from pladvisor.domain.problems import field_errors
    from pladvisor.domain.surveys import NewConsensus

    try:
        given = json.loads(answers.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise _refused(f"{answers}: not JSON ({exc})") from exc
    if not isinstance(given, dict):
        raise _refused(f"{answers}: the consensus is a JSON object, with assessed_on, answers and note")
    if assessed_on is not None:
        given["assessed_on"] = _day(assessed_on, "--assessed-on").isoformat()
    given.setdefault("assessed_on", date.today().isoformat())
    try:
        body = NewConsensus.model_validate_json(json.dumps(given), strict=True)
    except ValidationError as exc:
        raise _refused(f"{answers}: {_said(field_errors(exc))}") from exc
    counter = _counter(settings_or_exit())
    with _scoped(org) as scope:
        found = _found(scope, school, survey_id)
        try:
            stored = survey_runs.conclude(scope.store.surveys, counter, scope.organization, found, body)
        except ConsensusError as exc:
            raise _refused(_said(exc.errors)) from exc
        except survey_runs.SurveyConcluded as exc:
            raise _refused(
                "a consensus was stored for this survey already; its assessment is in the school's history"
            ) from exc
        except survey_runs.NoSuchSurvey as exc:
            raise _refused(f"no survey {survey_id} of school {school} in organization {scope.name}") from exc
    typer.echo(
        f"stored the school's assessment of {stored.assessment.assessed_on.isoformat()}; the survey takes no more "
        "answers",
        err=True,
    )
    typer.echo(stored.assessment.id)
