"""Embed links: what a portal asks for, what it is given, and the card a browser reads through a link."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal

from msgspec import Meta
from pydantic import AfterValidator, Field

from .assessment import Stage
from .base import Model, Part
from .profile import Count

LONGEST_LINK_SECONDS = 365 * 24 * 3600
"""No link outlives a school year and a summer: the service's own maximum (PLADVISOR_EMBED_MAX_SECONDS) may be
shorter, never longer."""
MAX_ORIGINS = 5
"""A link is for one portal: its production origin and a few staging ones, not a list to share widely."""

EmbedView = Literal["card", "report"]
EmbedLocale = Literal["en"]
"""The languages the card is written in; a language joins when its wording is written and reviewed."""

_LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
_PORT = r"(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3})"
ORIGIN_PATTERN = rf"^(https://{_LABEL}(\.{_LABEL})*|http://(localhost|127\.0\.0\.1|\[::1\]))(:{_PORT})?$"
"""An origin as browsers send it in ``Origin`` and as ``frame-ancestors`` matches it: lowercase, a scheme, a
host and an optional port, nothing else. No wildcards: the same list answers CORS, which matches origins
exactly. Plain http only on this machine, for trying a portal out: a portal page reached over http can be
altered on the way, whatever the frame inside it says."""
_MATCHES = re.compile(ORIGIN_PATTERN)
_DEFAULT_PORT = re.compile(r"^(https://.*):443$|^(http://.*):80$")


def _hint(value: str) -> str:
    """Why a value is not an origin, in the terms of the mistake most likely made."""
    if "*" in value:
        return "no wildcards: name each origin"
    if value != value.lower():
        return "write the origin in lowercase, as browsers send it"
    if re.match(r"^[a-z]+://[^/]+/", value):
        return "expected an origin without a path: scheme://host or scheme://host:port, with no '/' at the end"
    if value.startswith("http://"):
        return "a portal's origin must use https; http is accepted for localhost only"
    if re.match(r"^[a-z][a-z0-9+.-]*://", value) and not value.startswith("https://"):
        return "the scheme must be https (or http for localhost)"
    return (
        "expected an origin: https://host or https://host:port, the host a name of letters, digits, '-' and '.', "
        "the port 1-65535"
    )


def _origin(value: str) -> str:
    if not _MATCHES.match(value):
        raise ValueError(_hint(value))
    default = _DEFAULT_PORT.match(value)
    return (default[1] or default[2]) if default else value


MAX_ORIGIN_CHARS = 300
Origin = Annotated[str, Field(max_length=MAX_ORIGIN_CHARS), AfterValidator(_origin)]


class NewEmbed(Model):
    origins: list[Origin] = Field(
        min_length=1,
        max_length=MAX_ORIGINS,
        description="The portal origins allowed to frame the card and read it (https://portal.example.org).",
    )
    expires_in: Count | None = Field(
        None,
        ge=60,
        le=LONGEST_LINK_SECONDS,
        description="Seconds the link lives; the service's default when unset, at most its maximum "
        "(PLADVISOR_EMBED_DEFAULT_SECONDS, PLADVISOR_EMBED_MAX_SECONDS).",
    )
    view: EmbedView = Field("card", description="card: the stage and the first steps; report: the printable report.")
    locale: EmbedLocale = Field("en", description="The language of the card.")


class EmbedOut(Part, frozen=True):
    id: str
    school_id: str
    view: EmbedView
    locale: EmbedLocale
    origins: tuple[str, ...]
    url: Annotated[str, Meta(description="The page to frame: /embed/{token}.")]
    token: Annotated[str, Meta(description="The signed token in the url; its card as JSON is /embed/{token}.json.")]
    created_at: datetime
    expires_at: datetime


class CardStep(Part, frozen=True):
    rank: int
    title: str
    why: str
    next_steps: tuple[str, ...]
    basis: Annotated[str, Meta(description="from the articles, or practice judgement.")]


class EmbedCard(Part, frozen=True):
    """What a link shows: a school's latest stored assessment, reduced to what a portal page needs. No answers,
    no respondents, no other school."""

    school: str
    assessed_on: date | None
    catalog_version: str | None
    stage: Stage | None
    lowest_stage: Stage | None
    possible_stage: Stage | None
    provisional: bool
    verdict: Annotated[str, Meta(description="The stage in plain words, or why there is none yet.")]
    score: int | None
    now: Annotated[tuple[CardStep, ...], Meta(description="The steps to take now, first first.")]
    strengths: Annotated[tuple[str, ...], Meta(description="The strengths the assessment found, by title.")]
