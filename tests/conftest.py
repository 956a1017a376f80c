from collections.abc import Iterator

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from pladvisor.api.app import create_app
from pladvisor.engine.advisor import Advisor


@pytest.fixture(scope="session")
def advisor() -> Advisor:
    return Advisor.from_directory()


@pytest.fixture(scope="session")
def app(advisor: Advisor) -> Litestar:
    return create_app(advisor)


@pytest.fixture
def client(app: Litestar) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client
