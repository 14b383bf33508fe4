"""A minimal Redis client for the one command on every request's path: the rate-limit script.

redis-py spends about 150 µs of CPU on each command (connection pool, timeouts, packing, retries, its own
instrumentation): more than the rest of a cached-token request. Here one connection carries every check,
pipelined: a command is written at once and its reply, parsed by hiredis (the parser redis-py uses too),
resolves the oldest waiting future, since Redis answers in order. About 15 µs a check. Everything else that
talks to Redis (connection slots, pub/sub, readiness) uses redis-py.

A command not answered within the timeout fails with TimeoutError and closes the connection (a late reply
would otherwise answer the wrong command); the next command opens a new one.
"""

from __future__ import annotations

import asyncio
import hashlib
import ssl
from collections import deque
from typing import Any
from urllib.parse import unquote, urlparse

import hiredis
from redis.exceptions import ResponseError


class RespConnection(asyncio.Protocol):
    def __init__(self) -> None:
        self._reader = hiredis.Reader()
        self._waiting: deque[asyncio.Future[Any]] = deque()
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        self._reader.feed(data)
        while (reply := self._reader.gets()) is not False:
            if self._waiting:
                future = self._waiting.popleft()
                if not future.done():
                    future.set_result(reply)

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None
        while self._waiting:
            future = self._waiting.popleft()
            if not future.done():
                future.set_exception(ConnectionError(f"the connection to Redis was lost ({exc or 'closed'})"))

    @property
    def open(self) -> bool:
        return self._transport is not None and not self._transport.is_closing()

    def send(self, *args: bytes | str | int) -> asyncio.Future[Any]:
        """Write one command; the future gets its reply."""
        if self._transport is None:
            raise ConnectionError("the connection to Redis is closed")
        self._transport.write(_pack(args))
        future = asyncio.get_running_loop().create_future()
        self._waiting.append(future)
        return future

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()


class ScriptRunner:
    """Runs Lua scripts by their SHA1 on one pipelined connection (opened on first use, reopened after a
    failure), loading a script the server does not know."""

    def __init__(self, url: str, *, timeout: float) -> None:
        self._target = urlparse(url)
        self._timeout = timeout
        self._connection: RespConnection | None = None
        self._connecting: asyncio.Lock | None = None

    async def run(self, script: bytes, sha: str, keys: list[str], args: list[int | str]) -> Any:
        reply = await self._call("EVALSHA", sha, len(keys), *keys, *args)
        if isinstance(reply, hiredis.ReplyError) and str(reply).startswith("NOSCRIPT"):
            await self._call("SCRIPT", "LOAD", script)
            reply = await self._call("EVALSHA", sha, len(keys), *keys, *args)
        if isinstance(reply, hiredis.ReplyError):
            raise ResponseError(str(reply))
        return reply

    async def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    async def _call(self, *args: bytes | str | int) -> Any:
        connection = self._connection if self._connection is not None and self._connection.open else None
        if connection is None:
            connection = await self._connect()
        future = connection.send(*args)
        timer = asyncio.get_running_loop().call_later(self._timeout, _expire, future, connection)
        try:
            return await future
        finally:
            timer.cancel()

    async def _connect(self) -> RespConnection:
        if self._connecting is None:
            self._connecting = asyncio.Lock()
        async with self._connecting:
            if self._connection is not None and self._connection.open:
                return self._connection
            async with asyncio.timeout(self._timeout):
                connection = await self._open()
                for command in self._handshake():
                    reply = await connection.send(*command)
                    if isinstance(reply, hiredis.ReplyError):
                        connection.close()
                        raise ResponseError(f"Redis refused {command[0]}: {reply}")
            self._connection = connection
            return connection

    async def _open(self) -> RespConnection:
        loop = asyncio.get_running_loop()
        target = self._target
        if target.scheme == "unix":
            _, connection = await loop.create_unix_connection(RespConnection, target.path)
        else:
            context = ssl.create_default_context() if target.scheme == "rediss" else None
            host, port = target.hostname or "127.0.0.1", target.port or 6379
            _, connection = await loop.create_connection(RespConnection, host, port, ssl=context)
        return connection

    def _handshake(self) -> list[tuple[str, ...]]:
        """AUTH and SELECT, as the URL asks (redis://[user:password@]host:port/db)."""
        target = self._target
        commands: list[tuple[str, ...]] = []
        if target.password is not None:
            user = unquote(target.username) if target.username else None
            password = unquote(target.password)
            commands.append(("AUTH", user, password) if user else ("AUTH", password))
        database = target.path.strip("/") if target.scheme != "unix" else ""
        if database and database != "0":
            commands.append(("SELECT", database))
        return commands


def sha1(script: bytes) -> str:
    return hashlib.sha1(script).hexdigest()  # noqa: S324 - the name Redis gives a script, not a secret


def _expire(future: asyncio.Future[Any], connection: RespConnection) -> None:
    if not future.done():
        future.set_exception(TimeoutError("Redis did not answer in time"))
        connection.close()  # its next reply would answer the wrong command


def _pack(args: tuple[bytes | str | int, ...]) -> bytes:
    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        data = arg if isinstance(arg, bytes) else str(arg).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)
