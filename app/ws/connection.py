"""One client's socket: frames in, answered concurrently up to a bound, frames out through one bounded queue.

- Requests run concurrently, at most `max_concurrent` at a time; at the bound the connection stops reading
  until one finishes, so a client cannot make the server queue work without limit.
- Every frame out (replies and events) goes through one queue and one writer task, so sends never interleave.
  A reply waits for room in the queue (its own client is slow to read); an event never waits: if the queue
  is full the client is not keeping up, and it is disconnected (TOO_SLOW) instead of slowing the broadcast.
- The connection ends when the client closes it, on a binary or oversized frame, when the access token
  expires, when the client is too slow, or at shutdown, which first lets in-flight requests answer. A
  client that does not even read the close frame is dropped after the close timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Coroutine
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from app.auth.principal import Principal
from app.auth.tokens import LEEWAY_SECONDS
from app.settings import Settings
from app.ws.dispatcher import Dispatcher
from app.ws.envelope import BadEnvelope, Rejection, error_reply, parse_request
from app.ws.hooks import WsHooks
from generated.ws.models import StatusCode
from generated.ws.protocol import CloseCode

log = logging.getLogger(__name__)

ABNORMAL_CLOSURE = 1006  # what the protocol reports when a connection ends without a close frame


class Connection:
    def __init__(
        self, websocket: WebSocket, principal: Principal, dispatcher: Dispatcher, settings: Settings, hooks: WsHooks
    ) -> None:
        self.websocket = websocket
        self.principal = principal
        self.dispatcher = dispatcher
        self.hooks = hooks
        self.max_frame_bytes = settings.ws_max_message_size
        self.close_code: int | None = None
        self._outbox: asyncio.Queue[str] = asyncio.Queue(maxsize=settings.ws_send_queue_size)
        self._slots = asyncio.Semaphore(settings.ws_max_concurrent_requests)
        self._in_flight: set[asyncio.Task[None]] = set()
        self._background: set[asyncio.Task[None]] = set()
        self._draining = False
        self._writer: asyncio.Task[None] | None = None
        self._close_timeout = settings.ws_close_timeout
        # Idle connections are what an instance holds most of: a future and a timer where a task would do,
        # as every task keeps a coroutine frame alive for the whole connection.
        self._closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def run(self) -> None:
        """Serve the connection until it ends; `close_code` then says how."""
        self._writer = asyncio.create_task(self._write())
        reader = asyncio.create_task(self._read())
        expiry = self._expire()
        try:
            # The client's close ends the reader; ours ends `closed`, even when the client never reads it.
            await asyncio.wait({reader, self._closed}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if expiry is not None:
                expiry.cancel()
            pending = [reader, self._writer, *self._in_flight, *self._background]
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    def push_event(self, frame: str) -> None:
        """Queue a server event without ever waiting; a client whose queue is full is disconnected."""
        if self.close_code is not None or self._draining:
            return
        try:
            self._outbox.put_nowait(frame)
        except asyncio.QueueFull:
            log.warning("closing a connection of %s: it does not read its events", self.principal.subject)
            self._spawn(self.close(CloseCode.TOO_SLOW, "events piled up unread"))

    async def shutdown(self, grace: float) -> None:
        """Stop taking requests, let those in flight answer (for up to `grace` seconds), then close (1001)."""
        self._draining = True
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(grace):
                while self._in_flight:
                    await asyncio.gather(*self._in_flight, return_exceptions=True)
                await self._outbox.join()
        await self.close(CloseCode.GOING_AWAY, "the service is shutting down")

    async def close(self, code: CloseCode, reason: str) -> None:
        """Close with `code` (once); what is still queued or in flight is dropped.

        The close frame waits behind what the client has not read yet; a client that does not read it within
        the close timeout is dropped without it (its connection must not live on because it stopped reading).
        """
        if self.close_code is not None:
            return
        self.close_code = int(code)
        if self._writer is not None:
            self._writer.cancel()  # the writer must not send while the close frame goes out
        for task in self._in_flight:
            task.cancel()
        try:
            async with asyncio.timeout(self._close_timeout):
                await self.websocket.close(code=int(code), reason=reason[:120])
        except TimeoutError:
            log.warning("dropping a connection of %s: it did not read its close frame", self.principal.subject)
        except (RuntimeError, WebSocketDisconnect, OSError):
            pass  # the client is gone already
        finally:
            self._end()

    async def _read(self) -> None:
        while True:
            message = await self.websocket.receive()
            if message["type"] == "websocket.disconnect":
                if self.close_code is None:
                    self.close_code = int(message.get("code") or ABNORMAL_CLOSURE)
                return
            if self.close_code is not None:
                continue  # closing: read on until the client's close arrives
            text = message.get("text")
            if text is None:
                await self.close(CloseCode.UNSUPPORTED_DATA, "binary frames are not supported; send JSON text")
            elif self._draining:
                self._refuse_while_draining(text)
            elif len(text) > self.max_frame_bytes // 4 and len(text.encode()) > self.max_frame_bytes:
                await self.close(CloseCode.MESSAGE_TOO_BIG, f"frames are at most {self.max_frame_bytes} bytes")
            else:
                self.hooks.message_received()
                await self._slots.acquire()  # at the bound, stop reading until a request finishes
                if self.close_code is not None or self._draining:
                    self._slots.release()
                    continue
                task = asyncio.create_task(self._answer(text))
                self._in_flight.add(task)
                task.add_done_callback(self._in_flight.discard)

    def _refuse_while_draining(self, text: str) -> None:
        """A request that arrives during shutdown still gets its one reply: what is wrong with its envelope, or
        that the service is going away. (A client whose outbox is full is not reading: the close follows.)"""
        parsed = parse_request(text)
        rejection = (
            parsed.rejection
            if isinstance(parsed, BadEnvelope)
            else Rejection(StatusCode.ERROR, "the service is shutting down; send it again on a new connection")
        )
        with contextlib.suppress(asyncio.QueueFull):
            self._outbox.put_nowait(error_reply(parsed.pkg_id, parsed.req_id, rejection))

    async def _answer(self, text: str) -> None:
        try:
            frame = await self.dispatcher.answer(self.principal, text)
            await self._outbox.put(frame)
        finally:
            self._slots.release()

    async def _write(self) -> None:
        while True:
            frame = await self._outbox.get()
            try:
                await self.websocket.send_text(frame)
                self.hooks.message_sent()
            except (RuntimeError, WebSocketDisconnect, OSError):
                # The client is gone. End the connection here: requests waiting for room in the outbox would
                # otherwise hold their slots, and the reader waiting for a slot would never see the disconnect.
                if self.close_code is None:
                    self.close_code = ABNORMAL_CLOSURE
                self._end()
                return
            finally:
                self._outbox.task_done()

    def _expire(self) -> asyncio.TimerHandle | None:
        """Close the connection when the access token expires (the handle to cancel that)."""
        if self.principal.expires_at is None:
            return None
        # A token is accepted up to LEEWAY_SECONDS past its exp (clocks disagree): so it lives that long here too.
        delay = max(0.0, self.principal.expires_at + LEEWAY_SECONDS - time.time())
        return asyncio.get_running_loop().call_later(
            delay,
            lambda: self._spawn(
                self.close(CloseCode.TOKEN_EXPIRED, "the access token expired; reconnect with a fresh one")
            ),
        )

    def _end(self) -> None:
        if not self._closed.done():
            self._closed.set_result(None)

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
