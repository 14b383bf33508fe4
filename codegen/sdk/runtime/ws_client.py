"""The connection under a generated WebSocket client: one socket, many requests, replies matched by `req_id`.

Copied as it is into every generated client (`_runtime.py`); the generated modules around it add one typed
method per request message, one exception class per status code and close code, and one class per event.

    WsClientError
    ├── RequestFailed          a reply with a status other than OK; one subclass per status code of the spec
    ├── ConnectionClosed       the server closed the connection; one subclass per close code of the spec
    ├── RequestTimeout         no reply within the call's timeout (also a TimeoutError)
    └── ProtocolError          a frame this client cannot read

Requests run concurrently on one connection: each gets a fresh `req_id` and waits for the reply carrying it.
Events (frames with `req_id: null`) go to every `EventStream` whose types match. When the connection drops,
the requests waiting on it fail with the close code's exception (the server may or may not have done them);
with `reconnect`, the client connects again with backoff, asking the token provider for a fresh token, and the
event streams carry on.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import random
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, TypeAdapter
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed as _SocketClosed

T = TypeVar("T")
Meta = TypeVar("Meta")
E = TypeVar("E", bound="Event")
Self = TypeVar("Self", bound="BaseWsClient")

TokenProvider = Callable[[], str | Awaitable[str]]
"""Called before every connection attempt: a fresh access token for the upgrade request."""

# Close codes whose cause a new connection does not cure (RFC 6455): the client sent what the server refuses.
_NOT_RETRIED = frozenset({1003, 1007, 1009})
_POLICY_VIOLATION = 1008  # no valid token: retried only when a provider can give another one


class WsClientError(Exception):
    """Everything this client raises."""


class RequestFailed(WsClientError):
    """A reply whose status code is not OK. `data` is the reply's data: `message`, and `errors` or
    `retry_after` where the status has them."""

    status_code: ClassVar[int] = -1

    def __init__(self, status_code: int, data: Any, *, pkg_id: int | None, req_id: str | None) -> None:
        self.code = status_code
        self.data: dict[str, Any] = data if isinstance(data, dict) else {"message": str(data)}
        self.pkg_id = pkg_id
        self.req_id = req_id
        super().__init__(f"{type(self).__name__} (status {status_code}): {self.message}")

    @property
    def message(self) -> str:
        return str(self.data.get("message", ""))

    @property
    def errors(self) -> list[dict[str, Any]]:
        """Each problem with the request's data, located (`{"loc": ["data", "name"], "msg", "type"}`)."""
        errors = self.data.get("errors")
        return list(errors) if isinstance(errors, list) else []

    @property
    def retry_after(self) -> int | None:
        """Seconds until the request would be accepted, for a rate-limited one."""
        value = self.data.get("retry_after")
        return value if isinstance(value, int) else None


class ConnectionClosed(WsClientError):
    """The connection closed, with `code` and `reason` (1006: it dropped without a close frame)."""

    close_code: ClassVar[int] = -1

    def __init__(self, code: int, reason: str = "") -> None:
        self.code = code
        self.reason = reason
        super().__init__(f"{type(self).__name__} (close code {code})" + (f": {reason}" if reason else ""))


class RequestTimeout(WsClientError, TimeoutError):
    """No reply within the call's timeout. The server may still do the request."""


class ProtocolError(WsClientError):
    """A frame the client cannot read: not JSON, or a reply that does not match its message's schema."""


@dataclass(frozen=True)
class Page(Generic[T, Meta]):
    """The reply of a paged message: the items (the reply's data) and where they stand (its meta)."""

    items: list[T]
    meta: Meta


@dataclass(frozen=True)
class Event:
    """A message the server pushed. Each event of the spec is a subclass with a typed `data`."""

    pkg_id: ClassVar[int] = -1
    data: Any


@dataclass(frozen=True)
class Backoff:
    """Delays between reconnection attempts: `initial`, times `factor` each time up to `maximum`, each spread by
    ±`jitter` (a fraction) so that many clients do not come back at once; `attempts` (None: no end)."""

    initial: float = 0.5
    maximum: float = 30.0
    factor: float = 2.0
    jitter: float = 0.1
    attempts: int | None = None

    def delays(self) -> Iterator[float]:
        delay, attempt = self.initial, 0
        while self.attempts is None or attempt < self.attempts:
            attempt += 1
            yield delay * (1 + random.uniform(-self.jitter, self.jitter))  # noqa: S311 - not for secrets
            delay = min(self.maximum, delay * self.factor)


Decode = Callable[[Any, Any], T]
"""Turns a success reply's (data, meta) into what the method returns."""


def model(kind: Any) -> Decode[Any]:
    """A reply whose data is one value of `kind` (a model, or a list of them)."""
    adapter: TypeAdapter[Any] = TypeAdapter(kind)
    return lambda data, _meta: adapter.validate_python(data)


