"""Settings from PLADVISOR_* variables: a value that cannot be used is refused in one line that names the
variable and what it accepts, with exit status 2, by every command that reads the settings."""

import os
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pladvisor.cli.app import app as cli
from pladvisor.config import Settings

from .servers import PLADVISOR, free_port

runner = CliRunner()
ROOT = Path(__file__).parents[1]
WORKING_URLS = "URLs that work here: sqlite:///path/to/file.db, or postgresql+psycopg://user:password@host/db"


def command_id(command: list[str]) -> str:
    return " ".join(word for word in command if not word.startswith(("-", "{")))


def refused(**env: str) -> str:
    """What `pladvisor db upgrade` says on standard error, having exited with status 2."""
    result = runner.invoke(cli, ["db", "upgrade"], env=env)
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), "an error said in words, not a traceback"
    assert result.stdout == ""
    return result.stderr


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        ("PORT", "abc", "must be a whole number from 1 to 65535, not 'abc'"),
        ("PORT", "99999", "must be a whole number from 1 to 65535, not '99999'"),
        ("LOG_LEVEL", "verbose", "must be one of critical, error, warning, info or debug, not 'verbose'"),
        ("BATCH_LIMIT", "-1", "must be a whole number from 1 to 100000, not '-1'"),
        ("WORKERS", "0", "must be a whole number from 1 to 64, not '0'"),
        ("UPGRADE_DATABASE", "maybe", "must be true or false, not 'maybe'"),
        ("RATE_LIMIT_PER_MINUTE", "-5", "must be a whole number, 0 or more, not '-5'"),
        ("MAX_BODY_BYTES", "10", "must be a whole number of at least 1000, not '10'"),
        ("HEAD_TIMEOUT_SECONDS", "0", "must be a number above 0 and at most 600, not '0'"),
        ("DATABASE_URL", "nosuch://x", f"'nosuch://x' names a database pladvisor cannot use; {WORKING_URLS}"),
        ("DATABASE_URL", "notaurl", f"'notaurl' is not a database URL; {WORKING_URLS}"),
        (
            "DATABASE_URL",
            "sqlite+aiosqlite:///x.db",
            f"the database driver aiosqlite that 'sqlite+aiosqlite:///x.db' uses is not installed; {WORKING_URLS}",
        ),
        (
            "DATABASE_URL",
            "postgresql+psycopg_async://u@h/db",
            "the database driver psycopg_async that 'postgresql+psycopg_async://u@h/db' uses works only under "
            f"asyncio, which pladvisor's storage does not use; {WORKING_URLS}",
        ),
        (
            "CORS_ORIGINS",
            "https://portal.example,notaurl",
            "must be browser origins, comma-separated, each written scheme://host[:port] as in "
            "https://portal.example (or * for any), not 'notaurl'",
        ),
        (
            "CORS_ORIGINS",
            "https://portal.example/",
            "must be browser origins, comma-separated, each written scheme://host[:port] as in "
            "https://portal.example (or * for any), not 'https://portal.example/'",
        ),
        (
            "RATE_LIMIT_STORE_URL",
            "localhost:6379",
            "must be a redis://, rediss:// or valkey:// address, as in redis://localhost:6379/0, not 'localhost:6379'",
        ),
        (
            "PUBLIC_URL",
            "https://advice.example.org/app",
            "must be an http:// or https:// address with no path, as in https://advice.example.org, "
            "not 'https://advice.example.org/app'",
        ),
    ],
)
def test_a_setting_that_cannot_be_used_is_one_line_naming_its_variable(variable: str, value: str, said: str) -> None:
    assert refused(**{f"PLADVISOR_{variable}": value}) == f"error: PLADVISOR_{variable}: {said}\n"


def test_every_variable_at_fault_is_named_on_the_one_line() -> None:
    assert refused(PLADVISOR_PORT="abc", PLADVISOR_WORKERS="0") == (
        "error: PLADVISOR_PORT: must be a whole number from 1 to 65535, not 'abc'; "
        "PLADVISOR_WORKERS: must be a whole number from 1 to 64, not '0'\n"
    )


