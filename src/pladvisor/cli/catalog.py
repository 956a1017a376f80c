"""The rule catalog from the command line: ``pladvisor rules`` validates it, ``pladvisor catalog diff`` shows what
a change of it changes for schools."""

from __future__ import annotations

import typer

from .catalog_diff import diff
from .shared import check_catalog, settings_or_exit

catalog = typer.Typer(no_args_is_help=True, help="The rule catalog: what a change of it changes for schools.")
catalog.command("diff")(diff)


def rules() -> None:
    """Validate the rule catalog and print a one-line summary per rule."""
    from pladvisor.advice.advisor import Advisor

    settings = settings_or_exit()
    check_catalog(settings)
    advisor = Advisor.from_directory(settings.rules_dir)
    for compiled in advisor.catalog.rules:
        rule = compiled.rule
        typer.echo(f"{rule.id:42} {rule.kind:8} {rule.priority:8} {','.join(rule.cites)}")
    typer.echo(f"catalog {advisor.catalog.version}: {len(advisor.catalog.rules)} rules, all valid")
