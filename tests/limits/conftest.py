"""Fixtures for rate limits, connection limits and several instances: each feature test runs once with the
in-process store (no REDIS_URL) and once with Redis, with a key prefix of its own."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.main import create_app
from tests.conftest import empty_tables, settings_for
from tests.support.live import LiveServer
from tests.support.redis import OwnRedis, answers, test_redis_url

StartServer = Callable[..., LiveServer]


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = test_redis_url()
    if not answers(url):
        if os.environ.get("CI"):
            pytest.fail(f"Redis is required on CI: nothing answers at {url}")
        pytest.skip(f"Redis tests skipped: nothing answers at {url} (set TEST_REDIS_URL)")
    return url


@pytest.fixture
def prefix() -> str:
    return f"test:{uuid.uuid4().hex[:12]}:"


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest, prefix: str) -> dict[str, Any]:
    """The settings that choose the store: none (in-process) or Redis with this test's own prefix."""
    if request.param == "memory":
        return {}
    return {"redis_url": request.getfixturevalue("redis_url"), "redis_prefix": prefix}


@pytest.fixture
async def client_for(sqlite_url: str, store: dict[str, Any]) -> AsyncIterator[Callable[..., httpx.AsyncClient]]:
    """In-process clients of new applications with these settings, on an empty database. Each comes from the
    client address 203.0.113.7; their services are closed afterwards."""
    await empty_tables(sqlite_url)
    opened: list[tuple[httpx.AsyncClient, FastAPI]] = []

    def client(**overrides: Any) -> httpx.AsyncClient:
        app = create_app(settings_for(sqlite_url, **{**store, **overrides}))
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
        http = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        opened.append((http, app))
        return http

    yield client
    for http, app in opened:
        await http.aclose()
        await app.state.services.close()


@pytest.fixture
def start_server(sqlite_url: str, store: dict[str, Any]) -> Iterator[StartServer]:
    """Start a served application (uvicorn over TCP) on the store under test."""
    asyncio.run(empty_tables(sqlite_url))
    started: list[LiveServer] = []

    def start(database_url: str = sqlite_url, **overrides: Any) -> LiveServer:
        server = LiveServer(create_app(settings_for(database_url, **{**store, **overrides}))).start()
        started.append(server)
        return server

    yield start
    for server in started:
        if not server.server.should_exit:
            server.stop()


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    """A redis-server of the test's own, which it may stop and start."""
    server = OwnRedis().start()
    yield server
    server.close()
