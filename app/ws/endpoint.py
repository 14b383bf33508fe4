"""The WebSocket endpoint: authenticate the upgrade request, then serve the connection.

The token comes from the `Authorization: Bearer` header or the `token` query parameter. Without a valid one
the connection is closed with POLICY_VIOLATION before a single frame is read.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fastapi import WebSocket

from app.auth.principal import Principal
from app.errors import Unauthenticated
from app.services import Services
from app.ws.connection import Connection
from app.ws.dispatcher import Dispatcher
from generated.ws._runtime import WsRoute
from generated.ws.protocol import CloseCode, PkgID


def websocket_endpoint(
    services: Services, table: Mapping[PkgID, WsRoute[Any]]
) -> Callable[[WebSocket], Awaitable[None]]:
    dispatcher = Dispatcher(table, services, services.ws_metrics)

    async def serve(websocket: WebSocket) -> None:
        await websocket.accept()
        if services.hub.closing:
            await websocket.close(code=CloseCode.GOING_AWAY, reason="the service is shutting down")
            return
        try:
            principal = await _authenticate(websocket, services)
        except Unauthenticated as exc:
            services.ws_metrics.connection_refused(CloseCode.POLICY_VIOLATION)
            await websocket.close(code=CloseCode.POLICY_VIOLATION, reason=exc.detail[:120])
            return
        connection = Connection(websocket, principal, dispatcher, services.settings, services.ws_metrics)
        services.ws_metrics.connection_opened()
        try:
            with services.hub.attached(connection):
                await connection.run()
        finally:
            services.ws_metrics.connection_closed(connection.close_code or 1006)

    return serve


async def _authenticate(websocket: WebSocket, services: Services) -> Principal:
    scheme, _, credentials = websocket.headers.get("authorization", "").partition(" ")
    token = credentials.strip() if scheme.lower() == "bearer" else ""
    token = token or websocket.query_params.get("token", "").strip()
    if not token:
        raise Unauthenticated("a bearer token is required (Authorization header or `token` query parameter)")
    return await services.verifier.verify(token)
