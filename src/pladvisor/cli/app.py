"""The ``pladvisor`` command line: the Typer app, and each command registered from the module that does its job,
in the order ``pladvisor --help`` lists them."""

from __future__ import annotations

import typer

from .catalog import catalog, rules
from .database import db, export_data, import_data, keys
from .reporting import report
from .scoring import combine, score, template
from .serving import serve
from .surveys import survey

app = typer.Typer(no_args_is_help=True, help="Personalized-learning readiness advisor.")

app.command()(serve)
app.command()(rules)
app.command()(template)
app.command()(combine)
app.command()(score)
app.add_typer(db, name="db")
app.add_typer(keys, name="keys")
app.add_typer(catalog, name="catalog")
app.add_typer(survey, name="survey")
app.command("export")(export_data)
app.command("import")(import_data)
app.command()(report)

if __name__ == "__main__":
    app()
