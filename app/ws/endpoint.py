"""The WebSocket endpoint: authenticate the upgrade request, then serve the connection.

The token comes from the `Authorization: Bearer` header or the `token` query parameter. Without a valid one
the connection is closed with POLICY_VIOLATION before a single frame is read; so is one more connection of a
user who holds every connection slot already (generated/rate_limits.py, counted across instances).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from contextlib import AsyncExitStack
from typing import Any

from fastapi import WebSocket

from app.auth.access import bearer_token
from app.auth.principal import Principal
from app.errors import Unauthenticated, Unavailable
from app.services import Services
from app.ws.connection import Connection
from app.ws.dispatcher import Dispatcher
from app.ws.hub import Hub
from generated.ws._runtime import WsRoute
from generated.ws.protocol import CloseCode, PkgID


def websocket_endpoint(
    services: Services, hub: Hub, table: Mapping[PkgID, WsRoute[Any]]
) -> Callable[[WebSocket], Awaitable[None]]:
    """The endpoint serving `table`'s messages; its connections attach to `hub`, which reaches them all."""
    dispatcher = Dispatcher(table, limiter=services.limiter, contexts=services.context, hooks=services.metrics)

    async def serve(websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            principal = await _authenticate(websocket, services)
        except Unauthenticated as exc:
            await _refuse(websocket, services, CloseCode.POLICY_VIOLATION, exc.detail, "unauthenticated")
            return
        async with AsyncExitStack() as stack:
            try:
                admitted = await stack.enter_async_context(services.slots.slot(principal.subject))
            except Unavailable as exc:
                await _refuse(websocket, services, CloseCode.TRY_AGAIN_LATER, exc.detail, "unavailable")
                return
            if not admitted:
                reason = f"at most {services.slots.limit} connections per user at once"
                await _refuse(websocket, services, CloseCode.POLICY_VIOLATION, reason, "too_many_connections")
                return
            if hub.closing:  # checked after the awaits above, right before attaching
                await _refuse(
                    websocket, services, CloseCode.GOING_AWAY, "the service is shutting down", "shutting_down"
                )
                return
            await _serve(websocket, principal, dispatcher, hub, services)

    return serve


async def _serve(
    websocket: WebSocket, principal: Principal, dispatcher: Dispatcher, hub: Hub, services: Services
) -> None:
    connection = Connection(websocket, principal, dispatcher, services.settings, services.metrics)
    services.metrics.connection_opened()
    try:
        with hub.attached(connection):
            await connection.run()
    finally:
        services.metrics.connection_closed(connection.close_code or 1006)


async def _refuse(websocket: WebSocket, services: Services, code: CloseCode, reason: str, status: str) -> None:
    services.metrics.connection_refused(status)
    await websocket.close(code=code, reason=reason[:120])


async def _authenticate(websocket: WebSocket, services: Services) -> Principal:
    token = bearer_token(websocket.headers.get("authorization", "")) or websocket.query_params.get("token", "").strip()
    if not token:
        raise Unauthenticated("a bearer token is required (Authorization header or `token` query parameter)")
    return await services.authenticate(token)
