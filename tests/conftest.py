"""Fixtures for the whole suite: both database back-ends, the application, and a client for it.

API tests take `client` and run once on SQLite and once on PostgreSQL (`database_url` is parametrized).
Each back-end is migrated once per run with Alembic, as `make migrate` does, and emptied before each test.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from alembic import command
from alembic.config import Config
from fastapi import FastAPI
from sqlalchemy import text
from sqlmodel import SQLModel

from app.db import tables as _tables  # noqa: F401  (registers every table on SQLModel.metadata)
from app.db.database import Database
from app.main import create_app
from app.settings import Settings
from tests.support.postgres import PostgresUnavailable, postgres_server, scratch_database
from tests.support.tokens import SIGNING_KEY_PEM, bearer

ROOT = Path(__file__).resolve().parent.parent
AUTH = bearer()  # every role


# What a test needs beyond this process, as markers (`pytest -m "not live"`; `make test-fast` leaves all four
# out). postgres, redis and live follow from the fixtures a test uses; slow is set by the modules themselves,
# and holds for every test under tests/constructs/ (each module generates and serves a copy of the project).
_POSTGRES_PARAMS = {"database_url", "empty_database"}  # parametrized by back-end: "postgresql" is the server
_REDIS_FIXTURES = {"redis_url", "own_redis"}
_LIVE_FIXTURES = {"start_server", "server", "served", "served_process", "service", "base_url"}  # uvicorn, a process
_SLOW_DIRECTORIES = {ROOT / "tests" / "constructs"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        callspec = getattr(item, "callspec", None)
        params = callspec.params if callspec is not None else {}
        if "postgresql_url" in fixtures or any(params.get(name) == "postgresql" for name in _POSTGRES_PARAMS):
            item.add_marker(pytest.mark.postgres)
        if fixtures & _REDIS_FIXTURES or params.get("store") == "redis":
            item.add_marker(pytest.mark.redis)
        if fixtures & _LIVE_FIXTURES:
            item.add_marker(pytest.mark.live)
        if item.path.parent in _SLOW_DIRECTORIES:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    """Every `async def` test runs on asyncio (anyio_mode = "auto" in pyproject.toml)."""
    return "asyncio"


def migrate(url: str) -> None:
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["database_url"] = url
    config.attributes["configure_logging"] = False
    command.upgrade(config, "head")


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.db'}"
    migrate(url)
    return url


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    try:
        with postgres_server() as server, scratch_database(server) as url:
            migrate(url)
            yield url
    except PostgresUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required on CI: {exc}")
        pytest.skip(f"PostgreSQL tests skipped: {exc}")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


def settings_for(database_url: str, **overrides: object) -> Settings:
    """Settings for a test: nothing from the developer's environment or .env file leaks in."""
    values: dict[str, object] = {"database_url": database_url, "signing_key": SIGNING_KEY_PEM}
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


async def empty_tables(database_url: str) -> None:
    """Delete every row of every table in app/db/tables.py (a table added there is emptied too)."""
    database = Database(database_url)
    tables = SQLModel.metadata.sorted_tables
    try:
        async with database.engine.begin() as connection:
            if connection.dialect.name == "sqlite":
                for table in reversed(tables):  # the referring ones first
                    await connection.execute(table.delete())
            else:
                names = ", ".join(connection.dialect.identifier_preparer.format_table(table) for table in tables)
                await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    finally:
        await database.dispose()


@pytest.fixture
async def app(database_url: str) -> AsyncIterator[FastAPI]:
    await empty_tables(database_url)
    application = create_app(settings_for(database_url))
    yield application
    await application.state.services.close()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=AUTH) as http:
        yield http
