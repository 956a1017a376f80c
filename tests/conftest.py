from collections.abc import Iterator

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from pladvisor.advice.advisor import Advisor
from pladvisor.api.app import create_app
from pladvisor.config import Settings
from pladvisor.storage.database import make_engine, upgrade

from .servers import running_server


@pytest.fixture(scope="session")
def advisor() -> Advisor:
    return Advisor.from_directory()


@pytest.fixture(scope="session")
def app(advisor: Advisor, tmp_path_factory: pytest.TempPathFactory) -> Litestar:
    """The service, with a database of its own, set up, for the routes that store."""
    database = f"sqlite:///{tmp_path_factory.mktemp('store') / 'store.db'}"
    engine = make_engine(database)
    upgrade(engine)
    engine.dispose()
    return create_app(advisor, Settings(database_url=database, embed_secret="conftest-embed-secret-" * 2))


@pytest.fixture(scope="session")
def base_url() -> Iterator[str]:
    """One real service process shared by the tests that need the network path."""
    with running_server() as url:
        yield url


@pytest.fixture
def client(app: Litestar) -> Iterator[TestClient[Litestar]]:
    with TestClient(app) as test_client:
        yield test_client
