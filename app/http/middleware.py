"""What every request gets on its way in and out: a request id, its metrics, the headers the handling left
for its response (the rate limit's), and a 500 problem for an exception nothing else handled.

- The request id is the client's `X-Request-ID` when it is a sensible one (up to 128 letters, digits and
  `-._:`), a new one otherwise. It is in every log line written while serving the request, in the response's
  `X-Request-ID`, and in problem documents. A WebSocket upgrade gets one too, kept for the connection.
- Metrics are labelled by the route template (`/api/v1/authors/{author_id}`), never by the raw path.
"""

from __future__ import annotations

import os
import re
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.http.problems import unexpected_error
from app.http.response_headers import response_headers
from app.http.routes import ROUTES
from app.logs import REQUEST_ID
from app.metrics import UNMATCHED, Metrics

_VALID_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RequestMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        token = REQUEST_ID.set(request_id.decode())
        try:
            if kind == "http":
                await self._http(scope, receive, send, request_id)
            else:
                await self.app(scope, receive, _on_accept(send, request_id))
        finally:
            REQUEST_ID.reset(token)

    async def _http(self, scope: Scope, receive: Receive, send: Send, request_id: bytes) -> None:
        method = scope["method"] if scope["method"] in _METHODS else "OTHER"
        route = ROUTES.template(scope["path"]) or UNMATCHED
        in_progress = self.metrics.http_in_progress_of(method, route)
        status = 500  # what the client gets if nothing answers (the server's own error response)

        started_response = False

        async def send_with_headers(message: Message) -> None:
            nonlocal status, started_response
            if message["type"] == "http.response.start":
                status, started_response = message["status"], True
                headers = [*message.get("headers", ()), (b"x-request-id", request_id)]
                headers += response_headers(scope)
                message = {**message, "headers": headers}
            await send(message)

        started = time.perf_counter()
        in_progress.inc()
        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as exc:
            if started_response:
                raise  # the response is under way: nothing left but to drop the connection
            await unexpected_error(scope, receive, send_with_headers, exc)
        finally:
            in_progress.dec()
            self.metrics.http_request(method, route, status, time.perf_counter() - started)


def _request_id(scope: Scope) -> bytes:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id" and _VALID_REQUEST_ID.fullmatch(value):
            return bytes(value)
    return os.urandom(16).hex().encode()  # as random as uuid4, a seventh of its cost


def _on_accept(send: Send, request_id: bytes) -> Send:
    """The WebSocket's accept carries the request id too."""

    async def send_accept(message: Message) -> None:
        if message["type"] == "websocket.accept":
            message = {**message, "headers": [*message.get("headers", ()), (b"x-request-id", request_id)]}
        await send(message)

    return send_accept
