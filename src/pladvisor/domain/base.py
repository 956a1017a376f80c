"""The two bases every model derives from: strict pydantic models for what callers send, and frozen
msgspec structs for what the service answers.

Input needs pydantic's strict validation and field-by-field error reports; an answer is built by the
advisor from data it already trusts, so it needs only a typed, immutable shape that encodes fast and that
Litestar and the client read natively.
"""

from __future__ import annotations

import msgspec
from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    """Strict input: unknown fields are refused, and a validated value cannot be changed afterwards."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Part(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A part of an answer. Its sequences are tuples, so an answer shares parts with others safely.

    Reading an answer back (the client, ``score --resume``) ignores members it does not know, so that a
    client keeps working against a later service that says more; the service itself writes exactly the
    declared members, and its API document says so (``additionalProperties: false``).

    Not tracked by the garbage collector (``gc=False``): a part holds only text, numbers and tuples of other
    parts, made before it, so it can never be in a reference cycle, and an answer's hundreds of parts no
    longer make each collection longer.

    Subclasses repeat ``frozen=True``: msgspec inherits it, but type checkers read each class statement on its
    own (PEP 681).
    """


to_json = msgspec.json.Encoder().encode
"""The one JSON encoder for answers and their parts (an encoder keeps no state between calls, so one serves
every thread)."""
