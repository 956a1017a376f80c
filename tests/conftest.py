from collections.abc import Iterator

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from pladvisor.advice.advisor import Advisor
from pladvisor.api.app import create_app

from .servers import running_server


@pytest.fixture(scope="session")
def advisor() -> Advisor:
    return Advisor.from_directory()


@pytest.fixture(scope="session")
def app(advisor: Advisor) -> Litestar:
    return create_app(advisor)


@pytest.fixture(scope="session")
def base_url() -> Iterator[str]:
    """One real service process shared by the tests that need the network path."""
    with running_server() as url:
        yield url


@pytest.fixture
def client(app: Litestar) -> Iterator[TestClient[Litestar]]:
    with TestClient(app) as test_client:
        yield test_client