def page(item: Any, meta: Any) -> Decode[Page[Any, Any]]:
    """A reply whose data is a list of `item` and whose meta is `meta`."""
    items: TypeAdapter[Any] = TypeAdapter(list[item])
    pages: TypeAdapter[Any] = TypeAdapter(meta)
    return lambda data, meta_value: Page(items.validate_python(data), pages.validate_python(meta_value))


def nothing(_data: Any, _meta: Any) -> None:
    """A reply with no data."""


@dataclass(frozen=True)
class Protocol:
    """What the generated client knows of the spec, handed to the connection."""

    path: str
    status_errors: Mapping[int, type[RequestFailed]]
    close_errors: Mapping[int, type[ConnectionClosed]]
    events: Mapping[int, tuple[type[Event], TypeAdapter[Any]]]


class EventStream(AsyncIterator[E]):
    """Server events of the given types, in the order they came, from the moment the stream was made.

    `async for event in stream` ends when the client is closed, and raises the close code's exception when the
    connection closes for good. `async with` (or `close()`) stops the stream.
    """

    def __init__(self, client: BaseWsClient, types: tuple[type[E], ...]) -> None:
        self._client = client
        self._types = types
        self._queue: asyncio.Queue[E | BaseException | None] = asyncio.Queue()

    def wants(self, event: Event) -> bool:
        return not self._types or isinstance(event, self._types)

    def put(self, item: E | BaseException | None) -> None:
        self._queue.put_nowait(item)

    async def __anext__(self) -> E:
        item = await self._queue.get()
        if item is None:
            self._queue.put_nowait(None)  # stays ended
            raise StopAsyncIteration
        if isinstance(item, BaseException):
            self._queue.put_nowait(item)
            raise item
        return item

    async def next(self, timeout: float | None = None) -> E:  # noqa: ASYNC109 - a per-call timeout is the API
        """The next event, waiting at most `timeout` seconds (RequestTimeout after that)."""
        try:
            async with asyncio.timeout(timeout):
                return await self.__anext__()
        except TimeoutError:
            raise RequestTimeout(f"no event within {timeout} s") from None

    def close(self) -> None:
        self._client._streams.discard(self)  # the stream belongs to its client
        self.put(None)

    async def __aenter__(self) -> EventStream[E]:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self.close()


