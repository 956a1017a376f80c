"""Section 12: a school's survey answered by 1,000 respondents at once, each through their own link.

A real `pladvisor serve` with a new SQLite database opens a survey of 1,000 roster places (60 teachers, 540
students, 400 families) at one school, then at a second; wrk sends each link's answers once, over 50
connections, and each survey must hold exactly the 1,000 responses sent. The baseline is the stateless
POST /v1/assessments on the same server and connections in the same run. The server's memory is read
throughout: a leak would raise its highest RSS again over the second school.

wrk sends each link once: the Lua script below gives each thread its share of the respondents, formats every
request in init(), and lets a connection wait (delay()) once its thread's share is all taken, so no request but
the respondents' is timed. A thread stops itself on its last answer and says so on stdout; wrk itself waits out
its --duration, so this module interrupts it (SIGINT) once every thread has said so, and its done() reports.
wrk also calls request() once in its first thread to check the script, and never sends that request: the script
answers that call without taking a respondent.

Answers through survey links are limited to 120 a minute per client address (``api.security``), and no setting
changes that figure. The respondents therefore arrive as they would through the service's reverse proxy: the
server trusts 127.0.0.1 as a proxy (PLADVISOR_TRUSTED_PROXIES) and each request names its respondent's address in
X-Forwarded-For: the teachers share the school's address (60 answers), each class of 30 students its room's, and
each family its own. The limit stays in force and is measured with the rest of the route.
"""

from __future__ import annotations

import json
import random
import resource
import secrets
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from common import BIN, FULL, Figure, Scale, judged, machine_busy, own_cpu, say
from native_load import PERCENTILES, THREADS, TIMEOUT_SECONDS, WrkResult, drive_wrk, wrk_path
from servers import HOST, Server, serving

from pladvisor.advice.advisor import Advisor
from pladvisor.advice.combine import Combiner
from pladvisor.advice.survey_catalog import load_survey_catalog
from pladvisor.advice.survey_forms import Questionnaire, questionnaire, read_form
from pladvisor.config import Settings
from pladvisor.domain.respondents import Role
from pladvisor.engine.catalog import default_rules_dir
from pladvisor.engine.respondents import load_respondents

ROSTERS: dict[Role, int] = {"teacher": 60, "student": 540, "family": 400}
"""1,000 places; a quick run takes a fifth of each."""
WARM_UP_SHARE = 10
"""A survey a tenth the size is answered first, so the measured run sees the route's caches filled and its
connections open, as the baseline's warm-up does."""
PLURAL: dict[Role, str] = {"teacher": "teachers", "student": "students", "family": "families"}
CLASS_SIZE = 30
SPANISH_FAMILIES = 3
"""One family in this many answers in Spanish (``lang=es``), so the translated form is read back too."""
SECOND_USES = 20
CONNECTIONS = 50
RSS_EVERY = 0.05
"""Seconds between readings of the server's RSS while it is answering."""
RUN_LIMIT_SECONDS = 300
"""wrk's --duration: a bound, never reached unless answers are lost (every thread stops on its last one)."""
BUSY_CORES = 0.25
"""Cores other processes may use during a run before its figure says the machine was busy (as section 3)."""
MARKER = "pladvisor-bench-wrk "
THREAD_DONE = "pladvisor-bench-thread-done"

