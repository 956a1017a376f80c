"""What `import pladvisor` offers: the names the README teaches, without loading what a caller does not use."""

import subprocess
import sys

import pladvisor


def test_every_public_name_resolves() -> None:
    for name in pladvisor.__all__:
        assert getattr(pladvisor, name) is not None, name
    assert pladvisor.Advisor.__module__ == "pladvisor.advice.advisor"


def test_the_client_alone_never_loads_the_rule_engine() -> None:
    script = "import sys, pladvisor; pladvisor.Client; print('durable_rules_engine' in sys.modules)"
    shown = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert shown.strip() == "False"


def test_the_readme_example_runs_from_the_package_root() -> None:
    advisor = pladvisor.Advisor.from_directory()
    answer = advisor.assess(pladvisor.profile_from_answers({"buy_in.approach": "mandate_all_by_date"}))
    assert answer.recommendations[0].rule_id == "buy-in-mandated"
