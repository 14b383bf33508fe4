"""The engine and session factory for DATABASE_URL: SQLite (aiosqlite) or PostgreSQL (asyncpg)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, cast

import asyncpg
from sqlalchemy import event, text
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement
from sqlmodel.ext.asyncio.session import AsyncSession


class Database:
    """Writes go through SQLModel sessions (the ORM, in transactions). Reads of the request hot path go
    through `fetch`: on PostgreSQL a statement compiled once, run by a pool of asyncpg connections in one
    round trip (an ORM session costs three, and most of a request's CPU); on SQLite through the engine.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            _ensure_directory(url)
        self.engine: AsyncEngine = create_async_engine(url, **_engine_options(url))
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self._sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)
        self._pool: asyncpg.Pool | None = None
        self._pool_lock = asyncio.Lock()
        self._compiled: dict[int, tuple[str, tuple[str, ...]]] = {}

    def session(self) -> AsyncSession:
        return self._sessions()

    async def fetch(self, statement: ClauseElement, **params: Any) -> list[dict[str, Any]]:
        """The rows of a read-only `statement` (a module-level constant: it is compiled once), as dicts."""
        if self.is_sqlite:
            async with self.engine.connect() as connection:
                result = await connection.execute(statement, params)  # type: ignore[call-overload]
                return [dict(row._mapping) for row in result]
        sql, names = self._compile(statement)
        pool = self._pool or await self._create_pool()
        return [dict(record) for record in await pool.fetch(sql, *(params[name] for name in names))]

    def _compile(self, statement: ClauseElement) -> tuple[str, tuple[str, ...]]:
        compiled = self._compiled.get(id(statement))
        if compiled is None:
            query = statement.compile(dialect=_ASYNCPG)
            names = cast(SQLCompiler, query).positiontup or ()
            compiled = self._compiled[id(statement)] = (str(query), tuple(names))
        return compiled

    async def _create_pool(self) -> asyncpg.Pool:
        async with self._pool_lock:
            if self._pool is None:
                url = make_url(self.url).set(drivername="postgresql")
                # Connections run single read statements outside transactions: they hold no state that
                # asyncpg's reset (one more round trip per request) would have to clear.
                self._pool = await asyncpg.create_pool(
                    url.render_as_string(hide_password=False),
                    min_size=1,
                    max_size=10,
                    command_timeout=30,
                    reset=_keep,
                )
        return self._pool

    async def ping(self) -> None:
        """Raise unless the database answers a trivial query."""
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None
        await self.engine.dispose()


_ASYNCPG = PGDialect_asyncpg()  # type: ignore[no-untyped-call]


async def _keep(_connection: asyncpg.Connection) -> None:
    """What a connection needs before it returns to the pool: nothing (see Database._create_pool)."""


def _engine_options(url: str) -> dict[str, Any]:
    if url.startswith("sqlite"):
        # SQLite: wait for a writer instead of failing at once with "database is locked".
        return {"connect_args": {"timeout": 15}}
    # A query that hangs must not hold a request forever; timeouts in seconds.
    return {
        "pool_size": 10,
        "max_overflow": 10,
        "pool_timeout": 10,
        "connect_args": {"timeout": 10, "command_timeout": 30},
    }


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    """Foreign keys are off by default in SQLite, and WAL lets readers proceed while one request writes.

    SQLite's own lower() folds ASCII letters only, so a case-insensitive search (`lower(name) LIKE lower(?)`)
    would miss "Émile" for "émile", where PostgreSQL finds it: lower() is Python's here, as Unicode has it.
    """
    connection.create_function("lower", 1, _lower, deterministic=True)
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def _ensure_directory(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
