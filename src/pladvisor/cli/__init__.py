"""The ``pladvisor`` command: serving the API, and scoring, reporting and templating files of schools."""

from __future__ import annotations

import sys


def main() -> None:
    """The console script. The command line comes with the ``server`` extra; a client-only install gets a
    sentence saying so rather than a traceback."""
    try:
        from pladvisor.cli.app import app
    except ImportError as exc:
        sys.exit(f"pladvisor's command line needs the server extra: pip install 'pladvisor[server]' ({exc})")
    app()
