"""The README's two commands honour the host and port settings the documentation gives for them
(docs/operators/serving.md)."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.parametrize(
    ("env", "args", "expected"),
    [
        pytest.param({}, [], "--host 127.0.0.1 --port 8000", id="defaults"),
        pytest.param(
            {"PLADVISOR_HOST": "0.0.0.0", "PLADVISOR_PORT": "9001"}, [], "--host 0.0.0.0 --port 9001", id="environment"
        ),
        pytest.param(
            {"PLADVISOR_HOST": "0.0.0.0"}, ["HOST=127.0.0.2"], "--host 127.0.0.2 --port 8000", id="make-variables-win"
        ),
    ],
)
def test_make_run_serves_where_it_is_told(env: dict[str, str], args: list[str], expected: str) -> None:
    clean = {k: v for k, v in os.environ.items() if k not in ("PLADVISOR_HOST", "PLADVISOR_PORT", "HOST", "PORT")}
    shown = subprocess.run(
        ["make", "-n", "-s", "run", *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, check=True
    ).stdout
    assert shown.strip().splitlines()[-1].endswith(f"serve --upgrade-database {expected}")
