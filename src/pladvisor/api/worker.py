"""The application as each worker process of ``pladvisor serve --workers N`` builds it.

The supervisor that starts the workers holds no connection, so nothing tells a worker when
it is killed (SIGKILL, or the out-of-memory killer): the workers would go on serving as
orphans, holding the port, and a new supervisor could not bind it. Each worker watches for
its supervisor to be gone, as gunicorn's workers do, and then stops as SIGTERM stops it:
it drains what it is serving, within the drain bound, and exits.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time

from litestar import Litestar

from .app import create_app

SUPERVISOR_CHECK_SECONDS = 0.5
"""How often a worker looks for its supervisor: an orphan serves at most this long before it begins to drain."""

log = logging.getLogger("pladvisor.serve")


def create_worker_app() -> Litestar:
    """The application, and a watch that stops this worker once its supervisor is gone. The supervisor's
    process id is the one this process was started by, not whatever the parent is now: a supervisor killed
    while the worker was still starting has been replaced as parent already."""
    supervisor = multiprocessing.parent_process()
    if supervisor is not None and supervisor.pid is not None:
        _stop_when_gone(supervisor.pid)
    return create_app()


def _stop_when_gone(supervisor: int) -> None:
    def watch() -> None:
        while os.getppid() == supervisor:
            time.sleep(SUPERVISOR_CHECK_SECONDS)
        log.warning("the supervisor (process %d) is gone: this worker drains and exits", supervisor)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="supervisor-watch", daemon=True).start()
