"""``pladvisor report``: one school's printable report, made without a server."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from .shared import settings_or_exit


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
