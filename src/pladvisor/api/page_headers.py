"""Security headers for the HTML pages the service writes (the intake form, printable reports, the API reference).

The pages carry their script and style inline, so that a report stays one self-contained
file. Their Content-Security-Policy therefore allows exactly those inline blocks, by hash,
and nothing else: no other script, style, frame or connection than the service's own. The
API reference alone loads its script and stylesheet from the service itself, which its
policy then allows too (``OWN_ASSETS``).
"""

from __future__ import annotations

import base64
import hashlib
import re

from litestar.types import HTTPResponseStartEvent, Message, Send

INLINE = re.compile(rb"<(script|style)(?:\s[^>]*)?>(.*?)</\1>", re.DOTALL | re.IGNORECASE)
FIXED_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]
FRAME_ANCESTORS = "x-pladvisor-frame-ancestors"
"""Set by a handler whose page may be framed (an embed link's page: by the link's origins). The header is
taken out of the answer and becomes the policy's ``frame-ancestors``; without it, no page may be framed."""


OWN_ASSETS = "x-pladvisor-own-assets"
"""Set by a handler whose page loads scripts and stylesheets from the service (the API reference's Swagger UI):
the policy then allows the service's own (``'self'``) besides the page's inline blocks. Taken out of the answer
like ``FRAME_ANCESTORS``."""


_ANCESTORS_KEY = FRAME_ANCESTORS.encode()
_OWN_ASSETS_KEY = OWN_ASSETS.encode()


def content_security_policy(page: bytes, frame_ancestors: bytes = b"'none'", own_assets: bool = False) -> bytes:
    """A policy that lets the page run its own inline script and style blocks (each by its SHA-256), and with
    ``own_assets`` the service's script and style files, and talk to this service only."""
    hashes: dict[bytes, list[str]] = {b"script": [], b"style": []}
    if own_assets:
        hashes = {b"script": ["'self'"], b"style": ["'self'"]}
    for match in INLINE.finditer(page):
        if not match.group(2):
            continue  # a script loaded by its src, not an inline block
        digest = base64.b64encode(hashlib.sha256(match.group(2)).digest()).decode()
        hashes[match.group(1).lower()].append(f"'sha256-{digest}'")
    script = " ".join(hashes[b"script"]) or "'none'"
    style = " ".join(hashes[b"style"]) or "'none'"
    return (
        (
            f"default-src 'none'; script-src {script}; style-src {style}; img-src 'self' data:; connect-src 'self'; "
            "form-action 'self'; "
        ).encode()
        + b"frame-ancestors "
        + frame_ancestors
        + b"; base-uri 'none'"
    )


def with_page_headers(send: Send) -> Send:
    """``send`` for one response: an HTML response is held until its body is complete, then sent with its
    security headers; any other response passes straight through."""
    start: HTTPResponseStartEvent | None = None
    body: list[bytes] = []

    async def wrapped(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            content_type = dict(message.get("headers", [])).get(b"content-type", b"")
            if content_type.startswith(b"text/html"):
                start = message
                return
        elif message["type"] == "http.response.body" and start is not None:
            body.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            page = b"".join(body)
            given = start.get("headers", [])
            ancestors = next((v for k, v in given if k == _ANCESTORS_KEY), None)
            own_assets = any(k == _OWN_ASSETS_KEY for k, _ in given)
            headers = [(k, v) for k, v in given if k not in (b"content-length", _ANCESTORS_KEY, _OWN_ASSETS_KEY)]
            headers += [
                *FIXED_HEADERS,
                *([] if ancestors else [(b"x-frame-options", b"DENY")]),
                (b"content-security-policy", content_security_policy(page, ancestors or b"'none'", own_assets)),
                (b"content-length", str(len(page)).encode()),
            ]
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": page, "more_body": False})
            return
        await send(message)

    return wrapped
