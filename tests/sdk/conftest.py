"""Fixtures of the client tests: the clients generated once per run from the current specs (as `make sdk` does),
the service served as `python -m app serve` serves it, and users of its own login.

The Python clients are imported from where they were generated; the TypeScript client is built only by the
tests that need it, and only where Node.js and the tools of tools/sdk/ are installed (on CI they must be).
"""

from __future__ import annotations

import asyncio
import importlib
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from app.auth.accounts import register
from app.auth.passwords import Passwords
from app.main import create_app
from codegen.config import load_config
from codegen.sdk.build import TOOLS, Clients, build_python_clients, build_typescript_client
from tests.conftest import ROOT, empty_tables, settings_for
from tests.support.live import LiveServer
from tests.support.tokens import ALL_ROLES

PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class PythonClients:
    clients: Clients
    rest: ModuleType  # the REST client package, e.g. specbound_client
    ws: ModuleType  # the WebSocket client package, e.g. specbound_ws_client

    def module(self, name: str) -> ModuleType:
        """`rest`, `rest.<module>` (`rest.api.authors.create_author`): the REST client's; any other name is a
        module of the WebSocket client (`client`, `models`, `errors`)."""
        package, _, inner = name.partition(".")
        if package == "rest":
            return importlib.import_module(f"{self.rest.__name__}.{inner}") if inner else self.rest
        return importlib.import_module(f"{self.ws.__name__}.{name}")


@pytest.fixture(scope="session")
def sdk_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("clients")


@pytest.fixture(scope="session")
def python_clients(sdk_output: Path) -> Iterator[PythonClients]:
    """Both Python clients, generated from spec/ as it is now, importable for the run."""
    clients = build_python_clients(load_config(ROOT), sdk_output)
    paths = [str(clients.python), str(clients.python_ws)]
    sys.path[:0] = paths
    try:
        yield PythonClients(
            clients,
            importlib.import_module(clients.python_package),
            importlib.import_module(clients.python_ws_package),
        )
    finally:
        for path in paths:
            sys.path.remove(path)


@pytest.fixture(scope="session")
def typescript_client(sdk_output: Path) -> Path:
    """The TypeScript client, generated and compiled (tsc --strict); needs Node.js."""
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if not missing and not (TOOLS / "node_modules" / ".bin" / "tsc").exists():
        missing.append(f"the tools of {TOOLS.relative_to(ROOT)} (make sdk-tools installs them)")
    if missing:
        reason = f"Node.js is needed for the TypeScript client and is missing: {', '.join(missing)}"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (required on CI)")
        pytest.skip(reason)
    return build_typescript_client(load_config(ROOT), sdk_output)


@dataclass
class Service:
    """A served instance and its users: `writer` holds every role, `nobody` none."""

    server: LiveServer
    start: Callable[..., LiveServer]

    @property
    def url(self) -> str:
        return self.server.http_url


@pytest.fixture
def service(sqlite_url: str) -> Iterator[Service]:
    """The service on an empty database, as `python -m app serve` serves it, with two users of its own login.
    `start(port=..., **settings)` serves another instance (on the same database)."""
    asyncio.run(empty_tables(sqlite_url))
    started: list[LiveServer] = []

    def start(port: int | None = None, **settings: Any) -> LiveServer:
        server = LiveServer(create_app(settings_for(sqlite_url, **settings)), port=port).start()
        started.append(server)
        return server

    server = start()
    server.call(_users(server))
    yield Service(server, start)
    for each in started:
        if each.server.started and not each.server.should_exit:
            each.stop()


async def _users(server: LiveServer) -> None:
    database = server.app.state.services.database
    async with database.session() as session:
        await register(session, Passwords(), username="writer", password=PASSWORD, roles=sorted(ALL_ROLES))
    async with database.session() as session:
        await register(session, Passwords(), username="nobody", password=PASSWORD, roles=[])
