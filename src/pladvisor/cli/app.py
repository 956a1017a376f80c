"""The ``pladvisor`` command line."""

from __future__ import annotations

import json
import logging.config
import os
import signal
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import msgspec
import typer
import uvicorn
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from pladvisor.cli.catalog_diff import diff as catalog_diff
from pladvisor.cli.records import InputError, count_records, read_records, write_template
from pladvisor.cli.runs import (
    CsvOutput,
    ErrorsOutput,
    JsonlOutput,
    OutputBusy,
    RunMismatch,
    WorkerDied,
    in_process,
    in_processes,
    record_run,
    run,
    run_fingerprint,
    through_api,
)
from pladvisor.client import Client
from pladvisor.config import LOOPBACK, KeySourceError, Settings, SettingsError
from pladvisor.domain.base import to_json
from pladvisor.domain.batch import View
from pladvisor.errors import PladvisorError

if TYPE_CHECKING:
    from pladvisor.engine.respondents import Respondents

KEEP_ALIVE_SECONDS = 75
app = typer.Typer(no_args_is_help=True, help="Personalized-learning readiness advisor.")


def _log_config(level: str) -> dict[str, Any]:
    """Every line one JSON object with its time, level and the id of the request it was logged under, a
    traceback as one of its fields: uvicorn's lines too, since every logger, uvicorn's included, hands its
    records on to the root's one handler."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "pladvisor.api.observability.json_formatter"}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "root": {"handlers": ["stderr"], "level": level.upper()},
    }


@contextmanager
def _progress(what: str, total: int | None) -> Iterator[Callable[[], None]]:
    """A progress bar on standard error when it is a terminal; yields what advances it by one."""
    with Progress(
        TextColumn(what),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        disable=not sys.stderr.isatty(),
    ) as progress:
        task = progress.add_task(what, total=total)
        yield lambda: progress.advance(task)


def settings_or_exit() -> Settings:
    """The ``PLADVISOR_*`` settings, or one line naming each variable at fault and what it accepts, and exit 2:
    a traceback would name a field, not the variable that was set."""
    try:
        return Settings.from_environment()
    except SettingsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


def cannot_open(engine: Any, exc: Exception) -> typer.Exit:
    """Exit status 2 after one line: the database that cannot be opened (without its password) and the driver's
    own reason, where the driver's traceback would bury both."""
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    typer.echo(f"error: cannot open the database {engine.url.render_as_string(hide_password=True)}: {reason}", err=True)
    return typer.Exit(2)


def _check_catalog(settings: Settings) -> None:
    """Refuse to start on a broken catalog with the file and rule at fault, not a traceback from a worker."""
    from pladvisor.engine.catalog import CatalogError, default_rules_dir, load_catalog

    try:
        load_catalog(settings.rules_dir or default_rules_dir())
    except CatalogError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


