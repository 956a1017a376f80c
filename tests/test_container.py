"""The container image's own command, run without a container engine: the runtime stage's user, environment,
data volume, working directory and command, read from the Dockerfile, applied to the installed package. As the
image runs it, the service must set up its database in the volume, say it is ready, and store."""

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

import pladvisor

from .servers import free_port

ROOT = Path(__file__).parents[1]
DOCKERFILE = ROOT / "Dockerfile"
KEY = "container-key-0123456789"
START_SECONDS = 60
STOP_SECONDS = 30


@dataclass
class Stage:
    """What a container of the image is started with, as its last stage declares it."""

    user: str = "root"
    env: dict[str, str] = field(default_factory=dict)
    workdir: str = "/"
    volumes: list[str] = field(default_factory=list)
    entrypoint: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)


def _instructions(text: str) -> Iterator[tuple[str, str]]:
    """Each instruction and its arguments, continuation lines joined and comments dropped."""
    logical = ""
    for line in text.splitlines():
        if line.lstrip().startswith("#") or not line.strip():
            continue
        logical += line.rstrip()
        if logical.endswith("\\"):
            logical = logical[:-1] + " "
            continue
        word, _, arguments = logical.strip().partition(" ")
        yield word.upper(), arguments.strip()
        logical = ""


def _words(arguments: str) -> list[str]:
    """The exec form (a JSON array) as it is; the shell form as ``sh -c`` would get it."""
    if arguments.startswith("["):
        words: list[str] = json.loads(arguments)
        return words
    return ["/bin/sh", "-c", arguments]


def runtime_stage(text: str) -> Stage:
    stage = Stage()
    for word, arguments in _instructions(text):
        if word == "FROM":
            stage = Stage()  # only the last stage is the image
        elif word == "USER":
            stage.user = arguments
        elif word == "ENV":
            for pair in shlex.split(arguments):
                name, equals, value = pair.partition("=")
                assert equals, f"ENV {pair}: write ENV NAME=value"
                stage.env[name] = value
        elif word == "WORKDIR":
            stage.workdir = os.path.join(stage.workdir, arguments)
        elif word == "VOLUME":
            stage.volumes += json.loads(arguments) if arguments.startswith("[") else arguments.split()
        elif word == "ENTRYPOINT":
            stage.entrypoint, stage.cmd = _words(arguments), []  # a new entry point drops the inherited command
        elif word == "CMD":
            stage.cmd = _words(arguments)
    return stage


def test_the_dockerfile_is_read_as_the_image_would_run() -> None:
    stage = runtime_stage(DOCKERFILE.read_text())
    assert stage.user == "10001:10001", "a numeric user, not root"
    assert stage.volumes == ["/var/lib/pladvisor"] and stage.workdir == "/var/lib/pladvisor"
    assert stage.env["PLADVISOR_DATABASE_URL"] == "sqlite:////var/lib/pladvisor/pladvisor.db"
    assert stage.entrypoint + stage.cmd == ["pladvisor", "serve"]


SETPRIV = Path("/usr/bin/setpriv")


def _as_the_image_user(user: str, volume: Path, packaged: dict[str, str]) -> list[str]:
    """A command prefix that runs as the image's user when the tests run as root (as CI does), the volume made
    over to that user as the image makes its directory; anyone else runs as themselves.

    In the image the package is readable by every user; here it may sit where only root can look (an
    interpreter under /root), so the user keeps one capability: to read and search any file. Writing is still
    allowed only where that user may write, which is what this test is about. The capability does not count for
    ``access(2)``, which checks the real user's own rights (Alembic asks it whether the migrations exist), so the
    package itself is run from a copy anyone can read (``packaged``, see ``package_as_the_image_installs_it``).
    Skips when the user cannot run the package even so."""
    if os.geteuid() != 0:
        return []
    uid, _, gid = user.partition(":")
    assert uid.isdigit() and gid.isdigit(), f"USER {user}: numeric, so that this runs without the image's passwd"
    if not SETPRIV.exists():
        pytest.skip(f"{SETPRIV} (util-linux) is not installed, so the tests cannot run as uid {uid}")
    prefix = [str(SETPRIV), f"--reuid={uid}", f"--regid={gid}", "--clear-groups"]
    prefix += ["--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search", "--"]
    os.chown(volume, int(uid), int(gid))
    volume.chmod(0o750)
    probe = subprocess.run(
        [*prefix, sys.executable, "-c", "import pladvisor.api.app, pladvisor.storage.database as d; d.head()"],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **packaged},
    )
    if probe.returncode != 0:
        last = (probe.stderr.strip().splitlines() or ["no message"])[-1]
        pytest.skip(f"uid {uid} cannot run the installed package from {sys.executable}: {last}")
    return prefix


