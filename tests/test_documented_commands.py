"""Every shell command that README.md and the pages of docs/ show is run here as a reader would run it, and
what the page shows it printing is what it prints.

The fenced `sh`, `bash` and `console` blocks of a page run in order, as a reader goes down the page, in a fresh
directory laid out as a checkout is: a copy of `examples/` and `rules/`, and `.venv` leading to the environment
these tests run in. A page that calls `curl` is served by a real service on a free 127.0.0.1 port, started as
`make run` starts it (one of its own when the page brings a key), and the documented port 8000 is rewritten to
that one; an answer of 400 or more fails unless the page shows it. `/tmp/` becomes the page's directory, so
nothing is left behind.

What a page shows as output is checked:

- in a `console` block, the lines after a `$ ` command are all it prints;
- in an `sh` or `bash` block, a comment line right under a command is what it prints;
- a `json` or `text` block right after a shell block (or after a paragraph that presents it as the answer) is
  what its last command prints: the JSON shown must be the answer abridged (members and items left out, a
  string cut short by `...`), and text must match line for line.

In shown output `...` stands for anything, and a placeholder (an abbreviated id such as `3f2c...`, `ID` or
`TOKEN`) for one value, which the commands after it then use. `KEY`, `SCHOOL_ID` and `PREFIX` are values the
reader brings, and are supplied (see `GIVEN`). A command that cannot run here is listed in `EXCUSED` with its
reason, so that a new command is either run or consciously excused: one that is neither fails.
"""

import json
import os
import re
import secrets
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from .servers import running_server

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
VENV = Path(sys.executable).parent.parent
SHELL_LANGUAGES = {"sh": "sh", "bash": "bash", "shell": "sh", "console": "bash", "shell-session": "bash"}
OUTPUT_LANGUAGES = ("json", "text")
# What else a page may fence: none of it is run. A block in another language, or in none, fails below, so that a
# new kind of block is read and either run or named here.
OTHER_LANGUAGES = ("json", "text", "yaml", "html", "python")
DOCUMENTED_ADDRESS = re.compile(r"\b(127\.0\.0\.1|localhost):8000\b")
DOCUMENTED_CLOSING_DAY = "2027-11-30"
"""The closing day docs/api/surveys.md shows. A survey closes no earlier than today and within 366 days, so once
that day is a week away the pages' commands run with a day a month ahead in its place, read in their outputs too."""


def closing_day(today: date) -> str:
    shown = date.fromisoformat(DOCUMENTED_CLOSING_DAY)
    return DOCUMENTED_CLOSING_DAY if shown - today > timedelta(days=7) else (today + timedelta(days=30)).isoformat()


# curl says each answer's status in this form (see `_prepare`): an answer of 400 or more fails the command,
# unless what the page shows of it names that status.
CURL_HOME = ".curl"
HTTP_STATUS = re.compile(r"\[answered (\d{3})\]\n")
COMMAND_SECONDS = 30
TOTAL_SECONDS = 100

# Commands shown that do not run here, each with its reason. The key is the command as the page writes it,
# without its trailing comment; a page that changes the command must change it here too.
_DOCKER = "needs a container engine; tests/test_container.py runs the image's command as the image would"
_INSTALL = "would install into the environment these tests run in, which `make test` installs the same way"
EXCUSED: dict[str, str] = {
    "make run": "serves until it is stopped; tests/test_commands.py checks the command it runs",
    "make test": "runs the whole suite, this file included",
    "pip install .": _INSTALL,
    "pip install '.[server]'": _INSTALL,
    "docker build -t pladvisor .": _DOCKER,
    "docker run -p 8000:8000 --stop-timeout 30 -v pladvisor-data:/var/lib/pladvisor -e PLADVISOR_API_KEYS=... "
    "pladvisor": _DOCKER,
    "curl -H 'X-API-Key: KEY' ...": "`...` stands for any request; docs/api/embeds.md sends its key this way",
    "curl -H 'Authorization: Bearer KEY' ...": "`...` stands for any request; tests/test_security.py sends keys so",
    "PLADVISOR_HOST=0.0.0.0 PLADVISOR_API_KEYS=... make run": "`...` stands for the operator's own keys, and it "
    "serves on every address until it is stopped",
    "PLADVISOR_HOST=0.0.0.0 PLADVISOR_API_KEYS=... PLADVISOR_WORKERS=2 .venv/bin/pladvisor serve --port 8000": "`...` "
    "stands for the operator's own keys, and it serves on every address until it is stopped",
}

