"""The WebSocket endpoint: authenticate the upgrade request, then serve the connection.

The token comes from the `Authorization: Bearer` header or the `token` query parameter. Without a valid one
the connection is closed with POLICY_VIOLATION before a single frame is read.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fastapi import WebSocket

from app.auth.access import bearer_token
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
        try:
            principal = await _authenticate(websocket, services)
        except Unauthenticated as exc:
            await _refuse(websocket, services, CloseCode.POLICY_VIOLATION, exc.detail)
            return
        if services.hub.closing:  # checked after the (possibly slow) authentication, right before attaching
            await _refuse(websocket, services, CloseCode.GOING_AWAY, "the service is shutting down")
            return
        connection = Connection(websocket, principal, dispatcher, services.settings, services.ws_metrics)
        services.ws_metrics.connection_opened()
        try:
            with services.hub.attached(connection):
                await connection.run()
        finally:
            services.ws_metrics.connection_closed(connection.close_code or 1006)

    return serve


async def _refuse(websocket: WebSocket, services: Services, code: CloseCode, reason: str) -> None:
    services.ws_metrics.connection_refused(code)
    await websocket.close(code=code, reason=reason[:120])


async def _authenticate(websocket: WebSocket, services: Services) -> Principal:
    token = bearer_token(websocket.headers.get("authorization", "")) or websocket.query_params.get("token", "").strip()
    if not token:
        raise Unauthenticated("a bearer token is required (Authorization header or `token` query parameter)")
    return await services.verifier.verify(token)
