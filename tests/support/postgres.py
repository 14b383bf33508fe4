"""A PostgreSQL server for the tests: the one at TEST_DATABASE_URL, or a throwaway one.

`make test` must work on a fresh machine: when nothing answers at the default address but the PostgreSQL
binaries are installed, a throwaway server is started for the run (pytest-postgresql's executor). On CI a
missing PostgreSQL is a failure; elsewhere the PostgreSQL half of the suite is skipped, loudly.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import stat
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
from sqlalchemy.engine import URL, make_url

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


class PostgresUnavailable(Exception):
    pass


def answers(url: str) -> bool:
    async def probe() -> None:
        connection = await asyncpg.connect(_dsn(make_url(url)), timeout=3)
        await connection.close()

    try:
        asyncio.run(probe())
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    return True


@contextmanager
def postgres_server() -> Iterator[str]:
    """The URL of a PostgreSQL server to create test databases on."""
    configured = os.environ.get("TEST_DATABASE_URL")
    url = configured or DEFAULT_URL
    if answers(url):
        yield url
        return
    if configured:
        raise PostgresUnavailable(f"TEST_DATABASE_URL={configured} does not answer")
    with throwaway_server() as throwaway:
        yield throwaway


@contextmanager
def throwaway_server() -> Iterator[str]:
    """Start a PostgreSQL server of our own in a temporary directory, for this run only."""
    from pytest_postgresql.executors.proc import PostgreSQLExecutor

    pg_ctl = _pg_ctl()
    with tempfile.TemporaryDirectory(prefix="specbound-pg-") as directory:
        root = Path(directory)
        executable = _as_postgres_user(pg_ctl, root) if os.geteuid() == 0 else pg_ctl
        port = _free_port()
        executor = PostgreSQLExecutor(
            executable=executable,
            host="127.0.0.1",
            port=port,
            datadir=str(root / "data"),
            unixsocketdir=str(root),
            logfile=str(root / "postgresql.log"),
            startparams="-w",
            dbname="postgres",
        )
        executor.start()
        try:
            yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}/postgres"
        finally:
            executor.stop()


def _pg_ctl() -> str:
    candidates = [shutil.which("pg_ctl")]
    pg_config = shutil.which("pg_config")
    if pg_config:
        bindir = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False).stdout.strip()
        candidates.insert(0, str(Path(bindir) / "pg_ctl"))
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return candidate
    raise PostgresUnavailable("no PostgreSQL server answers and the PostgreSQL binaries (pg_ctl) are not installed")


def _as_postgres_user(pg_ctl: str, root: Path) -> str:
    """PostgreSQL refuses to run as root: hand the directory to the `postgres` user and run pg_ctl as it."""
    shutil.chown(root, user="postgres")
    wrapper = root / "pg_ctl"
    wrapper.write_text(f'#!/bin/sh\nexec runuser -u postgres -- {pg_ctl} "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    shutil.chown(wrapper, user="postgres")
    return str(wrapper)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def scratch_database(server_url: str) -> Iterator[str]:
    """A new, empty database on the server, dropped afterwards; its SQLAlchemy URL."""
    server = make_url(server_url)
    name = f"specbound_test_{uuid.uuid4().hex[:12]}"

    async def execute(statement: str) -> None:
        connection = await asyncpg.connect(_dsn(server), timeout=10)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(execute(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _dsn(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)
