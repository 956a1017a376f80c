"""Embed tokens: a link's terms, signed with the server's secret, so a browser can be given them to hold.

A token is the terms as compact JSON in base64url, followed by their HMAC-SHA256 in base64url (43 characters,
no separator, so a token never contains ``.`` and ``{token}.json`` reads unambiguously). The terms name the link,
its organization, school, view, origins and expiry: a changed character breaks the signature, and a signature
made with another secret never matches, so rotating the secret ends every link at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import msgspec

from pladvisor.domain.signing import seal, unseal

TOKEN_PATTERN = r"^[A-Za-z0-9_-]{44,4096}$"
CONTEXT = b"pladvisor embed v1\n"
"""Signed with the terms, so a signature made by this secret for anything else can never pass as a token."""


@dataclass(frozen=True, slots=True)
class Terms:
    link_id: str
    organization_id: str
    school_id: str
    view: str
    locale: str
    origins: tuple[str, ...]
    expires_at: datetime


class _Wire(msgspec.Struct, array_like=True, frozen=True):
    link: str
    organization: str
    school: str
    view: str
    locale: str
    origins: tuple[str, ...]
    expires: int


def sign(secret: bytes, terms: Terms) -> str:
    wire = _Wire(
        terms.link_id,
        terms.organization_id,
        terms.school_id,
        terms.view,
        terms.locale,
        terms.origins,
        int(terms.expires_at.timestamp()),
    )
    return seal(secret, CONTEXT, msgspec.json.encode(wire))


def read(secret: bytes, token: str) -> Terms | None:
    """The terms of a token signed with ``secret``, or None for anything else: a token altered, cut, made up or
    signed with another secret. The signature is checked before the terms are decoded, so nothing a stranger
    writes is ever parsed."""
    terms = unseal(secret, CONTEXT, token, 4096)
    if terms is None:
        return None
    try:
        wire = msgspec.json.decode(terms, type=_Wire)
    except msgspec.DecodeError:  # cannot happen for a token this secret signed
        return None
    return Terms(
        wire.link,
        wire.organization,
        wire.school,
        wire.view,
        wire.locale,
        wire.origins,
        datetime.fromtimestamp(wire.expires, UTC),
    )
