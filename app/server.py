"""Serving the application with uvicorn, closing WebSocket connections the way the spec documents.

uvicorn drops every open WebSocket with 1012 the moment it starts shutting down. Before that, this server
has the hub let in-flight requests answer and close each connection with 1001 (GOING_AWAY). Ping/pong and
the frame size limit are uvicorn's own, configured from the settings.
"""

from __future__ import annotations

import socket
from typing import Any

import uvicorn
from fastapi import FastAPI

from app.logs import redact_server_logs
from app.settings import Settings
from app.ws.hub import Hub


class Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, hub: Hub, *, grace: float) -> None:
        """`grace`: the seconds in-flight WebSocket requests get at shutdown (WS_SHUTDOWN_GRACE)."""
        super().__init__(config)  # configures logging: the filter goes on afterwards
        self.hub = hub
        self.grace = grace
        redact_server_logs()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        await self.hub.shutdown(self.grace)
        await super().shutdown(sockets)


def server_config(app: FastAPI, settings: Settings, *, host: str, port: int, **overrides: Any) -> uvicorn.Config:
    """How uvicorn serves the application: the WebSocket limits and keepalive from the settings."""
    options: dict[str, Any] = {
        "log_level": settings.log_level.lower(),
        "log_config": None,  # app.logs configured logging already: request ids, text or JSON lines
        # wsproto: uvicorn's websockets-sansio layer leaves an upgrade with a header line over 8 KiB (an
        # oversized token) unanswered, and then fails at shutdown; wsproto hands it to the app to refuse.
        "ws": "wsproto",
        # uvicorn would believe X-Forwarded-For from 127.0.0.1 by default: the app believes it only from
        # TRUSTED_PROXIES (app.main), or a local client could choose the address its budget is counted by.
        "proxy_headers": False,
        "ws_max_size": settings.ws_max_message_size,
        "ws_ping_interval": settings.ws_ping_interval,
        "ws_ping_timeout": settings.ws_ping_timeout,
    }
    return uvicorn.Config(app, host=host, port=port, **{**options, **overrides})


def build_server(app: FastAPI, *, host: str, port: int, **overrides: Any) -> Server:
    """The server of an application create_app() assembled (its settings and hub are in app.state)."""
    settings: Settings = app.state.services.settings
    config = server_config(app, settings, host=host, port=port, **overrides)
    return Server(config, app.state.hub, grace=settings.ws_shutdown_grace)


def serve(app: FastAPI, *, host: str, port: int) -> None:
    build_server(app, host=host, port=port).run()
