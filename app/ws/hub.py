"""Every open connection: server events fanned out to those allowed to see them, and graceful shutdown.

A broadcast encodes the event once and hands it to each connection without waiting (see
Connection.push_event), so one slow or dead client cannot hold up the others.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

from app.auth.access import permits
from app.ws.connection import Connection
from app.ws.envelope import reply
from generated.permissions import WS_PERMISSIONS
from generated.ws._runtime import WsEvent
from generated.ws.models import StatusCode


class Hub:
    def __init__(self) -> None:
        self.connections: set[Connection] = set()
        self.closing = False

    @contextmanager
    def attached(self, connection: Connection) -> Iterator[None]:
        # The caller checks `closing` just before, with no await in between: a connection cannot slip in
        # after shutdown took its list of connections.
        self.connections.add(connection)
        try:
            yield
        finally:
            self.connections.discard(connection)

    async def broadcast(self, event: WsEvent) -> None:
        """Push `event` to every connection whose roles allow receiving it (WS_PERMISSIONS)."""
        access = WS_PERMISSIONS[event.pkg_id]
        frame = reply(int(event.pkg_id), None, StatusCode.OK, event.data.model_dump(mode="json", by_alias=True))
        for connection in list(self.connections):
            if permits(connection.principal, access):
                connection.push_event(frame)

    async def shutdown(self, grace: float) -> None:
        """Refuse new connections, and close every open one (1001) once its in-flight requests answered."""
        self.closing = True
        await asyncio.gather(*(connection.shutdown(grace) for connection in list(self.connections)))
