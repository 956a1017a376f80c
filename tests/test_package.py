"""What `import pladvisor` offers: the names the README teaches, without loading what a caller does not use."""

import subprocess
import sys

import pladvisor


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


def test_the_readme_example_runs_from_the_package_root() -> None:
    advisor = pladvisor.Advisor.from_directory()
    answer = advisor.assess(pladvisor.profile_from_answers({"buy_in.approach": "mandate_all_by_date"}))
    # One answer is too little to name a stage: the plan asks what the foundations wait on, the why first.
    assert answer.recommendations[0].title.startswith("Find out first:")
    assert "buy-in-mandated" in {item.rule_id for item in answer.recommendations}