def test_a_database_url_is_repeated_without_its_password() -> None:
    said = refused(PLADVISOR_DATABASE_URL="nosuch://principal:hunter2-secret@db.example/advice")
    assert "'nosuch://principal:***@db.example/advice'" in said and "hunter2" not in said


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("PORT", "65535"),
        ("UPGRADE_DATABASE", "yes"),
        ("DATABASE_URL", "sqlite:///advice.db"),
        ("DATABASE_URL", "postgresql+psycopg://principal:secret@db.example/advice"),
        ("CORS_ORIGINS", "https://portal.example, http://localhost:3000,http://[::1]:8080"),
        ("CORS_ORIGINS", "*"),
        ("RATE_LIMIT_STORE_URL", "rediss://cache.example:6380/0"),
        ("PUBLIC_URL", "https://advice.example.org"),
    ],
)
def test_the_values_the_refusals_describe_are_accepted(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(f"PLADVISOR_{variable}", value)
    Settings.from_environment()


def test_settings_given_in_code_are_checked_alike() -> None:
    with pytest.raises(ValueError, match="scheme://host"):
        Settings(cors_origins=["portal.example"])


@pytest.mark.parametrize(
    "command",
    [
        ["rules"],
        ["db", "upgrade"],
        ["keys", "list", "--org", "North"],
        ["export", "--org", "North", "-o", "{tmp}/export.jsonl"],
        ["import", "{tmp}/export.jsonl", "--org", "North"],
        ["score", "{root}/examples/district.csv", "-o", "{tmp}/scored.jsonl"],
        ["combine", "{root}/examples/respondents.csv", "-o", "{tmp}/combined.jsonl"],
        ["report", "{root}/examples/profile.json", "-o", "{tmp}/report.html"],
        ["template", "--csv", "--role", "teacher", "-o", "{tmp}/teachers.csv"],
        ["catalog", "diff", "{root}/rules", "{root}/rules", "--store"],
    ],
    ids=command_id,
)
def test_every_command_that_reads_the_settings_refuses_them_alike(command: list[str], tmp_path: Path) -> None:
    (tmp_path / "export.jsonl").write_text("")
    words = [word.format(tmp=tmp_path, root=ROOT) for word in command]
    result = runner.invoke(cli, words, env={"PLADVISOR_PORT": "abc"})
    assert (result.exit_code, result.stderr) == (
        2,
        "error: PLADVISOR_PORT: must be a whole number from 1 to 65535, not 'abc'\n",
    )
    assert not (tmp_path / "scored.jsonl").exists() and not (tmp_path / "combined.jsonl").exists()


@pytest.mark.parametrize(
    "command",
    [
        ["db", "upgrade"],
        ["serve", "--upgrade-database"],
        ["keys", "list", "--org", "North"],
        ["catalog", "diff", "{root}/rules", "{root}/rules", "--store"],
    ],
    ids=command_id,
)
def test_a_database_that_cannot_be_opened_is_named_in_one_line(command: list[str], tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/no-such-directory/advice.db"
    words = [word.format(root=ROOT) for word in command]
    result = runner.invoke(cli, words, env={"PLADVISOR_DATABASE_URL": url})
    assert (result.exit_code, result.stderr) == (
        2,
        f"error: cannot open the database {url}: unable to open database file\n",
    )


def test_serve_refuses_a_setting_in_one_line_before_it_binds() -> None:
    """The installed command, as an operator runs it: one line on standard error, no traceback, status 2."""
    env = {**os.environ, "PLADVISOR_CORS_ORIGINS": "notaurl"}
    started = subprocess.run(
        [str(PLADVISOR), "serve", "--port", str(free_port())],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (started.returncode, started.stdout) == (2, "")
    assert started.stderr == (
        "error: PLADVISOR_CORS_ORIGINS: must be browser origins, comma-separated, each written scheme://host[:port] "
        "as in https://portal.example (or * for any), not 'notaurl'\n"
    )


def test_the_score_command_says_it_reads_its_api_key_from_the_environment() -> None:
    shown = runner.invoke(cli, ["score", "--help"], env={"COLUMNS": "200"}).stdout
    assert "[env var: PLADVISOR_API_KEY]" in shown and "PLADVISOR_API_KEYS" in shown
