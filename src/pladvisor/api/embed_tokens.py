"""Embed tokens: a link's terms, signed with the server's secret, so a browser can be given them to hold.

A token is the terms as compact JSON in base64url, followed by their HMAC-SHA256 in base64url (43 characters,
no separator, so a token never contains ``.`` and ``{token}.json`` reads unambiguously). The terms name the link,
its organization, school, view, origins and expiry: a changed character breaks the signature, and a signature
made with another secret never matches, so rotating the secret ends every link at once.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

import msgspec

SIGNATURE_CHARS = 43
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


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret: bytes, payload: str) -> str:
    return _b64(hmac.new(secret, CONTEXT + payload.encode(), hashlib.sha256).digest())


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
    payload = _b64(msgspec.json.encode(wire))
    return payload + _signature(secret, payload)


def read(secret: bytes, token: str) -> Terms | None:
    """The terms of a token signed with ``secret``, or None for anything else: a token altered, cut, made up or
    signed with another secret. The signature is checked before the terms are decoded, so nothing a stranger
    writes is ever parsed."""
    if len(token) <= SIGNATURE_CHARS or len(token) > 4096:
        return None
    payload, signature = token[:-SIGNATURE_CHARS], token[-SIGNATURE_CHARS:]
    if not hmac.compare_digest(signature.encode(), _signature(secret, payload).encode()):
        return None
    try:
        wire = msgspec.json.decode(_unb64(payload), type=_Wire)
    except (binascii.Error, ValueError, msgspec.DecodeError):  # cannot happen for a token this secret signed
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
