"""Fixtures for the WebSocket channel: the application served for real, one per test, on an empty database."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from app.main import create_app
from tests.conftest import empty_tables, settings_for
from tests.support.live import LiveServer

StartServer = Callable[..., LiveServer]


@pytest.fixture
def start_server(sqlite_url: str) -> Iterator[StartServer]:
    """Start a served application with these settings (for tests that need other limits than the defaults)."""
    asyncio.run(empty_tables(sqlite_url))
    started: list[LiveServer] = []

    def start(database_url: str = sqlite_url, uvicorn: dict[str, Any] | None = None, **settings: Any) -> LiveServer:
        server = LiveServer(create_app(settings_for(database_url, **settings)), **(uvicorn or {})).start()
        started.append(server)
        return server

    yield start
    for server in started:
        if server.server.started and not server.server.should_exit:
            server.stop()


@pytest.fixture
def server(database_url: str, start_server: StartServer) -> LiveServer:
    """The application with default settings, on SQLite and on PostgreSQL."""
    asyncio.run(empty_tables(database_url))
    return start_server(database_url)
