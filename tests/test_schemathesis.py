"""Generated requests against every operation of the API contract: no server errors, every response as documented."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from pladvisor.api.app import create_app
from pladvisor.config import Settings
from pladvisor.domain.embeds import LONGEST_LINK_SECONDS
from pladvisor.storage.database import make_engine, upgrade
from pladvisor.storage.models import Base

if TYPE_CHECKING:
    # schemathesis.Case is generic in its operation; this is its own name for a case of an OpenAPI operation.
    from schemathesis.specs.openapi.schemas import OpenApiCase

# The storing routes get a database of their own, set up, so that generated requests reach them.
_database = f"sqlite:///{Path(tempfile.mkdtemp(prefix='pladvisor-contract-')) / 'store.db'}"
_engine = make_engine(_database)
upgrade(_engine)
app = create_app(
    settings=Settings(
        database_url=_database,
        embed_secret="contract-" * 4,
        embed_reads_per_minute=0,
        survey_answers_per_minute=0,
        embed_max_seconds=LONGEST_LINK_SECONDS,
    )
)
# A batch over the documented maxItems is refused with 413 and the limit, the status RFC 9110 gives for it.
# A survey's closing day (at most 366 days ahead) and its languages (those the catalog words) are checked against
# the day and the catalog, which no schema can say: a request the schema allows may still be a 422 there.
config = SchemathesisConfig.from_str("""
[checks.negative_data_rejection]
expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429", "5xx"]

[[operations]]
include-path = "/v1/schools/{school_id}/surveys"
include-method = "POST"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "422"]
""")
schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app, config=config)
EXAMPLES_PER_OPERATION = 150


@pytest.fixture
def generated() -> Iterator[list[OpenApiCase]]:
    """One operation's generated requests, counted once Hypothesis is done with it: a strategy that quietly
    yields few cases (filtered away, say) would leave the contract untested while every check passes.

    The count belongs to the test that generated the cases, so it holds whatever else runs, in any order.
    Only the fuzzing phase is counted: the coverage phase's fixed cases would hide a fuzzer that gave up.
    """
    cases: list[OpenApiCase] = []
    yield cases
    assert cases, "no request was generated"
    operation = cases[0].operation
    fuzzed = sum(1 for case in cases if case.meta is not None and case.meta.phase.name == "fuzzing")
    takes_input = bool(operation.body) or any(True for _ in operation.iter_parameters())
    wanted = EXAMPLES_PER_OPERATION if takes_input else 1
    assert fuzzed >= wanted, f"{operation.label}: {fuzzed} fuzzed requests, {wanted} expected"


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_contract(case: OpenApiCase, generated: list[OpenApiCase]) -> None:
    generated.append(case)
    # Every check, the batch included: its contract says any item is accepted and answered in the 200.
    case.call_and_validate()


class Workflow(schema.as_state_machine()):  # type: ignore[misc]
    """Each scenario starts from an empty store. Hypothesis replays a scenario to confirm and shrink a failure, and
    the draws along the contract's links follow the answers: rows left by an earlier scenario would change them
    between the run and its replay, and the replay would fail as an inconsistent strategy, not as the fault."""

    def setup(self) -> None:
        with _engine.begin() as connection:
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(table.delete())

    def before_call(self, case: OpenApiCase) -> None:
        """An id of ``.`` or ``..`` is sent percent-encoded. As it is, it would be a dot segment, removed from
        the URL before it is sent: ``/v1/schools/./actions`` would reach ``/v1/schools/actions``, another route."""
        if case.path_parameters:
            case.path_parameters = {
                name: "%2E" * len(value) if value in (".", "..") else value
                for name, value in case.path_parameters.items()
            }


def test_create_then_read_follows_the_contracts_links() -> None:
    """Sequences of calls along the contract's links (a district created, then a school added to it, then an
    assessment stored and its history read): the created ids lead to answers as documented, never to 404s the
    contract does not explain."""
    Workflow.run(
        settings=settings(
            max_examples=25, stateful_step_count=6, deadline=None, suppress_health_check=list(HealthCheck)
        )
    )
