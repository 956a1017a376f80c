"""Server processes for the HTTP figures: bound to 127.0.0.1, ready before use, always stopped."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

HOST = "127.0.0.1"
START_TIMEOUT = 60.0
"""Seconds a server may take to answer its first request (two worker processes each load the catalog)."""
STOP_TIMEOUT = 15.0


def default_env(**settings: str) -> dict[str, str]:
    """This environment without any PLADVISOR_* variable, plus ``settings``.

    Every figure measures the defaults (bundled rules, no API keys, no rate limit) whatever
    the shell that runs the benchmark has set.
    """
    return {**{k: v for k, v in os.environ.items() if not k.startswith("PLADVISOR_")}, **settings}


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _stat(pid: int) -> list[str]:
    """Fields of /proc/<pid>/stat after the command name (which may hold spaces): [0] is field 3, the state."""
    with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
        return stat.read().rpartition(")")[2].split()


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if int(_stat(int(entry))[1]) == pid:
                    found.append(int(entry))
            except (FileNotFoundError, ProcessLookupError):
                continue
    return found


@dataclass(frozen=True)
class Server:
    url: str
    pid: int

    def rss_mib(self) -> float:
        """Resident memory of the server process, from /proc (VmRSS is in kB)."""
        with open(f"/proc/{self.pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        raise RuntimeError(f"no VmRSS for process {self.pid}")

    def cpu_by_process(self) -> dict[int, float]:
        """CPU seconds used so far by the server and each of its direct children (uvicorn's worker processes).

        A server's CPU per request hardly depends on how busy the rest of the machine is, so it
        stays comparable while other work shares the cores and wall-clock rates do not.
        """
        used = {}
        for pid in (self.pid, *_children(self.pid)):
            try:
                fields = _stat(pid)
            except FileNotFoundError:
                continue
            used[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime: fields 14, 15
        return used


def _wait_until_ready(url: str, process: subprocess.Popen[bytes], probe: str, body: bytes) -> None:
    """Ready means the measured endpoint itself answers 200, so a broken route fails here and not mid-load."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            response = httpx.post(url + probe, content=body, headers={"content-type": "application/json"}, timeout=5)
            if response.status_code == 200:
                return
            raise RuntimeError(f"{url}{probe} answered {response.status_code}: {response.text[:500]}")
        except httpx.TransportError:
            pass
        if process.poll() is not None:
            raise RuntimeError(f"server exited during start-up with status {process.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"server did not answer within {START_TIMEOUT:.0f} s")
        time.sleep(0.1)


@contextmanager
def serving(command: Callable[[int], list[str]], probe: str, body: bytes, **settings: str) -> Iterator[Server]:
    """Run ``command(port)`` at warning log level, with ``settings`` (PLADVISOR_* variables) as its only
    settings, until the block ends: SIGTERM, then its process group is killed.

    The server gets a session of its own so that uvicorn's worker processes, if any, share
    its process group and can be ended by that id should the supervisor not stop in time.
    """
    port = free_port()
    env = default_env(PLADVISOR_LOG_LEVEL="warning", **settings)
    process = subprocess.Popen(command(port), env=env, start_new_session=True)
    url = f"http://{HOST}:{port}"
    try:
        _wait_until_ready(url, process, probe, body)
        yield Server(url=url, pid=process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
