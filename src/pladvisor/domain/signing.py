"""Signed tokens: terms a browser can be given to hold, which the service alone could have written.

A token is the terms as bytes in base64url, followed by their HMAC-SHA256 in base64url (43 characters, no
separator, so a token never contains ``.``). Each kind of token signs with a context of its own beside the terms,
so a token made for one purpose (an embed link) never passes for another (a survey link) though both use the
same secret. Here, in the domain, because both the advice (survey links) and the HTTP edge (embed links) sign.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

SIGNATURE_CHARS = 43
"""An HMAC-SHA256 in base64url without padding."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _signature(secret: bytes, context: bytes, payload: str) -> str:
    return _b64(hmac.new(secret, context + payload.encode(), hashlib.sha256).digest())


def seal(secret: bytes, context: bytes, terms: bytes) -> str:
    """The token for ``terms``, signed with ``secret`` for the purpose ``context`` names."""
    payload = _b64(terms)
    return payload + _signature(secret, context, payload)


def unseal(secret: bytes, context: bytes, token: str, longest: int) -> bytes | None:
    """The terms of a token ``seal`` made with this secret and context, or None for anything else: a token
    altered, cut, made up, longer than ``longest``, or signed with another secret or for another purpose. The
    signature is checked before anything is decoded, so nothing a stranger writes is ever parsed."""
    if len(token) <= SIGNATURE_CHARS or len(token) > longest:
        return None
    payload, signature = token[:-SIGNATURE_CHARS], token[-SIGNATURE_CHARS:]
    if not hmac.compare_digest(signature.encode(), _signature(secret, context, payload).encode()):
        return None
    try:
        return base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    except (binascii.Error, ValueError):  # cannot happen for a token this secret signed
        return None