def _check_database(settings: Settings, upgrade: bool) -> None:
    """Refuse to serve a database newer than this version knows; with ``upgrade``, bring it to this version's
    schema first, once, before any server process starts. A database not set up is otherwise fine: the
    stateless routes need none, and the storing routes say to run `pladvisor db upgrade`."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from pladvisor.storage.database import DatabaseError, check, make_engine
    from pladvisor.storage.database import upgrade as migrate

    url = make_url(settings.database_url)
    if not upgrade and url.get_backend_name() == "sqlite" and not Path(url.database or "").exists():
        return  # a database file not made yet is not newer than anything: the storing routes will ask for it
    engine = make_engine(settings.database_url)
    try:
        if upgrade:
            typer.echo(f"database at schema revision {migrate(engine)}", err=True)
        else:
            check(engine, migrated=False)
    except DatabaseError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    except SQLAlchemyError as exc:
        raise cannot_open(engine, exc) from exc
    finally:
        engine.dispose()


@app.command()
def serve(
    host: str = typer.Option(None, help="Address to bind (default from PLADVISOR_HOST, else 127.0.0.1)."),
    port: int = typer.Option(
        None, min=0, max=65535, help="Port to bind, 0 for any free one (default from PLADVISOR_PORT, else 8000)."
    ),
    workers: int = typer.Option(None, min=1, max=64, help="Server processes (default from PLADVISOR_WORKERS, else 1)."),
    upgrade_database: bool = typer.Option(
        None,
        "--upgrade-database",
        help="Bring the database to this version's schema before serving (default from PLADVISOR_UPGRADE_DATABASE).",
    ),
) -> None:
    """Serve the HTTP API."""
    settings = settings_or_exit()
    _check_catalog(settings)
    try:
        keys = settings.accepted_keys()
    except KeySourceError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    _check_database(settings, upgrade_database or settings.upgrade_database)
    host = host or settings.host
    log_config = _log_config(settings.log_level)
    logging.config.dictConfig(log_config)
    if host not in LOOPBACK and not keys:
        logging.getLogger("pladvisor.serve").warning(
            "serving on %s without API keys; set PLADVISOR_API_KEYS to require them", host
        )
    workers = workers or settings.workers
    # uvicorn drains in-flight requests on SIGTERM, then re-raises the signal to the handler found at start;
    # this one makes that planned stop exit with status 0 rather than "killed by signal".
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with _metrics_shared_by(workers):
        uvicorn.run(
            # Each worker of several also stops once its supervisor is gone (see the module).
            "pladvisor.api.worker:create_worker_app" if workers > 1 else "pladvisor.api.app:create_app",
            factory=True,
            host=host,
            port=port if port is not None else settings.port,
            workers=workers,
            log_level=settings.log_level,
            log_config=log_config,
            access_log=False,
            # uvicorn closes idle keep-alive connections after 5 s; a client reusing one at that moment sees its
            # request fail. Load balancers and pooled clients expect servers to keep connections longer.
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
            # After SIGTERM, in-flight requests get this long to finish before they are cancelled.
            timeout_graceful_shutdown=settings.drain_seconds,
            # Deadlines for request heads and bodies, a bound on head size and a connection cap (see the module).
            http="pladvisor.api.server:BoundedHttpToolsProtocol",
            # asyncio's own event loop, not uvloop: measured with wrk over 50 connections at saturation, both cost
            # the same CPU per request, but on uvloop some requests waited ten times the median (p99 about
            # 210-310 ms, against about 40 ms on asyncio's loop).
            loop="asyncio",
            # uvicorn believes X-Forwarded-For from any loopback peer by default; only configured proxies are
            # believed.
            proxy_headers=bool(settings.trusted_proxies),
            forwarded_allow_ips=settings.trusted_proxies or None,
        )


@contextmanager
def _metrics_shared_by(workers: int) -> Iterator[None]:
    """Several server processes keep their metrics in files that a scrape of any one of them adds up
    (prometheus_client's multiprocess mode), in ``PROMETHEUS_MULTIPROC_DIR``. Unless the operator chose that
    directory, a fresh one is made for this run and removed after it: files left from an earlier run would be
    added up too. The variable is set before the worker processes start, as they read it when they do."""
    from pladvisor.api.metrics import MULTIPROCESS_DIR

    if workers == 1 or MULTIPROCESS_DIR in os.environ:
        yield
        return
    with tempfile.TemporaryDirectory(prefix="pladvisor-metrics-") as directory:
        os.environ[MULTIPROCESS_DIR] = directory
        try:
            yield
        finally:
            del os.environ[MULTIPROCESS_DIR]


@app.command()
def rules() -> None:
    """Validate the rule catalog and print a one-line summary per rule."""
    from pladvisor.advice.advisor import Advisor

    settings = settings_or_exit()
    _check_catalog(settings)
    advisor = Advisor.from_directory(settings.rules_dir)
    for compiled in advisor.catalog.rules:
        rule = compiled.rule
        typer.echo(f"{rule.id:42} {rule.kind:8} {rule.priority:8} {','.join(rule.cites)}")
    typer.echo(f"catalog {advisor.catalog.version}: {len(advisor.catalog.rules)} rules, all valid")


@app.command()
def template(
    csv_format: bool = typer.Option(False, "--csv", help="Write the CSV template (the only format for now)."),
    output: Path = typer.Option(Path("-"), "-o", "--output", help="File to write; '-' for standard output."),
    role: str | None = typer.Option(
        None, help="A respondents template for one role (leader, teacher, coach, student, family), for combine."
    ),
) -> None:
    """Write an empty intake CSV: every column, then a comment row of the values each accepts."""
    if not csv_format:
        raise typer.BadParameter("choose a format: --csv", param_hint="--csv")
    writer = write_template
    if role is not None:
        from pladvisor.cli.combining import write_role_template
        from pladvisor.domain.respondents import ROLES

        if role not in ROLES:
            raise typer.BadParameter(f"{role!r} is not one of {', '.join(ROLES)}", param_hint="--role")
        respondents = _respondents(settings_or_exit())

        def writer(handle: TextIO) -> None:
            write_role_template(handle, respondents, role)

    if str(output) == "-":
        writer(sys.stdout)
    else:
        with output.open("w", encoding="utf-8", newline="") as handle:
            writer(handle)


def _respondents(settings: Settings) -> Respondents:
    from pladvisor.engine.catalog import CatalogError, default_rules_dir, load_catalog
    from pladvisor.engine.respondents import load_respondents

    try:
        directory = settings.rules_dir or default_rules_dir()
        return load_respondents(directory, load_catalog(directory))
    except CatalogError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


@app.command()
def combine(
    input_file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="Respondents, one per row: .csv or .jsonl."
    ),
    output: Path = typer.Option(..., "-o", "--output", help="Combined assessments, one school per line (.jsonl)."),
    errors: Path | None = typer.Option(None, help="Rows that cannot be used (default: next to the output)."),
    header_map: Path | None = typer.Option(
        None, help='JSON object renaming a survey tool\'s columns to pladvisor\'s ("Q7": "buy_in.approach").'
    ),
    rollup: Path | None = typer.Option(None, help="Write the district roll-up, with its largest gaps, here (JSON)."),
    reports: Path | None = typer.Option(
        None, help="Write each school's printable report (HTML, with its gap charts) into this directory."
    ),
    resume: bool = typer.Option(False, help="Keep the schools already written and go on with the rest."),
) -> None:
    """Combine every school's respondents; bad rows go to the errors file and their schools are still combined."""
    from pladvisor.advice.advisor import Advisor
    from pladvisor.advice.combine import Combiner
    from pladvisor.cli import combining

    if output.suffix.lower() != ".jsonl":
        raise typer.BadParameter(f"{output}: use .jsonl", param_hint="--output")
    settings = settings_or_exit()
    respondents = _respondents(settings)
    advisor = Advisor.from_directory(settings.rules_dir)
    combiner = Combiner(advisor, respondents, settings.minimum_group)
    errors = errors or output.with_suffix(".errors.jsonl")
    try:
        mapping = combining.read_header_map(header_map)
        opened = combining.CombinedOutput(output, resume)
        try:
            errors_output = combining.RowErrors(errors, resume)
        except OutputBusy:
            opened.close()
            raise
        record_run(
            output.with_name(output.name + ".run.json"), run_fingerprint(input_file, advisor.catalog.version), resume
        )
    except (OutputBusy, RunMismatch, InputError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    try:
        schools = combining.group(combining.read_rows(input_file, respondents, mapping), errors_output)
        with _progress("combining", len(schools)) as advance:
            summary = combining.combine_schools(schools, combiner, opened, errors_output, advance)
    except InputError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    finally:
        opened.close()
        errors_output.close()
    if reports is not None:
        from pladvisor.reports import render_combined_report

        reports.mkdir(parents=True, exist_ok=True)
        titles: dict[str, str] = {role: info.title for role, info in respondents.roles.items()}
        for answer in summary.answers:
            page = reports / f"{combining.file_name(answer.school_id or 'school')}.html"
            page.write_text(render_combined_report(answer, titles), encoding="utf-8")
    district = combining.rollup(summary.answers)
    if rollup is not None:
        rollup.write_text(msgspec.json.format(to_json(district), indent=2).decode(), encoding="utf-8")
    if district.largest_gaps:
        typer.echo("largest perception gaps across the district:")
        for gap in district.largest_gaps[:5]:
            typer.echo(
                f"  {gap.schools} of {district.schools} schools: {gap.title} "
                f"({gap.field}, {gap.first_role} vs {gap.second_role}, mean disagreement {gap.mean_disagreement:.0%})"
            )
    line = f"combined {summary.combined} schools, {errors_output.count} rows failed"
    if summary.skipped:
        line += f", {summary.skipped} already done"
    typer.echo(line + (f" (see {errors})" if errors_output.count else ""), err=True)
    if errors_output.count:
        raise typer.Exit(1)


def _storing(district: str, org: str | None, day: str | None, api: str | None, settings: Settings) -> Any:
    """What ``score --store`` stores with, or a usage error."""
    from datetime import date

    from pladvisor.cli.storing import StoreWriter

    if api:
        raise typer.BadParameter("--store scores in-process; it cannot be used with --api", param_hint="--store")
    try:
        when = date.fromisoformat(day) if day else date.today()
    except ValueError as exc:
        raise typer.BadParameter(f"{day!r} is not a day (YYYY-MM-DD)", param_hint="--assessed-on") from exc
    return StoreWriter(_open_store(settings.database_url), org, district, when)


@app.command()
def score(
    input_file: Path = typer.Argument(..., exists=True, dir_okay=False, help="Profiles: .csv, .jsonl or .json."),
    output: list[Path] = typer.Option(
        ...,
        "-o",
        "--output",
        help="Results: .jsonl for the answers (or their summaries, see --view), .csv for one row per school; "
        "repeatable.",
    ),
    view: View = typer.Option(
        "full",
        help="full: each school's whole assessment in the .jsonl output. summary: its summary (stage and range, "
        "scores, verdict and the plan by title), much smaller. The .csv rows, the roll-up and the report are the "
        "same either way.",
    ),
    errors: Path | None = typer.Option(None, help="Bad rows (default: next to the first output, .errors.jsonl)."),
    rollup: Path | None = typer.Option(None, help="Write the district roll-up (JSON) here."),
    district_report: Path | None = typer.Option(
        None, "--report", help="Write a printable district report (HTML) of the roll-up here."
    ),
    resume: bool = typer.Option(False, help="Skip rows already recorded in the outputs or the errors file."),
    api: str | None = typer.Option(None, help="Score through a running service at this URL instead of in-process."),
    api_key: str | None = typer.Option(
        None,
        envvar="PLADVISOR_API_KEY",
        help="API key for --api: one of the keys the service accepts (its PLADVISOR_API_KEYS). Set "
        "PLADVISOR_API_KEY rather than this option to keep the key out of the shell's history.",
    ),
    batch_size: int = typer.Option(
        500,
        min=1,
        max=100_000,
        help="Profiles per request with --api (a server that takes fewer says so, and gets smaller batches).",
    ),
    workers: int = typer.Option(1, min=1, max=64, help="Processes to score with (in-process only)."),
    store_into: str | None = typer.Option(
        None, "--store", help="Also store each school's assessment in this district (made if new; in-process only)."
    ),
    org: str | None = typer.Option(None, help="With --store: the organization (default: the local one)."),
    assessed_on: str | None = typer.Option(None, help="With --store: the day the answers describe (default: today)."),
) -> None:
    """Score every school of a file; bad rows go to the errors file and the run goes on."""
    from pladvisor.advice.advisor import Advisor
    from pladvisor.advice.rollup import RollupBuilder
    from pladvisor.engine.catalog import default_rules_dir, load_catalog

    for path in output:
        if path.suffix.lower() not in (".jsonl", ".csv"):
            raise typer.BadParameter(f"{path}: use .jsonl or .csv", param_hint="--output")
    summarize = rollup is not None or district_report is not None
    if resume and summarize and not any(p.suffix.lower() == ".jsonl" for p in output):
        raise typer.BadParameter(
            "--resume with --rollup or --report needs a .jsonl output to rebuild from", param_hint="--rollup"
        )
    if store_into and view == "summary":
        raise typer.BadParameter(
            "--store keeps each school's whole assessment; it cannot be used with --view summary",
            param_hint="--store",
        )
    errors = errors or output[0].with_suffix(".errors.jsonl")
    settings = settings_or_exit()
    storing = _storing(store_into, org, assessed_on, api, settings) if store_into else None
    client = Client(api, api_key=api_key) if api else None
    if client is not None:
        try:
            scorer, version = through_api(client, batch_size, view), client.rules().version
        except PladvisorError as exc:
            client.close()
            typer.echo(f"error: {api}: {exc}", err=True)
            raise typer.Exit(2) from exc
    elif workers > 1:
        scorer = in_processes(workers, settings.rules_dir, view)
        version = load_catalog(settings.rules_dir or default_rules_dir()).version
    else:
        advisor = Advisor.from_directory(settings.rules_dir)
        scorer, version = in_process(advisor, view), advisor.catalog.version
    outputs: list[JsonlOutput | CsvOutput] = []
    opened: list[JsonlOutput | CsvOutput | ErrorsOutput] = []
    try:
        for path in output:
            outputs.append(
                JsonlOutput(path, resume, summarize, view)
                if path.suffix.lower() == ".jsonl"
                else CsvOutput(path, resume)
            )
            opened.append(outputs[-1])
        errors_output = ErrorsOutput(errors, resume)
        opened.append(errors_output)
        record_run(
            output[0].with_name(output[0].name + ".run.json"), run_fingerprint(input_file, version, view), resume
        )
    except (OutputBusy, RunMismatch) as exc:
        for handle in opened:
            handle.close()
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    builder = RollupBuilder(version) if summarize else None
    try:
        with _progress("scoring", count_records(input_file)) as advance:
            summary = run(read_records(input_file), outputs, errors_output, scorer, builder, advance, storing)
    except InputError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    except (WorkerDied, PladvisorError) as exc:
        # The rows done so far are recorded; ``--resume`` goes on from them.
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(3) from exc
    finally:
        for handle in (*outputs, errors_output):
            handle.close()
        if client is not None:
            client.close()
        if storing is not None:
            storing.close()
    if storing is not None:
        typer.echo(f"stored {storing.stored} assessments in {store_into} ({storing.kept} already there)", err=True)
    if builder is not None:
        totals = builder.build()
        if rollup is not None:
            rollup.write_text(msgspec.json.format(to_json(totals), indent=2).decode(), encoding="utf-8")
        if district_report is not None:
            from pladvisor.reports import render_district_report

            district_report.write_text(render_district_report(totals), encoding="utf-8")
    typer.echo(summary.line(errors), err=True)
    if summary.failed:
        raise typer.Exit(1)


db = typer.Typer(no_args_is_help=True, help="The database of stored assessments.")
app.add_typer(db, name="db")
keys = typer.Typer(no_args_is_help=True, help="API keys of organizations, stored hashed.")
app.add_typer(keys, name="keys")
catalog = typer.Typer(no_args_is_help=True, help="The rule catalog: what a change of it changes for schools.")
app.add_typer(catalog, name="catalog")
catalog.command("diff")(catalog_diff)


def _store_engine() -> Any:
    from pladvisor.storage.database import make_engine

    return make_engine(settings_or_exit().database_url)


@db.command()
def upgrade() -> None:
    """Bring the database to this version's schema (PLADVISOR_DATABASE_URL; an SQLite file by default)."""
    from sqlalchemy.exc import SQLAlchemyError

    from pladvisor.storage.database import DatabaseError
    from pladvisor.storage.database import upgrade as migrate

    engine = _store_engine()
    try:
        revision = migrate(engine)
    except DatabaseError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    except SQLAlchemyError as exc:
        raise cannot_open(engine, exc) from exc
    finally:
        engine.dispose()
    typer.echo(f"database at schema revision {revision}")


def _open_store(url: str) -> Any:
    """The store at ``url``, or the reason it cannot be used (not set up, or newer than this version) and exit 2."""
    from sqlalchemy.exc import SQLAlchemyError

    from pladvisor.storage.database import DatabaseError, make_engine
    from pladvisor.storage.store import Store

    engine = make_engine(url)
    try:
        return Store(engine)
    except DatabaseError as exc:
        engine.dispose()
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    except SQLAlchemyError as exc:
        engine.dispose()
        raise cannot_open(engine, exc) from exc


@contextmanager
def _store() -> Iterator[Any]:
    store = _open_store(settings_or_exit().database_url)
    try:
        yield store
    finally:
        store.close()


@keys.command("create")
def create_key(org: str = typer.Option(..., "--org", help="The organization the key acts for (made if new).")) -> None:
    """Make a key for an organization; it is printed once, as the last word, and stored only as a hash."""
    with _store() as store:
        key, prefix = store.create_key(org)
    typer.echo(f"key {prefix}... for {org}, shown this once: {key}")


@keys.command("list")
def list_keys(org: str = typer.Option(..., "--org")) -> None:
    """An organization's keys by their first characters, with when each was made and revoked."""
    from pladvisor.storage.store import NotFound

    try:
        with _store() as store:
            rows = store.list_keys(org)
    except NotFound as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    for prefix, created, revoked in rows:
        state = f"revoked {revoked:%Y-%m-%d %H:%M}" if revoked else "active"
        typer.echo(f"{prefix}...  made {created:%Y-%m-%d %H:%M}  {state}")


@keys.command("revoke")
def revoke_key(
    prefix: str = typer.Argument(..., help="The key's first eight characters, as `keys list` shows them."),
    org: str = typer.Option(..., "--org"),
) -> None:
    """Revoke a key: requests with it are refused from now on."""
    from pladvisor.storage.store import NotFound

    try:
        with _store() as store:
            revoked = store.revoke_key(org, prefix)
    except NotFound as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    if not revoked:
        typer.echo(f"error: {org} has no active key starting {prefix[:8]}", err=True)
        raise typer.Exit(1)
    typer.echo(f"revoked {revoked} key of {org}")


@app.command("export")
def export_data(
    org: str = typer.Option(..., "--org", help="The organization whose data to write."),
    output: Path = typer.Option(..., "-o", "--output", help="JSONL file: districts, schools, then assessments."),
) -> None:
    """Write an organization's districts, schools and stored assessments as JSONL, to keep or to import elsewhere."""
    from pladvisor.storage.store import NotFound

    temporary = output.with_name(output.name + ".part")
    try:
        with _store() as store, temporary.open("w", encoding="utf-8") as handle:
            count = 0
            for record in store.export_rows(org):
                handle.write(json.dumps(record) + "\n")
                count += 1
    except NotFound as exc:
        temporary.unlink(missing_ok=True)
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    temporary.replace(output)  # whole or not at all: a full disk or a kill leaves no half-written export
    typer.echo(f"exported {count} records of {org} to {output}")


@app.command("import")
def import_data(
    input_file: Path = typer.Argument(..., exists=True, dir_okay=False, help="A JSONL file made by export."),
    org: str = typer.Option(..., "--org", help="The organization to import into (made if new)."),
) -> None:
    """Import an export, in one transaction: all of it or none; records already there are skipped."""
    from pladvisor.storage.store import ImportProblem

    try:
        with input_file.open(encoding="utf-8") as handle:
            records = [json.loads(line) for line in handle if line.strip()]
    except ValueError as exc:
        typer.echo(f"error: {input_file}: not JSONL made by export ({exc})", err=True)
        raise typer.Exit(2) from exc
    try:
        with _store() as store:
            added = store.import_rows(org, records)
    except (ImportProblem, KeyError, TypeError, ValueError) as exc:
        typer.echo(f"error: {input_file}: nothing imported: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(
        f"imported {added['district']} districts, {added['school']} schools and {added['assessment']} assessments "
        f"into {org}"
    )


@app.command()
def report(
    profile: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="A school profile as JSON, the body of POST /v1/assessments."
    ),
    output: Path = typer.Option(Path("-"), "-o", "--output", help="HTML file to write; '-' for standard output."),
) -> None:
    """Write one school's printable HTML report: the page POST /v1/reports serves, made without a server."""
    from pydantic import ValidationError

    from pladvisor.advice.advisor import Advisor
    from pladvisor.advice.what_if import what_if
    from pladvisor.domain.profile import SchoolProfile
    from pladvisor.reports import render_report

    try:
        school = SchoolProfile.model_validate_json(profile.read_bytes(), strict=True)
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(map(str, error["loc"])) or "body"
            typer.echo(f"error: {profile}: {where}: {error['msg']}", err=True)
        raise typer.Exit(2) from exc
    advisor = Advisor.from_directory(settings_or_exit().rules_dir)
    page = render_report(advisor.assess(school), what_if(advisor, school))
    if str(output) == "-":
        sys.stdout.write(page)
    else:
        output.write_text(page, encoding="utf-8")


if __name__ == "__main__":
    app()