SCRIPT = """\
local threads = {}

function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

function init(args)
  local file, count, index = args[1], tonumber(args[2]), 0
  prepared = {}
  for line in io.lines(file) do
    if index % count == thread_index then
      local path, address, body = line:match("^([^\\t]*)\\t([^\\t]*)\\t(.*)$")
      local headers = {["Content-Type"] = "application/x-www-form-urlencoded", ["X-Forwarded-For"] = address}
      prepared[#prepared + 1] = wrk.format("POST", path, headers, body)
    end
    index = index + 1
  end
  reserved, position, answered, extra, not_200, first_not_200 = 0, 0, 0, 0, 0, 0
  spare = wrk.format("GET", "/health")
end

function delay()
  reserved = reserved + 1
  if reserved <= #prepared then return 0 end
  return 3600000
end

function request()
  -- wrk calls request() once after init() in its first thread to check the script, and never sends that one;
  -- every request sent comes after a delay().
  if reserved == 0 then return prepared[1] or spare end
  position = position + 1
  if position > #prepared then
    extra = extra + 1
    return spare
  end
  return prepared[position]
end

function response(status, headers, body)
  answered = answered + 1
  if status ~= 200 then
    not_200 = not_200 + 1
    if first_not_200 == 0 then first_not_200 = status end
  end
  if answered >= #prepared then
    io.write("@THREAD_DONE@\\n")
    io.flush()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local not_200, first, extra = 0, 0, 0
  for _, thread in ipairs(threads) do
    not_200 = not_200 + thread:get("not_200")
    extra = extra + thread:get("extra")
    if first == 0 then first = thread:get("first_not_200") end
  end
  local percentiles = {}
  for _, p in ipairs({@PERCENTILES@}) do
    percentiles[#percentiles + 1] = string.format('"%g": %d', p, latency:percentile(p))
  end
  local e = summary.errors
  io.write(string.format(
    '%s{"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "not_200": %d, "first_not_200": %d, "extra": %d, "percentiles_us": {%s}}\\n',
    "@MARKER@", summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, not_200, first, extra, table.concat(percentiles, ", ")))
end
""".replace("@PERCENTILES@", ", ".join(f"{p:g}" for p in PERCENTILES)).replace("@MARKER@", MARKER)
SCRIPT = SCRIPT.replace("@THREAD_DONE@", THREAD_DONE)


Forms = dict[tuple[Role, str], Questionnaire]
"""Each role's questionnaire in each language it is offered in."""


@dataclass(frozen=True)
class Respondent:
    path: str
    """The link's path, /s/TOKEN."""
    address: str
    """Where the respondent answers from, as the proxy names it in X-Forwarded-For."""
    body: bytes
    role: Role
    answers: str
    """The answers the server must store from ``body``, as canonical JSON."""


@dataclass(frozen=True)
class Answered:
    wrk: WrkResult
    server_cpu: float
    others: float
    """Cores other processes used meanwhile, on average."""
    rss_peak: float


def canonical(answers: Any) -> str:
    return json.dumps(answers, sort_keys=True, separators=(",", ":"))


def _filled(form: Questionnaire, rng: random.Random) -> dict[str, list[str]]:
    """A form as one person fills it in: most questions answered, some after the first left blank ("Not sure")."""
    sent: dict[str, list[str]] = {}
    for question in form.questions:
        if sent and rng.random() < 0.1:
            continue
        if question.kind == "bool":
            sent[question.name] = [rng.choice(("yes", "no"))]
        elif question.kind == "choice":
            sent[question.name] = [rng.choice(question.choices).value]
        elif question.kind == "choices":
            values = [choice.value for choice in question.choices]
            sent[question.name] = rng.sample(values, rng.randint(1, len(values)))
        else:
            low = question.minimum or 0
            sent[question.name] = [str(rng.randint(low, question.maximum or low + 200))]
    return sent


def respondents(links: dict[Role, list[str]], forms: Forms, school: int) -> list[Respondent]:
    """Every link's answers, seeded, each checked by the form's own reading, in an order that mixes the roles as
    a survey's arrivals do. ``school`` (1 to 255) sets the addresses its people answer from."""
    rng = random.Random(school)
    made = []
    for role, urls in links.items():
        for place, url in enumerate(urls, start=1):
            language = "es" if role == "family" and place % SPANISH_FAMILIES == 0 else "en"
            form = forms[(role, language)]
            sent = _filled(form, rng)
            read = read_form(form, sent)
            if read.response is None:
                raise RuntimeError(f"the bench filled a {role}'s form wrongly: {read.errors}")
            address = {
                "teacher": f"10.{school}.0.1",
                "student": f"10.{school}.{1 + (place - 1) // CLASS_SIZE}.1",
                "family": f"10.{school}.{100 + place // 250}.{place % 250 + 1}",
            }[role]
            body = urlencode({**sent, "lang": [language]}, doseq=True).encode()
            answers = canonical(read.response.model_dump(mode="json")["answers"])
            made.append(Respondent(urlsplit(url).path, address, body, role, answers))
    rng.shuffle(made)
    return made


