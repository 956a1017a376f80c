from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from pladvisor.advice.advisor import Advisor
from pladvisor.api.app import create_app
from pladvisor.config import Settings
from pladvisor.storage.database import make_engine, upgrade
from pladvisor.storage.store import Store

from .servers import running_server


@pytest.fixture(scope="session")
def advisor() -> Advisor:
    return Advisor.from_directory()


def set_up_database(directory: Path) -> str:
    """The URL of a new SQLite database in ``directory``, at this version's schema."""
    url = f"sqlite:///{directory / 'store.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def app(advisor: Advisor, tmp_path_factory: pytest.TempPathFactory) -> Litestar:
    """The service, with a database of its own, set up, for the routes that store."""
    database = set_up_database(tmp_path_factory.mktemp("store"))
    return create_app(advisor, Settings(database_url=database, embed_secret="conftest-embed-secret-" * 2))


@pytest.fixture
def database(tmp_path: Path) -> str:
    """A database of the test's own, set up, for a test that must see only what it stores."""
    return set_up_database(tmp_path)


@pytest.fixture
def store(database: str) -> Iterator[Store]:
    store = Store(make_engine(database))
    yield store
    store.close()


@pytest.fixture(scope="session")
def base_url() -> Iterator[str]:
    """One real service process shared by the tests that need the network path."""
    with running_server() as url:
        yield url


@pytest.fixture
def client(app: Litestar) -> Iterator[TestClient[Litestar]]:
    with TestClient(app) as test_client:
        yield test_client
