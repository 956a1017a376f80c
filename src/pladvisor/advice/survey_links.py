"""A survey's links: the terms each one carries, signed so that only the service can make one, and handed to the
school one per person or as a role's one shared link, ready for a mail merge.

No link is stored: each is made again from the survey's terms whenever it is asked for, and read back from its
signature alone.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import msgspec

from pladvisor.domain.respondents import Role
from pladvisor.domain.signing import seal, unseal
from pladvisor.domain.surveys import RoleLinks

MAX_TOKEN_CHARS = 1024
CONTEXT = b"pladvisor survey response v1\n"
"""Signed with the terms, so an embed token (signed with the same secret for another purpose) is never a
respondent's token, nor the reverse."""


@dataclass(frozen=True, slots=True)
class LinkTerms:
    survey_id: str
    organization_id: str
    school_id: str
    role: str
    place: int
    """1 to the roster for a single-use link; 0 for the role's shared link."""
    expires_at: datetime


class _Wire(msgspec.Struct, array_like=True, frozen=True):
    survey: str
    organization: str
    school: str
    role: str
    place: int
    expires: int


def sign_link(secret: bytes, terms: LinkTerms) -> str:
    wire = _Wire(
        terms.survey_id,
        terms.organization_id,
        terms.school_id,
        terms.role,
        terms.place,
        int(terms.expires_at.timestamp()),
    )
    return seal(secret, CONTEXT, msgspec.json.encode(wire))


def read_link(secret: bytes, token: str) -> LinkTerms | None:
    """The terms of a link signed with ``secret`` for a survey, or None for anything else. The signature is checked
    before anything is decoded, so nothing a stranger writes is ever parsed."""
    terms = unseal(secret, CONTEXT, token, MAX_TOKEN_CHARS)
    if terms is None:
        return None
    try:
        wire = msgspec.json.decode(terms, type=_Wire)
    except msgspec.DecodeError:  # cannot happen for a link this secret signed
        return None
    return LinkTerms(
        wire.survey, wire.organization, wire.school, wire.role, wire.place, datetime.fromtimestamp(wire.expires, UTC)
    )


def expiry(closes_on: date) -> datetime:
    """Links work through the survey's last day, until midnight UTC."""
    return datetime.combine(closes_on + timedelta(days=1), time(), UTC)


@dataclass(frozen=True, slots=True)
class Rostered:
    """One role of a survey."""

    role: Role
    roster: int
    shared: bool


def places(roster: Rostered) -> range:
    """The places a role's links stand for: one per person, or the one shared link (place 0)."""
    return range(0, 1) if roster.shared else range(1, roster.roster + 1)


def link_note(roster: Rostered) -> str:
    if roster.shared:
        return (
            f"One shared link for all {roster.roster}: anyone who has it can answer, and one person can answer more "
            f"than once. It takes up to {roster.roster} answers."
        )
    return (
        f"{roster.roster} single-use {'link' if roster.roster == 1 else 'links'}, one per person: each takes one set "
        "of answers. Answers are stored without the link they came through and without any name."
    )


def role_links(
    secret: bytes,
    base: str,
    survey: LinkTerms,
    roster: Rostered,
    languages: tuple[str, ...],
) -> RoleLinks:
    """A role's links, made again from the survey's terms (``survey.place`` is ignored) whenever they are asked
    for: none is stored. ``base`` is the service's address as respondents reach it."""
    links = tuple(
        f"{base}/s/{sign_link(secret, replace_terms(survey, role=roster.role, place=place))}"
        for place in places(roster)
    )
    return RoleLinks(
        role=roster.role,
        roster=roster.roster,
        shared_link=roster.shared,
        languages=languages,
        note=link_note(roster),
        links=links,
    )


def replace_terms(terms: LinkTerms, role: str, place: int) -> LinkTerms:
    return LinkTerms(terms.survey_id, terms.organization_id, terms.school_id, role, place, terms.expires_at)


CSV_HEADER = ("role", "place", "url")


def links_csv(roles: Sequence[RoleLinks]) -> str:
    """The links as CSV for a mail merge, one row per link: the role, the place (1 to the roster, or ``shared``
    for a role's one shared link) and the address to send."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for role in roles:
        for place, url in enumerate(role.links, start=1):
            writer.writerow((role.role, "shared" if role.shared_link else place, url))
    return out.getvalue()
