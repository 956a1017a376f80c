"""The load of the single-request HTTP figures: wrk, a native load generator from Debian's packages.

The Python generator (loadgen.py) needed a whole core of this 2-core machine to send about
1,000 requests/s, so a figure driven by it said more about the client than about the
server. wrk needs a few percent of a core at these rates, so the server sets the rate; its
CPU time is still measured, from the kernel's accounting of the finished child process,
and reported next to every figure it drives. `make bench` installs it (`bench-packages`).

wrk sends one fixed request unless a Lua script builds them. The script below reads one
JSON body per line and formats every request once per thread in init(), since building a
request per call costs more than looking one up; each thread starts at a different place in
the set, so the two threads do not send the same body at the same moment. A response()
callback counts every status other than 200: wrk's own count ("Non-2xx or 3xx responses")
covers only statuses above 399, and a figure that includes redirects or informational
answers would not be a figure of the route. done() writes one JSON line for this module to
read, not wrk's report for people.
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

THREADS = 2
"""One per core: wrk's threads each run an event loop over their share of the connections."""
TIMEOUT_SECONDS = 60
"""wrk leaves out of its latency statistics every request slower than its timeout; far above any answer's time,
so p99 counts every request, and any request this slow is reported as a problem."""
PERCENTILES = (50.0, 90.0, 99.0, 99.9)
MARKER = "pladvisor-bench-wrk "

SCRIPT = """\
local threads = {}

function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

function init(args)
  local path, file, count = args[1], args[2], tonumber(args[3])
  local headers = {["Content-Type"] = "application/json"}
  prepared = {}
  for line in io.lines(file) do
    prepared[#prepared + 1] = wrk.format("POST", path, headers, line)
  end
  position = math.floor(thread_index * #prepared / count)
  not_200 = 0
  first_not_200 = 0
end

function request()
  position = position % #prepared + 1
  return prepared[position]
end

function response(status, headers, body)
  if status ~= 200 then
    not_200 = not_200 + 1
    if first_not_200 == 0 then first_not_200 = status end
  end
end

function done(summary, latency, requests)
  local not_200, first = 0, 0
  for _, thread in ipairs(threads) do
    not_200 = not_200 + thread:get("not_200")
    if first == 0 then first = thread:get("first_not_200") end
  end
  local percentiles = {}
  for _, p in ipairs({@PERCENTILES@}) do
    percentiles[#percentiles + 1] = string.format('"%g": %d', p, latency:percentile(p))
  end
  local e = summary.errors
  io.write(string.format(
    '%s{"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "not_200": %d, "first_not_200": %d, "percentiles_us": {%s}}\\n',
    "@MARKER@", summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, not_200, first, table.concat(percentiles, ", ")))
end
""".replace("@PERCENTILES@", ", ".join(f"{p:g}" for p in PERCENTILES)).replace("@MARKER@", MARKER)


def wrk_path() -> str | None:
    return shutil.which("wrk")


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    percentiles: dict[float, float]
    """Latency in seconds by share of requests answered within it (0.5, 0.9, 0.99, 0.999)."""
    client_cpu: float
    """CPU seconds wrk used, user and system, all its threads."""
    response_bytes: int
    """Bytes received, heads included."""
    problems: tuple[str, ...]
    """Socket errors, timeouts and statuses other than 200: a run with any is not a figure of the route."""
    generator: str = "wrk"

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    @property
    def client_core_share(self) -> float:
        return self.client_cpu / self.seconds

    def percentile_ms(self, share: float) -> float:
        nearest = min(self.percentiles, key=lambda recorded: abs(recorded - share))
        if abs(nearest - share) > 1e-9:
            raise KeyError(f"wrk was asked for {sorted(self.percentiles)}, not {share}")
        return 1000 * self.percentiles[nearest]


def _problems(found: dict[str, int]) -> tuple[str, ...]:
    problems = [
        f"{found[key]:,} {label}"
        for key, label in (
            ("connect", "connect errors"),
            ("read", "read errors"),
            ("write", "write errors"),
            ("timeout", f"requests over {TIMEOUT_SECONDS} s"),
        )
        if found[key]
    ]
    if found["not_200"]:
        problems.append(f"{found['not_200']:,} responses other than 200 (the first: {found['first_not_200']})")
    return tuple(problems)


def drive_wrk(url: str, path: str, bodies: Sequence[bytes], connections: int, seconds: float) -> WrkResult:
    """POST ``bodies`` in turn over ``connections`` keep-alive connections for ``seconds`` (whole seconds, at least 1).

    wrk's CPU time is the change in this process's RUSAGE_CHILDREN across the run: it counts
    children once they have been waited for, and wrk is the only child that ends meanwhile
    (the servers end after their figures), so the change is wrk's own time.
    """
    executable = wrk_path()
    if executable is None:
        raise RuntimeError("wrk is not installed: `make bench` installs it (Debian package wrk)")
    if any(b"\n" in body for body in bodies):
        raise ValueError("the script reads one body per line: a body holds a newline")
    duration = max(1, round(seconds))
    with tempfile.TemporaryDirectory(prefix="pladvisor-wrk-") as tmp:
        script, lines = Path(tmp) / "bodies.lua", Path(tmp) / "bodies.jsonl"
        script.write_text(SCRIPT, encoding="utf-8")
        lines.write_bytes(b"\n".join(bodies) + b"\n")
        command = [
            executable,
            "--threads",
            str(min(THREADS, connections)),
            "--connections",
            str(connections),
            "--duration",
            f"{duration}s",
            "--timeout",
            f"{TIMEOUT_SECONDS}s",
            "--script",
            str(script),
            url + path,
            "--",
            path,
            str(lines),
            str(min(THREADS, connections)),
        ]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(
            command, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=duration + 120, check=False
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"wrk exited {done.returncode}: {done.stderr[-2000:]}{done.stdout[-2000:]}")
    reports = [line[len(MARKER) :] for line in done.stdout.splitlines() if line.startswith(MARKER)]
    if len(reports) != 1:
        raise RuntimeError(f"wrk's script wrote no result: {done.stdout[-2000:]}{done.stderr[-2000:]}")
    found = json.loads(reports[0])
    if not found["requests"]:
        raise RuntimeError(f"wrk completed no request in {duration} s: {done.stdout[-2000:]}")
    return WrkResult(
        requests=found["requests"],
        seconds=found["duration_us"] / 1e6,
        percentiles={float(p) / 100: us / 1e6 for p, us in found["percentiles_us"].items()},
        client_cpu=(after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
        response_bytes=found["bytes"],
        problems=_problems(found),
    )