# Programs that would change this machine or never end: a command that starts one is not tried, and fails unless
# it is excused above.
NEVER_TRIED = ("pip", "docker", "make", "apt-get", "sudo", "systemctl")


def _program(command: str) -> str:
    """The program a command starts, past the settings written before it."""
    words = shlex.split(command, comments=True)
    return next((word for word in words if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", word)), "")


# Commands documented to end with a status other than 0, and where the page says so. A console block whose
# output starts with `error:` shows a setting or an argument refused, which the settings page gives status 2.
EXPECTED_STATUS: dict[str, tuple[int, str]] = {
    ".venv/bin/pladvisor score examples/district.csv -o out.jsonl -o out.csv --rollup rollup.json "
    "--report district.html": (1, "docs/api/command-line.md: the exit status is 1 when any row failed"),
    ".venv/bin/pladvisor catalog diff rules /tmp/rules-new --profiles examples/district.csv": (
        1,
        "docs/catalog/catalog-diff.md: the exit status is 1 when a row failed",
    ),
}
ERROR_STATUS = 2

PLACEHOLDER = re.compile(r"(?<![\w.])[0-9a-f]{2,}\.\.\.|\b(?:KEY|SCHOOL_ID|PREFIX|TOKEN|ID)\b|\.\.\.")


@dataclass(frozen=True)
class Command:
    text: str
    line: int
    shown: str | None = None
    console: bool = False

    @property
    def expected_status(self) -> int:
        if self.text in EXPECTED_STATUS:
            return EXPECTED_STATUS[self.text][0]
        return ERROR_STATUS if self.console and (self.shown or "").startswith("error:") else 0


@dataclass(frozen=True)
class Block:
    page: str
    line: int
    shell: str
    commands: tuple[Command, ...]
    # The json or text block right after it: what its last command prints.
    answer: tuple[str, str] | None = None

    @property
    def runnable(self) -> list[Command]:
        return [command for command in self.commands if command.text not in EXCUSED]


def _fences(lines: list[str]) -> Iterator[tuple[int, int, str, list[str]]]:
    """Each fenced block as (first line number, line after it, language, its lines without the fence's indent)."""
    index = 0
    while index < len(lines):
        opening = re.match(r"^(\s*)(`{3,}|~{3,})\s*([\w+-]*)", lines[index])
        if opening is None:
            index += 1
            continue
        indent, fence, language = opening.groups()
        end = index + 1
        while end < len(lines) and not re.fullmatch(rf"\s*{fence[0]}{{{len(fence)},}}\s*", lines[end]):
            end += 1
        body = [line[len(indent) :] if line.startswith(indent) else line.lstrip() for line in lines[index + 1 : end]]
        yield index + 1, end + 1, language, body
        index = end + 1


def _complete(text: str) -> bool:
    """Whether the shell would run `text` as it stands, or wait for another line."""
    if text.rstrip().endswith(("\\", "|", "&&", "||")):
        return False
    try:
        shlex.split(text, comments=True)
    except ValueError:
        return False
    return True


def _without_comment(text: str) -> str:
    """The command without a trailing `# ...` remark, when taking it off changes nothing the shell runs."""
    lines = text.split("\n")
    remark = re.fullmatch(r"(.*?\S)\s+#\s.*", lines[-1])
    if remark is None:
        return text
    bare = "\n".join([*lines[:-1], remark.group(1)])
    return bare if shlex.split(bare, comments=True) == shlex.split(text, comments=True) else text


def _shell_commands(body: list[str], first: int) -> list[Command]:
    commands: list[Command] = []
    pending: list[str] = []
    start = 0
    shown: list[str] = []
    under_command = False

    def close_shown() -> None:
        if shown and commands:
            last = commands[-1]
            commands[-1] = Command(last.text, last.line, "\n".join(shown))
        shown.clear()

    for number, line in enumerate(body, first + 1):
        if pending:
            pending.append(line)
        elif not line.strip():
            close_shown()
            under_command = False
            continue
        elif line.lstrip().startswith("#"):
            if under_command:
                shown.append(line.lstrip()[1:].strip())
            continue
        else:
            close_shown()
            pending, start = [line], number
        if _complete("\n".join(pending)):
            commands.append(Command(_without_comment("\n".join(pending).strip()), start))
            pending, under_command = [], True
    close_shown()
    assert not pending, f"line {start}: a command that never ends"
    return commands


def _console_commands(body: list[str], first: int) -> list[Command]:
    commands: list[tuple[str, int, list[str]]] = []
    for number, line in enumerate(body, first + 1):
        if line.startswith("$ "):
            commands.append((line[2:].strip(), number, []))
        elif commands:
            commands[-1][2].append(line)
    return [Command(text, line, "\n".join(shown).strip("\n") or None, console=True) for text, line, shown in commands]


def _introduces_answer(between: list[str]) -> bool:
    """Whether the text between a shell block and the next block presents that block as its answer: nothing, or
    a paragraph, under no new heading, that speaks of the answer and ends with a colon."""
    prose = " ".join(line.strip() for line in between if line.strip())
    if not prose:
        return True
    return not any(line.startswith("#") for line in between) and prose.endswith(":") and "answer" in prose


def shell_blocks(page: str, text: str) -> list[Block]:
    """The shell blocks of one page, each with its commands, what it shows them print and the answer after it."""
    blocks: list[Block] = []
    lines = text.splitlines()
    fences = list(_fences(lines))
    for position, (first, after, language, body) in enumerate(fences):
        if language not in SHELL_LANGUAGES:
            continue
        if language in ("console", "shell-session"):
            commands = _console_commands(body, first)
        else:
            commands = _shell_commands(body, first)
        answer = None
        if position + 1 < len(fences):
            following_first, _, following_language, following_body = fences[position + 1]
            if following_language in OUTPUT_LANGUAGES and _introduces_answer(lines[after : following_first - 1]):
                answer = (following_language, "\n".join(following_body))
        blocks.append(Block(page, first, SHELL_LANGUAGES[language], tuple(commands), answer))
    return blocks


BLOCKS = [
    block
    for page in PAGES
    for block in shell_blocks(page.relative_to(ROOT).as_posix(), page.read_text(encoding="utf-8"))
]


def _normal(text: str) -> str:
    """Text as compared: runs of white space as one space, none beside JSON's punctuation, so that the page may
    lay out an answer the service writes compactly."""
    return re.sub(r" ?([{}\[\],:]) ?", r"\1", re.sub(r"\s+", " ", text.strip()))


@dataclass
class Run:
    """One block being run: its directory, its service if it needs one, and the values its placeholders took."""

    directory: Path
    server: str | None = None
    key: str | None = None
    values: dict[str, str] = field(default_factory=dict)
    outputs: list[tuple[str, str]] = field(default_factory=list)

    def rewrite(self, text: str) -> str:
        text = text.replace("/tmp/", f"{self.directory}/")
        text = text.replace(DOCUMENTED_CLOSING_DAY, closing_day(datetime.now(UTC).date()))
        if self.server is not None:
            text = DOCUMENTED_ADDRESS.sub(rf"\1:{self.server.rsplit(':', 1)[1]}", text)
        return text


def _key(run: Run) -> str:
    assert run.key is not None, "a block that uses KEY is served with keys"
    return run.key


def _school(run: Run) -> str:
    """A school stored through the block's own service, as docs/api/stored.md makes one."""
    assert run.server is not None, "SCHOOL_ID is a stored school: the block needs its service"
    headers = {"X-API-Key": run.key} if run.key else {}
    district = httpx.post(f"{run.server}/v1/districts", json={"name": "North Valley"}, headers=headers)
    assert district.status_code == 201, district.text
    school = httpx.post(
        f"{run.server}/v1/districts/{district.json()['id']}/schools", json={"name": "Oak Primary"}, headers=headers
    )
    assert school.status_code == 201, school.text
    return str(school.json()["id"])


def _prefix(run: Run) -> str:
    """docs/operators/storage.md: `keys create` prints the key as the last word, and keys go by its first eight
    characters."""
    made = [output for command, output in run.outputs if " keys create " in f" {command} "]
    assert made, "PREFIX names a key that a `keys create` before it printed"
    return made[-1].split()[-1][:8]


GIVEN: dict[str, Callable[[Run], str]] = {"KEY": _key, "SCHOOL_ID": _school, "PREFIX": _prefix}


def _pattern(shown: str, run: Run) -> tuple[re.Pattern[str], dict[str, str]]:
    """Shown output as a pattern: `...` for anything, each placeholder for one value, caught by the group named
    beside it unless the placeholder has its value already."""
    parts: list[str] = []
    groups: dict[str, str] = {}
    text = _normal(run.rewrite(shown))
    position = 0
    for found in PLACEHOLDER.finditer(text):
        parts.append(re.escape(text[position : found.start()]))
        name = found.group()
        if name == "...":
            parts.append(".*?")
        elif name in run.values or name in GIVEN:
            parts.append(re.escape(_value(name, run)))
        elif name in groups:
            parts.append(f"(?P={groups[name]})")
        else:
            groups[name] = f"p{len(groups)}"
            parts.append(rf"(?P<{groups[name]}>[\w.~-]+)")
        position = found.end()
    parts.append(re.escape(text[position:]))
    return re.compile("".join(parts), re.DOTALL), groups


def _value(name: str, run: Run) -> str:
    """A placeholder's value: the one an earlier output gave it, or the one the reader brings."""
    if name not in run.values and name in GIVEN:
        run.values[name] = GIVEN[name](run)
    return run.values[name]


def _bind(command: str, run: Run) -> str:
    """The command with the values of its placeholders, as the reader would type it."""

    def value(found: re.Match[str]) -> str:
        name = found.group()
        assert name in run.values or name in GIVEN, (
            f"{command!r}: {name!r} has no value here; show the output that gives it, or excuse the command"
        )
        return _value(name, run)

    return PLACEHOLDER.sub(value, command)


def _difference(answer: Any, shown: Any, run: Run, where: str = "") -> str | None:
    """Where the answer differs from the JSON shown, abridged as the pages abridge it: members left out
    (`"...": "..."` says so), items of a list left out (an item that is a string starting with `...` says more
    follow), and a string ending in `...` cut there. A placeholder takes the answer's value, for the commands
    after it. None when it does not differ."""
    if isinstance(shown, dict):
        if not isinstance(answer, dict):
            return f"{where}: {answer!r}, shown an object"
        for name, value in shown.items():
            if name == "...":
                continue
            if name not in answer:
                return f"{where}.{name} is shown but not in the answer"
            if (found := _difference(answer[name], value, run, f"{where}.{name}")) is not None:
                return found
        return None
    if isinstance(shown, list):
        if not isinstance(answer, list) or (shown == []) != (answer == []):
            return f"{where}: {answer!r}, shown {shown!r}"
        remaining = iter(answer)
        for index, item in enumerate(shown):
            if isinstance(item, str) and item.startswith("..."):
                break
            if not any(_tried(given, item, run) for given in remaining):
                return f"{where}[{index}]: {item!r} is shown but not in the answer, in this order"
        return None
    if isinstance(shown, str) and shown != "..." and PLACEHOLDER.fullmatch(shown) and isinstance(answer, str):
        if shown not in run.values and shown not in GIVEN:
            run.values[shown] = answer
        return None if answer == _value(shown, run) else f"{where}: {answer!r}, shown {shown!r}"
    if isinstance(shown, str) and shown.endswith("..."):
        if isinstance(answer, str) and answer.startswith(shown.removesuffix("...").rstrip()):
            return None
    elif answer == shown:
        return None
    return f"{where}: {answer!r}, shown {shown!r}"


def _tried(answer: Any, shown: Any, run: Run) -> bool:
    """Whether an item of a list is the one shown, keeping the values its placeholders took only if it is."""
    before = dict(run.values)
    if _difference(answer, shown, run) is None:
        return True
    run.values = before
    return False


def _matches(shown: str, stdout: str, stderr: str, run: Run) -> bool:
    """Whether the command printed what is shown, on either stream or both, binding the placeholders it shows."""
    pattern, groups = _pattern(shown, run)
    for printed in (stdout, stderr, f"{stdout}\n{stderr}", f"{stderr}\n{stdout}"):
        found = pattern.fullmatch(_normal(printed))
        if found is not None:
            run.values.update({name: found.group(group) for name, group in groups.items()})
            return True
    return False


def _prepare(directory: Path) -> None:
    """The directory as a checkout looks to the commands: examples, rules and the environment in `.venv`; and a
    curl configuration of its own, which has curl also say each answer's status, on standard error."""
    shutil.copytree(ROOT / "examples", directory / "examples")
    shutil.copytree(ROOT / "rules", directory / "rules")
    (directory / ".venv").symlink_to(VENV, target_is_directory=True)
    (directory / CURL_HOME).mkdir()
    (directory / CURL_HOME / ".curlrc").write_text('write-out = "%{stderr}[answered %{http_code}]\\n"\n')


def _environment() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if not name.startswith("PLADVISOR_")}


def _seconds_left(deadline: float) -> float:
    left = deadline - time.monotonic()
    assert left > 0, f"the documented commands took more than {TOTAL_SECONDS} s together"
    return min(COMMAND_SECONDS, left)


@pytest.fixture(scope="module")
def deadline() -> float:
    """When the commands of every page must be done by, counted from the first page run."""
    return time.monotonic() + TOTAL_SECONDS


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One service, without keys as `make run` starts it, for the pages that bring no key: starting one per
    page would take most of the time these tests have."""
    with running_server(**_server_settings(tmp_path_factory.mktemp("served"))) as url:
        yield url


def _server_settings(directory: Path, key: str | None = None) -> dict[str, str]:
    """The service as `make run` sets it up, with its database in `directory`."""
    return {
        "PLADVISOR_DATABASE_URL": f"sqlite:///{directory / 'pladvisor.db'}",
        "PLADVISOR_UPGRADE_DATABASE": "true",
        "PLADVISOR_EMBED_SECRET": secrets.token_urlsafe(32),
        **({"PLADVISOR_API_KEYS": key} if key else {}),
    }


def _run_block(block: Block, run: Run, deadline: float) -> None:
    done: subprocess.CompletedProcess[str] | None = None
    for command in block.runnable:
        where = f"{block.page}:{command.line}"
        assert _program(command.text) not in NEVER_TRIED, f"{where}: {command.text!r} is not tried here: excuse it"
        typed = _bind(run.rewrite(command.text), run)
        done = subprocess.run(
            [block.shell, "-c", typed],
            check=False,
            cwd=run.directory,
            env={**_environment(), "CURL_HOME": str(run.directory / CURL_HOME)},
            capture_output=True,
            text=True,
            timeout=_seconds_left(deadline),
        )
        statuses = HTTP_STATUS.findall(done.stderr)
        done.stderr = HTTP_STATUS.sub("", done.stderr)
        run.outputs.append((command.text, done.stdout))
        printed = f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        assert done.returncode == command.expected_status, f"{where}: {typed!r} exited {done.returncode}\n{printed}"
        shown = f"{command.shown}{block.answer[1] if block.answer else ''}"
        refused = [status for status in statuses if int(status) >= 400 and status not in shown]
        assert refused == [], f"{where}: {typed!r} was answered {', '.join(refused)}\n{printed}"
        if command.shown is not None:
            as_shown = _matches(command.shown, done.stdout, done.stderr, run)
            assert as_shown, f"{where}: {typed!r} printed\n{printed}\nnot as shown\n{command.shown}"
    if block.answer is not None and done is not None:
        language, shown = block.answer
        where = f"{block.page}:{block.runnable[-1].line}"
        if language == "json":
            difference = _difference(json.loads(done.stdout), json.loads(shown), run)
            assert difference is None, f"{where}: {difference}"
        else:
            as_shown = _matches(shown, done.stdout, done.stderr, run)
            assert as_shown, f"{where}: printed\n{done.stdout}\nnot as the block after it shows\n{shown}"


PAGES_RUN = sorted({block.page: None for block in BLOCKS})


@pytest.mark.parametrize("page", PAGES_RUN)
def test_each_documented_command_runs_as_shown(
    page: str, tmp_path: Path, deadline: float, request: pytest.FixtureRequest
) -> None:
    """A page's blocks run in order in one directory, against one service, as a reader goes down the page: a
    value one block shows can be used by the next."""
    blocks = [block for block in BLOCKS if block.page == page]
    commands = [command for block in blocks for command in block.commands]
    if not any(block.runnable for block in blocks):
        pytest.skip("; ".join(f"{c.text!r}: {EXCUSED[c.text]}" for c in commands))
    _prepare(tmp_path)
    run = Run(tmp_path)
    runnable = [command.text for block in blocks for command in block.runnable]
    with ExitStack() as stack:
        if any(re.search(r"(^|[\s|;(])curl\s", command) for command in runnable):
            if shutil.which("curl") is None:
                pytest.skip("curl is not installed")
            if any("KEY" in PLACEHOLDER.findall(command) for command in runnable):
                run.key = secrets.token_urlsafe()
                run.server = stack.enter_context(running_server(**_server_settings(tmp_path, run.key)))
            else:
                run.server = request.getfixturevalue("shared_server")
        for block in blocks:
            _run_block(block, run, deadline)


# The commands of the README before the documentation moved into docs/ (1,203 lines, before commit 45b2a04), by
# the first line each is written with now: a command the former README taught must still be taught, and so run
# above. Written as they now are: `.venv/bin/` before `template` and `combine`, which the README had left off,
# the batch answer summed up in full rather than cut by `head -40`, and the image given its data volume.
FORMER_README = (
    "make run",
    "make test",
    "curl -s -X POST http://127.0.0.1:8000/v1/assessments \\",
    "curl -s -X POST http://127.0.0.1:8000/v1/assessments/batch -H 'content-type: application/json' \\",
    ".venv/bin/pladvisor template --csv -o intake.csv",
    ".venv/bin/pladvisor score examples/district.csv -o out.jsonl -o out.csv --rollup rollup.json "
    "--report district.html",
    ".venv/bin/pladvisor template --role teacher --csv -o teachers.csv",
    ".venv/bin/pladvisor combine examples/respondents.csv -o combined.jsonl --rollup district.json --reports pages/",
    "curl -s -X POST localhost:8000/v1/districts -H 'content-type: application/json' -d '{\"name\": \"North Valley\"}'",
    "curl -s -X POST localhost:8000/v1/districts/3f2c.../schools -H 'content-type: application/json' -d "
    '\'{"name": "Oak Primary"}\'',
    "curl -s -X POST localhost:8000/v1/schools/9a1b.../assessments -H 'content-type: application/json' \\",
    "curl -s localhost:8000/v1/schools/9a1b.../assessments",
    "curl -X POST localhost:8000/v1/schools/SCHOOL_ID/embeds -H 'X-API-Key: KEY' \\",
    "docker build -t pladvisor .",
    "docker run -p 8000:8000 --stop-timeout 30 -v pladvisor-data:/var/lib/pladvisor -e PLADVISOR_API_KEYS=... "
    "pladvisor",
    ".venv/bin/pladvisor report examples/profile.json -o report.html",
    "PLADVISOR_HOST=0.0.0.0 PLADVISOR_API_KEYS=... PLADVISOR_WORKERS=2 .venv/bin/pladvisor serve --port 8000",
)


def test_every_command_of_the_former_readme_is_still_documented() -> None:
    first_lines = {command.text.split("\n", 1)[0] for block in BLOCKS for command in block.commands}
    assert [command for command in FORMER_README if command not in first_lines] == []


def test_every_block_is_in_a_language_this_file_knows() -> None:
    unknown = []
    for page in PAGES:
        for first, _, language, body in _fences(page.read_text(encoding="utf-8").splitlines()):
            where = f"{page.relative_to(ROOT).as_posix()}:{first}"
            if language not in SHELL_LANGUAGES and language not in OTHER_LANGUAGES:
                unknown.append(f"{where}: {language or 'no language'}")
            elif language == "text" and any(line.startswith("$ ") for line in body):
                unknown.append(f"{where}: commands in a text block (a console block runs them)")
    assert unknown == []


def test_every_excused_command_is_still_documented() -> None:
    documented = {command.text for block in BLOCKS for command in block.commands}
    assert sorted(set(EXCUSED) - documented) == []
    assert sorted(set(EXPECTED_STATUS) - documented) == []


SAMPLE_PAGE = """\
Run it:

```sh
curl -s -X POST 'http://127.0.0.1:8000/v1/assessments?view=summary' \\
     -H 'content-type: application/json' -d @examples/profile.json     # the summary view
# {"stage": "exploring", ...}
```

The answer, trimmed:

```json
{"stage": "exploring"}
```

```console
$ PLADVISOR_PORT=abc .venv/bin/pladvisor serve
error: PLADVISOR_PORT: must be a whole number from 1 to 65535, not 'abc'
$ .venv/bin/pladvisor rules --help
```

## Elsewhere

```text
not an answer: a heading stands between
```
"""


def test_the_commands_are_read_as_a_reader_reads_them() -> None:
    """A command runs on over its continuation line, a remark after it is no part of it, and a comment line under
    it is what it prints; the json block the next paragraph calls its answer is the last command's answer; a
    console block's lines after a command are its output, and `error:` there means status 2."""
    request, console = shell_blocks("sample.md", SAMPLE_PAGE)
    assert request.commands == (
        Command(
            "curl -s -X POST 'http://127.0.0.1:8000/v1/assessments?view=summary' \\\n"
            "     -H 'content-type: application/json' -d @examples/profile.json",
            4,
            '{"stage": "exploring", ...}',
        ),
    )
    assert request.answer == ("json", '{"stage": "exploring"}')
    refused, helped = console.commands
    assert (refused.text, refused.line, refused.expected_status) == (
        "PLADVISOR_PORT=abc .venv/bin/pladvisor serve",
        16,
        2,
    )
    assert refused.shown == "error: PLADVISOR_PORT: must be a whole number from 1 to 65535, not 'abc'"
    assert (helped.shown, helped.expected_status) == (None, 0)
    assert console.answer is None


def test_the_surveys_page_runs_after_its_closing_day_has_passed() -> None:
    assert closing_day(date(2026, 12, 8)) == DOCUMENTED_CLOSING_DAY
    assert closing_day(date(2027, 11, 25)) == "2027-12-25"
    assert closing_day(date(2028, 3, 1)) == "2028-03-31"