def _forms(advisor: Advisor) -> Forms:
    rules = default_rules_dir()
    combiner = Combiner(advisor, load_respondents(rules, advisor.catalog), Settings().minimum_group)
    catalog = load_survey_catalog(rules, combiner)
    return {
        (role, language): questionnaire(catalog, combiner, role, language)
        for role in ROSTERS
        for language in catalog.offered_for(role, ("en", "es"))
    }


@contextmanager
def _highest_rss(server: Server) -> Iterator[list[float]]:
    """The server's highest RSS while the block runs, read every RSS_EVERY seconds from another thread."""
    highest = [server.rss_mib()]
    stop = threading.Event()

    def read() -> None:
        while not stop.wait(RSS_EVERY):
            highest[0] = max(highest[0], server.rss_mib())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        yield highest
    finally:
        stop.set()
        reader.join()
        highest[0] = max(highest[0], server.rss_mib())


def _send_once(url: str, people: Sequence[Respondent]) -> WrkResult:
    """Each respondent's request once, by wrk over CONNECTIONS connections, timed from first to last answer."""
    executable = wrk_path()
    if executable is None:
        raise RuntimeError("wrk is not installed: `make bench` installs it (Debian package wrk)")
    with tempfile.TemporaryDirectory(prefix="pladvisor-wrk-") as tmp:
        script, lines = Path(tmp) / "answers.lua", Path(tmp) / "answers.tsv"
        script.write_text(SCRIPT, encoding="utf-8")
        lines.write_bytes(b"".join(f"{p.path}\t{p.address}\t".encode() + p.body + b"\n" for p in people))
        threads = min(THREADS, len(people))
        command = [
            executable,
            *("--threads", str(threads), "--connections", str(CONNECTIONS)),
            *("--duration", f"{RUN_LIMIT_SECONDS}s", "--timeout", f"{TIMEOUT_SECONDS}s", "--script", str(script)),
            url + people[0].path,
            *("--", str(lines), str(threads)),
        ]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True)
        assert process.stdout is not None
        output, finished = [], 0
        for line in process.stdout:
            output.append(line)
            finished += line.strip() == THREAD_DONE
            if finished == threads:
                process.send_signal(signal.SIGINT)
                output += process.stdout.readlines()
                break
        process.wait(timeout=RUN_LIMIT_SECONDS + 120)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    text = "".join(output)
    reports = [line[len(MARKER) :] for line in output if line.startswith(MARKER)]
    if process.returncode != 0 or len(reports) != 1:
        raise RuntimeError(f"wrk exited {process.returncode} without its result: {text[-2000:]}")
    found = json.loads(reports[0])
    problems = [
        f"{found[key]:,} {label}"
        for key, label in (
            ("connect", "connect errors"),
            ("read", "read errors"),
            ("write", "write errors"),
            ("timeout", f"requests over {TIMEOUT_SECONDS} s"),
            ("extra", "requests sent again on a connection made again"),
        )
        if found[key]
    ]
    if found["not_200"]:
        problems.append(f"{found['not_200']:,} answers other than 200 (the first: {found['first_not_200']})")
    if finished < threads:
        problems.append(f"wrk ran its {RUN_LIMIT_SECONDS} s out before every respondent was answered")
    return WrkResult(
        requests=found["requests"],
        seconds=found["duration_us"] / 1e6,
        percentiles={float(p) / 100: us / 1e6 for p, us in found["percentiles_us"].items()},
        client_cpu=(after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
        response_bytes=found["bytes"],
        problems=tuple(problems),
    )


def _answered(server: Server, people: Sequence[Respondent]) -> Answered:
    cpu, busy, own, start = server.cpu_by_process(), machine_busy(), own_cpu(), time.perf_counter()
    with _highest_rss(server) as highest:
        result = _send_once(server.url, people)
    wall = time.perf_counter() - start
    server_cpu = sum(server.cpu_by_process().values()) - sum(cpu.values())
    others = max(0.0, (machine_busy() - busy) - (own_cpu() - own) - server_cpu) / wall
    return Answered(result, server_cpu, others, highest[0])


def _survey(http: httpx.Client, school: str, rosters: dict[Role, int]) -> tuple[str, dict[Role, list[str]]]:
    closes_on = (datetime.now(UTC).date() + timedelta(days=30)).isoformat()
    roles = {role: {"roster": roster} for role, roster in rosters.items()}
    made = http.post(f"/v1/schools/{school}/surveys", json={"roles": roles, "closes_on": closes_on})
    if made.status_code != 201:
        raise RuntimeError(f"opening a survey answered {made.status_code}: {made.text[:500]}")
    survey = made.json()
    return str(survey["id"]), {role["role"]: list(role["links"]) for role in survey["roles"]}


def _stored(database: Path, survey: str) -> tuple[Counter[tuple[str, str]], int]:
    """The survey's responses as stored (role and answers) and its used places, read from the database itself."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT role, answers FROM survey_responses WHERE survey_id = ?", (survey,)).fetchall()
        (places,) = db.execute("SELECT count(*) FROM survey_places WHERE survey_id = ?", (survey,)).fetchone()
    return Counter((role, canonical(json.loads(answers))) for role, answers in rows), int(places)


def _ms(result: WrkResult) -> str:
    return f"p50 {result.percentile_ms(0.5):,.0f} / p99 {result.percentile_ms(0.99):,.0f} ms"


@dataclass(frozen=True)
class Round:
    """One school's survey answered by all its people at once, then read back."""

    survey: str
    people: list[Respondent]
    answered: Answered
    counted: dict[str, int]
    """Responses per role, as the survey's GET gives them."""
    read_ms: float
    read_rss_peak: float


def _round(
    server: Server, http: httpx.Client, district: str, rosters: dict[Role, int], forms: Forms, number: int
) -> Round:
    made = http.post(f"/v1/districts/{district}/schools", json={"name": f"School {number}"})
    school = str(made.json()["id"])
    survey, links = _survey(http, school, rosters)
    people = respondents(links, forms, number)
    answered = _answered(server, people)
    with _highest_rss(server) as highest:
        started = time.perf_counter()
        status = http.get(f"/v1/schools/{school}/surveys/{survey}")
        read_ms = 1000 * (time.perf_counter() - started)
    if status.status_code != 200:
        raise RuntimeError(f"reading the survey answered {status.status_code}: {status.text[:500]}")
    counted = {rate["role"]: int(rate["responses"]) for rate in status.json()["roles"]}
    return Round(survey, people, answered, counted, read_ms, highest[0])


def _used_again(http: httpx.Client, people: Sequence[Respondent]) -> Counter[int]:
    headers = {"content-type": "application/x-www-form-urlencoded"}
    return Counter(
        http.post(p.path, content=p.body, headers={**headers, "x-forwarded-for": p.address}).status_code for p in people
    )


def surveys_figures(advisor: Advisor, raws: Sequence[dict[str, Any]], scale: Scale) -> list[Figure]:
    """Two schools' surveys of 1,000 places answered in turn, after a warm-up survey a tenth the size: the first
    gives the latency, both are checked whole, and the second shows whether the server's memory rises again."""
    if wrk_path() is None:
        say("  wrk is not installed (`make bench` installs it): the survey figures are not measured")
        return [Figure("12 survey answers (wrk)", "not measured: wrk is not installed", "-", "-", "-", None)]
    full = scale is FULL
    rosters = {role: roster if full else roster // 5 for role, roster in ROSTERS.items()}
    count = sum(rosters.values())
    forms = _forms(advisor)
    probe = json.dumps(raws[0]).encode()
    assessments = [json.dumps(raw).encode() for raw in raws]
    with tempfile.TemporaryDirectory(prefix="pladvisor-survey-") as tmp:
        database, secret = Path(tmp) / "surveys.db", Path(tmp) / "embed-secret"
        secret.write_text(secrets.token_urlsafe(32), encoding="ascii")

        def command(port: int) -> list[str]:
            # env(1) replaces itself with the server, so the process measured is the server's own.
            public = f"PLADVISOR_PUBLIC_URL=http://{HOST}:{port}"
            serve = ["serve", "--host", HOST, "--port", str(port), "--upgrade-database"]
            return ["env", public, str(BIN / "pladvisor"), *serve]

        settings = {
            "PLADVISOR_DATABASE_URL": f"sqlite:///{database}",
            "PLADVISOR_EMBED_SECRET_FILE": str(secret),
            "PLADVISOR_TRUSTED_PROXIES": HOST,
        }
        with serving(command, "/v1/assessments", probe, **settings) as server:
            rss_start = server.rss_mib()
            drive_wrk(server.url, "/v1/assessments", assessments, CONNECTIONS, scale.warmup_seconds)
            cpu_before = sum(server.cpu_by_process().values())
            baseline = drive_wrk(server.url, "/v1/assessments", assessments, CONNECTIONS, scale.http_seconds)
            baseline_cpu = sum(server.cpu_by_process().values()) - cpu_before
            with httpx.Client(base_url=server.url, timeout=120) as http:
                made = http.post("/v1/districts", json={"name": "Bench district"})
                if made.status_code != 201:
                    raise RuntimeError(f"making a district answered {made.status_code}: {made.text[:500]}")
                district = str(made.json()["id"])
                warm_rosters = {role: max(1, roster // WARM_UP_SHARE) for role, roster in rosters.items()}
                warm = _round(server, http, district, warm_rosters, forms, 1)
                rss_before = server.rss_mib()
                first = _round(server, http, district, rosters, forms, 2)
                rss_first = server.rss_mib()
                second = _round(server, http, district, rosters, forms, 3)
                rss_end = server.rss_mib()
                again = _used_again(http, first.people[:SECOND_USES])
        stored = {done.survey: _stored(database, done.survey) for done in (first, second)}

    result = first.answered.wrk
    lost = extra = 0
    for done in (first, second):
        sent: Counter[tuple[str, str]] = Counter((p.role, p.answers) for p in done.people)
        kept, places = stored[done.survey]
        lost += sum((sent - kept).values())
        extra += sum((kept - sent).values()) + abs(places - len(done.people))
    kept_count = sum(sum(kept.values()) for kept, _ in stored.values())
    say(
        f"  {count:,} respondents ({', '.join(f'{n} {PLURAL[role]}' for role, n in rosters.items())}; one family "
        f"in {SPANISH_FAMILIES} in Spanish) answering each through their own link once, by wrk over {CONNECTIONS} "
        f"connections; two schools in turn, after a warm-up school of {warm.answered.wrk.requests:,}"
        f"{' (NOT ALL 200)' if warm.answered.wrk.problems else ''}"
    )
    for label, done in (("first school", first), ("second school", second)):
        run = done.answered.wrk
        say(
            f"  {label}, POST /s/TOKEN: {run.requests:,} answers in {run.seconds:.1f} s = {run.rate:,.0f}/s, "
            + ", ".join(f"p{100 * share:g} {run.percentile_ms(share):,.0f}" for share in (0.5, 0.9, 0.99, 0.999))
            + f" ms; server CPU {1000 * done.answered.server_cpu / run.requests:.2f} ms per answer; wrk "
            f"{run.client_core_share:.0%} of a core; other processes {done.answered.others:.2f} cores"
        )
        for problem in run.problems:
            say(f"    NOT A FIGURE OF THE ROUTE: {problem}")
        say(
            f"    the survey's GET: {sum(done.counted.values()):,} responses "
            f"({', '.join(f'{n} {role}' for role, n in done.counted.items())}) in {done.read_ms:,.0f} ms; in the "
            f"database {sum(stored[done.survey][0].values()):,} responses and {stored[done.survey][1]:,} used places"
        )
    say(
        f"  against the answers sent: {lost} lost, {extra} stored that were not sent (duplicated or altered); "
        f"{SECOND_USES} of the first school's links used again: {dict(again)} (status: count)"
    )
    answer_cpu = first.answered.server_cpu / result.requests
    assess_cpu = baseline_cpu / baseline.requests
    say(
        f"  baseline POST /v1/assessments, same server and connections: {baseline.requests:,} requests in "
        f"{baseline.seconds:.1f} s, {_ms(baseline)}; server CPU {1000 * assess_cpu:.2f} ms per request; wrk "
        f"{baseline.client_core_share:.0%} of a core"
    )
    first_peak = max(first.answered.rss_peak, first.read_rss_peak)
    second_peak = max(second.answered.rss_peak, second.read_rss_peak)
    say(
        f"  server RSS {rss_start:.1f} MiB after start-up, {rss_before:.1f} MiB after the baseline and the warm-up "
        f"school; highest over the first school {first_peak:.1f} MiB ({rss_first:.1f} after), over the second "
        f"{second_peak:.1f} MiB ({rss_end:.1f} after): {second_peak / rss_start:.2f}x the RSS after start-up"
    )
    say(
        "  respondents' addresses: no setting raises the 120 answers a minute per address, so each request names "
        "its respondent's address through the trusted proxy 127.0.0.1 (a school's teachers one, each class of "
        "30 one, each family its own)"
    )

    whole = (
        not first.answered.wrk.problems
        and not second.answered.wrk.problems
        and lost == 0
        and extra == 0
        and first.counted == second.counted == dict(rosters)
        and again[410] == SECOND_USES
    )
    p99_ratio = result.percentile_ms(0.99) / baseline.percentile_ms(0.99)
    cpu_ratio = answer_cpu / assess_cpu
    growth = second_peak / first_peak - 1
    return [
        Figure(
            f"12 survey: 2 x {count:,} respondents once each (wrk)",
            f"{kept_count:,} stored, {lost} lost, {extra} duplicated; used again: {again[410]}/{SECOND_USES} "
            "answered 410",
            f"{2 * count:,} sent",
            "-",
            "all stored once; used again: 410",
            whole,
        ),
        Figure(
            f"12 survey: answer latency, {CONNECTIONS} connections",
            f"{'INVALID (not all 200): ' if result.problems else ''}{_ms(result)}; "
            f"{1000 * answer_cpu:.2f} ms server CPU{' (busy)' if first.answered.others >= BUSY_CORES else ''}",
            f"POST /v1/assessments {_ms(baseline)}; {1000 * assess_cpu:.2f} ms",
            f"{p99_ratio:.1f}x p99 ({cpu_ratio:.1f}x CPU)",
            "p99 ratio <= CPU ratio",
            judged(not result.problems and p99_ratio <= cpu_ratio, full),
        ),
        Figure(
            f"12 survey: server RSS, second {count:,} answers",
            f"{second_peak:.1f} MiB highest",
            f"{first_peak:.1f} MiB first {count:,} (start-up {rss_start:.1f})",
            f"{1 + growth:.3f}x",
            "< 5% growth",
            judged(growth < 0.05, full),
        ),
    ]
