"""What `import pladvisor` offers: the names the documentation teaches, without loading what a caller does not use."""

import re
import subprocess
import sys
from pathlib import Path

import pladvisor

ROOT = Path(__file__).resolve().parents[1]


def test_every_public_name_resolves() -> None:
    for name in pladvisor.__all__:
        assert getattr(pladvisor, name) is not None, name
    assert pladvisor.Advisor.__module__ == "pladvisor.advice.advisor"


SERVER_ONLY = (
    "durable",
    "durable_rules_engine",
    "litestar",
    "uvicorn",
    "yaml",
    "jinja2",
    "typer",
    "rich",
    "structlog",
    "prometheus_client",
    "pydantic_settings",
)
"""Top-level modules of the ``server`` extra: a client-only install does not have them."""


def test_the_client_and_its_answers_need_nothing_from_the_server_extra() -> None:
    script = f"""
import sys, httpx, pladvisor
from pladvisor.advice.advisor import Advisor  # only to make an answer to serve; dropped before the client runs
from pladvisor.domain.base import to_json
body = to_json(Advisor.from_directory().assess(pladvisor.profile_from_answers({{"buy_in.approach": "voluntary"}})))
for name in [m for m in sys.modules if m.split(".")[0] in {SERVER_ONLY!r} or m.startswith("pladvisor")]:
    del sys.modules[name]
import pladvisor
transport = httpx.MockTransport(lambda request: httpx.Response(200, content=body))
with pladvisor.Client(transport=transport) as client:
    answer = client.assess({{}})
assert isinstance(answer, pladvisor.Assessment), answer
print(sorted({{m.split(".")[0] for m in sys.modules}} & set({SERVER_ONLY!r})))
"""
    shown = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert shown.strip() == "[]"


def test_the_documented_example_runs_from_the_package_root() -> None:
    # docs/api/assessments.md, "From Python, without HTTP".
    advisor = pladvisor.Advisor.from_directory()
    answer = advisor.assess(pladvisor.profile_from_answers({"buy_in.approach": "mandate_all_by_date"}))
    # One answer is too little to name a stage: the plan asks what the foundations wait on, the why first.
    assert answer.recommendations[0].title.startswith("Find out first:")
    assert "buy-in-mandated" in {item.rule_id for item in answer.recommendations}


def test_type_checkers_see_each_name_with_its_type_though_it_loads_on_first_use(tmp_path: Path) -> None:
    snippet = tmp_path / "snippet.py"
    names = [name for name in pladvisor.__all__ if name != "__version__"]
    snippet.write_text(
        "import pladvisor\nfrom pladvisor import Client\nreveal_type(Client().assess)\n"
        + "".join(f"reveal_type(pladvisor.{name})\n" for name in names)
    )
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", "pyproject.toml", "--cache-dir", str(tmp_path), str(snippet)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    revealed = re.findall(r'Revealed type is "(.*)"', checked.stdout)
    assert checked.returncode == 0 and len(revealed) == len(names) + 1, checked.stdout
    assess, *exported = revealed
    assert assess.startswith("def (profile: ") and assess.endswith(") -> pladvisor.domain.assessment.Assessment")
    assert [name for name, shown in zip(names, exported, strict=True) if shown == "Any"] == []
