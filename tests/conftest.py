"""Shared fixtures: a real grpc.aio server on a free loopback port, with a real call store.

The store is SQLite unless the test runs on PostgreSQL: a test module that sets
`STORE_ENGINES = ("sqlite", "postgresql")` runs each of its tests on both engines (the store's
conformance suite), each PostgreSQL test in a fresh database of one server per session.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from tests import livekit_server
from tests.postgres_server import PostgresServer, running_postgres
from tests.redis_server import RedisServer, running_redis
from warmtransfer.client import Client
from warmtransfer.server.app import RunningServer, start_server
from warmtransfer.server.config import load_config

KEYS = "key-a=tenant-a,key-b=tenant-b,key-a-admin=tenant-a:privileged"
# Fixtures that start a real livekit-server: their tests are marked `livekit` (`make test-fast`
# leaves them out). A test that starts one otherwise must be marked by hand (its module's
# `pytestmark`); `running_livekit` refuses to start for a test that is not.
LIVEKIT_FIXTURES = frozenset({"livekit", "stack"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if LIVEKIT_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.livekit)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    livekit_server.current_test = item


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    engines = getattr(metafunc.module, "STORE_ENGINES", None)
    if engines and "store_engine" in metafunc.fixturenames:
        # WARMTRANSFER_TEST_STORE_ENGINES (e.g. "sqlite", as make test-fast sets) keeps only
        # those; a test left with none is skipped.
        only = os.environ.get("WARMTRANSFER_TEST_STORE_ENGINES")
        if only:
            engines = tuple(engine for engine in engines if engine in only.split(","))
        metafunc.parametrize("store_engine", engines, indirect=True)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    with running_postgres() as server:
        yield server


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    with running_redis() as server:
        yield server


@pytest.fixture
def store_engine(request: pytest.FixtureRequest) -> str:
    """The call store's engine for this test: `sqlite` unless the module asks for others."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def store_env(store_engine: str, request: pytest.FixtureRequest) -> dict[str, str]:
    """The configuration that puts a server's call store on `store_engine`."""
    if store_engine == "sqlite":
        return {}
    assert store_engine == "postgresql", store_engine
    postgres: PostgresServer = request.getfixturevalue("postgres")
    return {"DATABASE_URL": postgres.create_database()}


@pytest.fixture
def server_env(tmp_path: Path, store_env: dict[str, str]) -> dict[str, str]:
    return store_env | {
        "WARMTRANSFER_API_KEYS": KEYS,
        "WARMTRANSFER_LISTEN": "127.0.0.1:0",
        "WARMTRANSFER_DATA_DIR": str(tmp_path / "data"),
        "WARMTRANSFER_SUMMARY_EVERY_SECONDS": "0.2",
        "WARMTRANSFER_MEDIA": "none",
        # Redaction in a thread of the server: a test server starts in a second instead of
        # spawning worker processes (tests/server/test_workers.py covers those).
        "WARMTRANSFER_WORKERS": "0",
        # tenant-a keeps original text besides the redacted one; tenant-b redacted text only.
        "WARMTRANSFER_ORIGINAL_TEXT_TENANTS": "tenant-a",
    }


@pytest.fixture
async def server(server_env: dict[str, str]) -> AsyncIterator[RunningServer]:
    running = await start_server(load_config(server_env))
    try:
        yield running
    finally:
        await running.stop(grace=1)


@pytest.fixture
async def connect(server: RunningServer) -> AsyncIterator[Callable[[str], Client]]:
    clients: list[Client] = []

    def make(api_key: str = "key-a") -> Client:
        client = Client(f"127.0.0.1:{server.port}", api_key=api_key)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


@pytest.fixture
def client(connect: Callable[[str], Client]) -> Client:
    return connect("key-a")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    from tests.server.livekit_helpers import dispose_native_runtime

    dispose_native_runtime()
