"""``pladvisor serve``: the HTTP API under uvicorn, after the catalog, the keys and the database are checked."""

from __future__ import annotations

import logging.config
import os
import signal
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
import uvicorn

from pladvisor.config import LOOPBACK, KeySourceError, Settings

from .shared import cannot_open, check_catalog, settings_or_exit

KEEP_ALIVE_SECONDS = 75


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
    check_catalog(settings)
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