@contextmanager
def package_as_the_image_installs_it() -> Iterator[dict[str, str]]:
    """The package laid out as the image's wheel installs it, its catalog inside it (``pladvisor/rules``), in a
    directory every user can read, and the environment that runs it from there."""
    staging = Path(tempfile.mkdtemp(prefix="pladvisor-package-"))
    try:
        staging.chmod(0o755)
        package = staging / "pladvisor"
        shutil.copytree(Path(pladvisor.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copytree(ROOT / "rules", package / "rules")
        yield {"PYTHONPATH": str(staging), "PYTHONDONTWRITEBYTECODE": "1"}
    finally:
        shutil.rmtree(staging)


@contextmanager
def data_volume() -> Iterator[Path]:
    """A clean directory standing for the data volume, outside pytest's own, which only its owner can enter."""
    directory = Path(tempfile.mkdtemp(prefix="pladvisor-volume-"))
    try:
        yield directory
    finally:
        shutil.rmtree(directory)


def _ready(url: str, process: subprocess.Popen[bytes]) -> httpx.Response:
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            answer = httpx.get(f"{url}/health/ready", timeout=2)
            if answer.status_code == 200:
                return answer
        except httpx.TransportError:
            pass
        assert process.poll() is None, "the image's command exited during start-up"
        assert time.monotonic() < deadline, f"not ready within {START_SECONDS} s"
        time.sleep(0.2)


def test_the_images_command_sets_up_its_database_in_the_volume_is_ready_and_stores() -> None:
    stage = runtime_stage(DOCKERFILE.read_text())
    (mount,) = stage.volumes
    with data_volume() as volume, package_as_the_image_installs_it() as packaged:
        as_user = _as_the_image_user(stage.user, volume, packaged)

        def inside(value: str) -> str:
            return value.replace(mount, str(volume))

        assert stage.workdir == mount or stage.workdir.startswith(mount + "/"), "relative paths land in the volume"
        port = free_port()
        env = {name: inside(value) for name, value in stage.env.items()}
        # PATH finds the installed package as the image's finds its own; the rest is what `docker run -e` would
        # add: a key, and loopback on a free port rather than every address on 8000.
        env |= {
            **packaged,
            "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
            "PLADVISOR_API_KEYS": KEY,
            "PLADVISOR_HOST": "127.0.0.1",
            "PLADVISOR_PORT": str(port),
        }
        log = volume.parent / f"{volume.name}.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [*as_user, *stage.entrypoint, *stage.cmd],
                cwd=inside(stage.workdir),
                env=env,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        url = f"http://127.0.0.1:{port}"
        try:
            try:
                assert _ready(url, process).json()["status"] == "ready"
                district = httpx.post(f"{url}/v1/districts", json={"name": "North"}, headers={"X-API-Key": KEY})
                assert district.status_code == 201, district.text
                assert district.json()["name"] == "North"
                assert any(volume.iterdir()), "the database lives in the volume"
            except AssertionError:
                print(log.read_text(errors="replace"))
                raise
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=STOP_SECONDS) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            log.unlink(missing_ok=True)
