"""The base of every error pladvisor raises on purpose, so a caller can catch them all with one clause.

Each part raises its own subclass, defined beside the code that knows the failure: a catalog that does
not load (``CatalogError``), a key source that cannot be read (``KeySourceError``), an input file the
command line cannot read (``InputError``), and the client's errors.
"""

from __future__ import annotations


class PladvisorError(Exception):
    """Anything pladvisor reports as a failure it understands, as opposed to a bug."""
