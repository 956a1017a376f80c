"""Generated requests against every operation of the API contract: no server errors, every response as documented."""

from collections.abc import Iterator

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig
from hypothesis import HealthCheck, settings

from pladvisor.api.app import create_app

app = create_app()
# A batch over the documented maxItems is refused with 413 and the limit, the status RFC 9110 gives for it.
config = SchemathesisConfig.from_str("""
[checks.negative_data_rejection]
expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429", "5xx"]
""")
schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app, config=config)
CASES: list[str] = []
EXAMPLES_PER_OPERATION = 150
OPERATIONS = {f"{result.ok().method.upper()} {result.ok().path}" for result in schema.get_all_operations()}


@pytest.fixture(scope="module", autouse=True)
def enough_cases() -> Iterator[None]:
    """Once every operation has been exercised in this run (whatever the order, or a selection that skips some),
    the whole contract must have seen at least 1,000 generated requests."""
    yield
    if OPERATIONS <= set(CASES):
        assert len(CASES) >= 1000, f"only {len(CASES)} generated cases"


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_contract(case: schemathesis.Case) -> None:
    CASES.append(f"{case.method.upper()} {case.path}")
    # Every check, the batch included: its contract says any item is accepted and answered in the 200.
    case.call_and_validate()
