"""Section 8: `pladvisor score --store` into a new SQLite file and a throwaway PostgreSQL server."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from cli import score
from common import ROOT, Figure, say
from servers import default_env

STORE_RATIO = 2.0


def on_postgres(measure: Callable[[str], None]) -> None:
    """``measure`` a throwaway PostgreSQL server (the tests' own starter), or say why it was not measured."""
    sys.path.insert(0, str(ROOT))
    from tests.servers import postgres_server

    try:
        with postgres_server() as server:
            measure(server)
    except BaseException as exc:  # pytest.skip raises a BaseException when PostgreSQL is not installed
        if type(exc).__name__ != "Skipped":
            raise
        say(f"  PostgreSQL not measured: {exc}")


def storage_figures(csv_path: Path, count: int, directory: Path) -> list[Figure]:
    """`pladvisor score --store` of the school set into a new database, against the same run without storing:
    on SQLite (a file here) and on PostgreSQL (a throwaway server, as the tests start one), when installed."""
    from pladvisor.storage.database import make_engine, upgrade

    plain = score(csv_path, directory / "plain.jsonl", 1, count)
    say(f"  pladvisor score, no storing: {plain.wall:.2f} s = {count / plain.wall:,.0f} schools/s")
    figures = []

    def stored(kind: str, url: str) -> None:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        timing = score(
            csv_path,
            directory / f"stored-{kind}.jsonl",
            1,
            count,
            ["--store", "Bench district", "--assessed-on", "2026-09-01"],
            default_env(PLADVISOR_DATABASE_URL=url),
        )
        ratio = timing.wall / plain.wall
        say(f"  with --store on {kind}: {timing.wall:.2f} s = {count / timing.wall:,.0f} schools/s ({ratio:.2f}x)")
        figures.append(
            Figure(
                f"8 score --store {count:,} ({kind})",
                f"{timing.wall:.2f} s, {count / timing.wall:,.0f} rows/s",
                f"{plain.wall:.2f} s without storing",
                f"{ratio:.2f}x",
                f"<= {STORE_RATIO:.0f}x",
                ratio <= STORE_RATIO,
            )
        )

    stored("SQLite", f"sqlite:///{directory / 'bench.db'}")
    on_postgres(lambda url: stored("PostgreSQL", url))
    return figures
