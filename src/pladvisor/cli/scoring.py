"""Files of schools through the advisor: ``pladvisor score`` (profiles, with resume, worker processes, the
service or storing), ``pladvisor combine`` (respondents' answers, a school at a time) and ``pladvisor template``
(the empty files to fill in for either)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, TextIO

import msgspec
import typer

from pladvisor.client import Client
from pladvisor.config import Settings
from pladvisor.domain.base import to_json
from pladvisor.domain.batch import View
from pladvisor.errors import PladvisorError

from .records import InputError, count_records, read_records, write_template
from .runs import (
    CsvOutput,
    ErrorsOutput,
    JsonlOutput,
    OutputBusy,
    RunMismatch,
    record_run,
    run,
    run_fingerprint,
)
from .scorers import WorkerDied, in_process, in_processes, through_api
from .shared import counted, open_store, progress_bar, respondents_or_exit, settings_or_exit


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
        respondents = respondents_or_exit(settings_or_exit())

        def writer(handle: TextIO) -> None:
            write_role_template(handle, respondents, role)

    if str(output) == "-":
        writer(sys.stdout)
    else:
        with output.open("w", encoding="utf-8", newline="") as handle:
            writer(handle)


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
    respondents = respondents_or_exit(settings)
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
        with progress_bar("combining", len(schools)) as advance:
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
    line = f"combined {counted(summary.combined, 'school')}, {counted(errors_output.count, 'row')} failed"
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
    return StoreWriter(open_store(settings.database_url), org, district, when)


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
    # Each row's summary is made only for what reads it: the roll-up or a .csv output.
    summaries = summarize or any(p.suffix.lower() == ".csv" for p in output)
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
        catalog = load_catalog(settings.rules_dir or default_rules_dir())
        scorer, version = in_processes(workers, catalog, settings.rules_dir, view, summaries), catalog.version
    else:
        advisor = Advisor.from_directory(settings.rules_dir)
        scorer, version = in_process(advisor, view, summaries), advisor.catalog.version
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
        with progress_bar("scoring", count_records(input_file)) as advance:
            # With worker processes the rows are read by the workers, the cores' share of the work; only the
            # order, the outputs and what is stored are the parent's.
            deferred = client is None and workers > 1 and storing is None
            records = read_records(input_file, deferred)
            summary = run(records, outputs, errors_output, scorer, builder, advance, storing)
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