class BaseWsClient:
    """One WebSocket connection to the service; the generated `WsClient` adds a method per request message.

    `url` is the service's base URL (`ws://host:8000`, or `http://host:8000`) or the channel's full URL.
    `token` is an access token, or a provider called again before each connection. `timeout` is each call's
    default, in seconds. `reconnect=True` (or a `Backoff`) connects again after the connection drops.
    `options` go to `websockets.connect` (e.g. `max_size`, `ssl`).
    """

    PROTOCOL: ClassVar[Protocol]

    def __init__(
        self,
        url: str,
        *,
        token: str | TokenProvider | None = None,
        timeout: float = 10.0,
        reconnect: bool | Backoff = False,
        **options: Any,
    ) -> None:
        self.url = _channel_url(url, self.PROTOCOL.path)
        self.timeout = timeout
        self._token = token
        self._backoff = Backoff() if reconnect is True else (reconnect or None)
        self._options = options
        self._connection: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._streams: set[EventStream[Any]] = set()
        self._connected = asyncio.Event()
        self._opening = asyncio.Lock()  # concurrent first calls open one connection, not one each
        self._reconnecting: asyncio.Task[None] | None = None
        self._closed_error: WsClientError | None = None  # why no more requests can be sent
        self._closing = False
        self.connections = 0
        """How many times a connection was opened (1 + the reconnections)."""

    # --- the connection ------------------------------------------------------------------------------------

    async def connect(self: Self) -> Self:
        """Open the connection (the first call does it when this was not called)."""
        await self._first_connection()
        return self

    async def close(self) -> None:
        """Close the connection (1000) and end the event streams; waiting requests fail with ConnectionClosed."""
        self._closing = True
        if self._reconnecting is not None:
            self._reconnecting.cancel()
        if self._connection is not None:
            await self._connection.close()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        self._fail_pending(ConnectionClosed(1000, "closed by the client"))
        for stream in list(self._streams):
            stream.close()

    async def __aenter__(self: Self) -> Self:
        return await self.connect()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    def events(self, *types: type[E]) -> EventStream[E]:
        """A stream of the server's events of these types (every event when none is given), from now on."""
        stream: EventStream[E] = EventStream(self, types)
        self._streams.add(stream)
        return stream

    async def _first_connection(self) -> None:
        async with self._opening:
            if self._connection is None:
                await self._open()

    async def _open(self) -> None:
        token = await self._current_token()
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        connection = await connect(self.url, additional_headers=headers, **self._options)
        self._connection = connection
        self._closed_error = None
        self.connections += 1
        self._reader = asyncio.create_task(self._read(connection))
        self._connected.set()

    async def _current_token(self) -> str | None:
        if self._token is None or isinstance(self._token, str):
            return self._token
        token = self._token()
        return await token if inspect.isawaitable(token) else token

    async def _read(self, connection: ClientConnection) -> None:
        try:
            async for frame in connection:
                self._dispatch(frame)
        except _SocketClosed:
            pass
        self._connected.clear()
        code = connection.close_code if connection.close_code is not None else 1006
        error = self._close_error(code, connection.close_reason or "")
        self._closed_error = error
        self._fail_pending(error)
        if self._closing:
            return
        if self._should_reconnect(code):
            self._reconnecting = asyncio.create_task(self._reconnect())
        else:
            for stream in list(self._streams):
                stream.put(error)

    def _should_reconnect(self, code: int) -> bool:
        if self._backoff is None or code in _NOT_RETRIED:
            return False
        return code != _POLICY_VIOLATION or callable(self._token)

    async def _reconnect(self) -> None:
        assert self._backoff is not None
        for delay in self._backoff.delays():
            await asyncio.sleep(delay)
            try:
                await self._open()
                return
            except Exception as exc:  # refused, unreachable, or the token provider failed: try again
                self._closed_error = ConnectionClosed(1006, f"reconnecting: {exc!r}")
        for stream in list(self._streams):
            stream.put(self._closed_error)

    def _close_error(self, code: int, reason: str) -> ConnectionClosed:
        return self.PROTOCOL.close_errors.get(code, ConnectionClosed)(code, reason)

    def _fail_pending(self, error: WsClientError) -> None:
        for future in self._pending.values():
            if not future.done():
                future.set_exception(error)
        self._pending.clear()

    def _dispatch(self, frame: str | bytes) -> None:
        try:
            envelope = json.loads(frame)
        except ValueError:
            return  # the protocol is JSON text frames; nothing can be matched to this one
        if not isinstance(envelope, dict):
            return
        req_id = envelope.get("req_id")
        if req_id is None:
            self._event(envelope)
            return
        future = self._pending.pop(str(req_id), None)
        if future is not None and not future.done():
            future.set_result(envelope)

    def _event(self, envelope: dict[str, Any]) -> None:
        known = self.PROTOCOL.events.get(envelope.get("pkg_id"))  # type: ignore[arg-type]
        if known is None or envelope.get("status_code") != 0:
            return  # an error reply to a frame whose req_id could not be read, or an event of a newer spec
        cls, adapter = known
        event = cls(adapter.validate_python(envelope.get("data")))
        for stream in list(self._streams):
            if stream.wants(event):
                stream.put(event)

    # --- requests ------------------------------------------------------------------------------------------

    async def request(self, pkg_id: int, data: Any, decode: Decode[T], *, timeout: float | None = None) -> T:  # noqa: ASYNC109
        """Send one request and wait for its reply: what `decode` makes of a success, else RequestFailed."""
        seconds = self.timeout if timeout is None else timeout
        payload = data.model_dump(mode="json", by_alias=True) if isinstance(data, BaseModel) else data
        req_id = str(uuid.uuid4())
        try:
            async with asyncio.timeout(seconds):
                connection = await self._ready()
                reply = asyncio.get_running_loop().create_future()
                self._pending[req_id] = reply
                await connection.send(json.dumps({"pkg_id": pkg_id, "req_id": req_id, "data": payload}))
                envelope = await reply
        except TimeoutError:
            raise RequestTimeout(f"no reply to pkg_id {pkg_id} within {seconds} s") from None
        except _SocketClosed:
            raise self._closed_error or ConnectionClosed(1006) from None
        finally:
            self._pending.pop(req_id, None)
        status = envelope.get("status_code")
        if status != 0:
            error = self.PROTOCOL.status_errors.get(status, RequestFailed)
            raise error(int(status or 0), envelope.get("data"), pkg_id=envelope.get("pkg_id"), req_id=req_id)
        try:
            return decode(envelope.get("data"), envelope.get("meta"))
        except ValueError as exc:
            raise ProtocolError(f"the reply to pkg_id {pkg_id} does not match the spec: {exc}") from exc

    async def _ready(self) -> ClientConnection:
        """The open connection: opened on first use, awaited while reconnecting."""
        if self._closing:
            raise ConnectionClosed(1000, "closed by the client")
        await self._first_connection()
        if not self._connected.is_set():
            if self._reconnecting is None or self._reconnecting.done():
                raise self._closed_error or ConnectionClosed(1006)
            await self._connected.wait()
        assert self._connection is not None
        return self._connection


def _channel_url(url: str, path: str) -> str:
    """`ws://host:8000` or `http://host:8000` -> `ws://host:8000/web`; a full channel URL stays as it is."""
    for scheme, ws in (("http://", "ws://"), ("https://", "wss://")):
        if url.startswith(scheme):
            url = ws + url[len(scheme) :]
    base, _, query = url.partition("?")
    if not base.rstrip("/").endswith(path):
        base = base.rstrip("/") + path
    return base + (f"?{query}" if query else "")
