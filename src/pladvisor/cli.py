"""The ``pladvisor`` command line."""

from __future__ import annotations

import signal
import sys

import typer
import uvicorn

from pladvisor.config import Settings

app = typer.Typer(no_args_is_help=True, help="Personalized-learning readiness advisor.")


@app.command()
def serve(
    host: str = typer.Option(None, help="Address to bind (default from PLADVISOR_HOST, else 127.0.0.1)."),
    port: int = typer.Option(None, help="Port to bind (default from PLADVISOR_PORT, else 8000)."),
) -> None:
    """Serve the HTTP API."""
    settings = Settings()
    # uvicorn drains in-flight requests on SIGTERM, then re-raises the signal to the handler found at start;
    # this one makes that planned stop exit with status 0 rather than "killed by signal".
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    uvicorn.run(
        "pladvisor.api.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port if port is not None else settings.port,
        log_level=settings.log_level,
    )


@app.command()
def rules() -> None:
    """Validate the rule catalog and print a one-line summary per rule."""
    from pladvisor.engine.advisor import Advisor

    advisor = Advisor.from_directory(Settings().rules_dir)
    for compiled in advisor.catalog.rules:
        rule = compiled.rule
        typer.echo(f"{rule.id:42} {rule.kind:8} {rule.priority:8} {','.join(rule.cites)}")
    typer.echo(f"catalog {advisor.catalog.version}: {len(advisor.catalog.rules)} rules, all valid")


if __name__ == "__main__":
    app()
