"""`make bench`: how fast pladvisor assesses schools, each figure against a baseline measured in the same run.

    .venv/bin/python bench/run.py            # the full run, about 20 minutes on a 2-core machine
    .venv/bin/python bench/run.py --quick    # smaller counts and shorter loads: a smoke run
    .venv/bin/python bench/run.py --only 13  # section 1, whose rate the others are judged by, and 13

It prints figures and never fails on one: a slow machine is not a broken build. The only
check that can stop it is about honesty: the plain-Python evaluator must fire exactly the
rules the engine fires for every school, or the comparison between them would mean nothing.

The machine is shared (other engineers run tests on the same 2 cores), so next to each
wall-clock figure it prints the CPU time the measured code itself used, and after each
section how much of the machine other processes took meanwhile. In-process figures are
judged per CPU-second ("on one core"); CLI figures on wall time.

Single HTTP requests are sent by wrk (native_load.py, a Debian package `make bench`
installs), which needs a few percent of a core, so the server and not the client sets the
rate. Their target is the server's CPU per request against the echo baseline's, which
hardly depends on what else the machine runs; a rate is judged only while the server
used at least 90% of a core and wrk under half of one, and every load run says what wrk
used and whether other processes had the cores meanwhile. The batches and the memory
soak stay on the Python generator (loadgen.py), which can stop after a count of requests.

Several respondents per school (7): a seeded district survey of 1,000 schools with 101
respondents each, combined in process and by `pladvisor combine`, against scoring the
schools' leaders' answers as single profiles. Storing (8): the school set stored with
`pladvisor score --store` into a new SQLite file and into a throwaway PostgreSQL server (the
tests' own starter, when Debian's postgresql is installed), against the same run without
storing. Reading stored history (10, bench/stored_history.py): a school's progress and a
1,000-school district's roll-out with 1,000,000 assessments stored, on SQLite and on PostgreSQL,
against the same reads with the measured district alone stored. A school's survey (12,
bench/surveys.py): 1,000 respondents each answering once through their own link, every answer
stored once, against POST /v1/assessments on the same server and connections. The HTTP edge by layer (13,
bench/edge_layers.py): POST /v1/assessments served with one layer taken out (or put in) at a time, each
layer's cost the difference in server CPU per request from the full stack.

Last, for the record, the peer table (9, bench/peers.py): the same catalog and schools run by
zen-engine (PyPI) and json-rules-engine (node, when present), each with its CPU time per
school and the number of schools where it fired other rules than pladvisor (must be 0).

The school set is generated on demand into a temporary directory by examples/generate.py
(seeded, no broken rows) and read back the way `pladvisor score` reads it.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

from cli import cli_figures
from common import FULL, QUICK, RATIOS, Figure, say, school_set, section, table
from edge_layers import edge_figures
from explaining import explaining_figures
from history import history_figures
from in_process import in_process
from over_http import http_figures
from peers import peer_figures
from respondents import respondents_figures
from rule_engine import engine_figures
from storing import storage_figures
from surveys import surveys_figures

from pladvisor.advice.advisor import Advisor

SECTIONS = frozenset({"1", "2", "3-5", "6", "7", "8", "9", "10", "11", "12", "13"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="Smaller counts and shorter loads: a smoke run.")
    parser.add_argument(
        "--only",
        type=_sections,
        default=None,
        metavar="N[,N...]",
        help="Run these sections alone (and section 1, which the others use): to follow one change.",
    )
    args = parser.parse_args()
    scale = QUICK if args.quick else FULL
    chosen: frozenset[str] | None = args.only
    began = time.perf_counter()
    say(
        f"pladvisor bench{' --quick' if args.quick else ''}: Python {platform.python_version()}, "
        f"{os.cpu_count()} cores, load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}; "
        f"the load generator and the servers run on this same machine"
    )
    with tempfile.TemporaryDirectory(prefix="pladvisor-bench-") as tmp:
        directory = Path(tmp)
        csv_path, raws = school_set(scale.schools, directory)
        say(f"school set: {len(raws):,} generated schools ({csv_path.name}, temporary)")
        advisor = Advisor.from_directory()
        figures: list[Figure] = []
        peer_text = ""
        with section("1. in process, one core"):
            first, rate = in_process(advisor, raws, scale)
            figures += first
        if _wanted(chosen, "2"):
            with section("2. the engine"):
                figures += engine_figures(advisor.catalog, raws, scale)
        if _wanted(chosen, "3-5"):
            with section("3-5. HTTP"):
                figures += http_figures(raws, rate, scale, full=not args.quick)
        if _wanted(chosen, "13"):
            with section("13. the HTTP edge, layer by layer"):
                figures += edge_figures(raws, not args.quick, scale.concurrency)
        if _wanted(chosen, "6"):
            with section("6. the CLI"):
                figures += cli_figures(csv_path, len(raws), rate, not args.quick, directory)
        if _wanted(chosen, "7"):
            with section("7. several respondents per school"):
                figures += respondents_figures(advisor, directory, scale)
        if _wanted(chosen, "8"):
            with section("8. storing assessments"):
                figures += storage_figures(csv_path, len(raws), directory)
        if _wanted(chosen, "10"):
            with section("10. reading stored history at scale"):
                figures += history_figures(advisor, raws, directory, full=not args.quick)
        if _wanted(chosen, "11"):
            with section("11. explaining: what-if and catalog diff"):
                figures += explaining_figures(advisor, raws, full=not args.quick)
        if _wanted(chosen, "12"):
            with section("12. a school's survey answered through its links"):
                figures += surveys_figures(advisor, raws, scale)
        if _wanted(chosen, "9"):
            with section("9. peer rule engines on the same catalog and schools (for the record)"):
                more, peer_text = peer_figures(advisor.catalog, raws, scale)
                figures += more

    say(
        f"\nresults ({time.perf_counter() - began:.0f} s in all"
        f"{'; quick run: targets for the full counts are not judged' if args.quick else ''}"
        f"{'; sections ' + ', '.join(sorted(chosen)) + ' only' if chosen else ''})\n"
    )
    say(table(figures))
    say("\n" + RATIOS)
    if peer_text:
        say("\npeer rule engines (9), CPU time per school, least of the rounds:\n" + peer_text)


def _sections(value: str) -> frozenset[str]:
    """``--only``'s numbers as the sections' own names: 3, 4 and 5 are measured together as "3-5"."""
    named = set()
    for part in filter(None, (piece.strip() for piece in value.split(","))):
        name = "3-5" if part in ("3", "4", "5", "3-5") else part
        if name not in SECTIONS:
            raise argparse.ArgumentTypeError(f"there is no section {part}: the sections are 1 to 13")
        named.add(name)
    return frozenset(named - {"1"})


def _wanted(chosen: frozenset[str] | None, number: str) -> bool:
    return chosen is None or number in chosen


if __name__ == "__main__":
    main()
