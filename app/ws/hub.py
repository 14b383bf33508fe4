"""Every open connection: server events fanned out to those allowed to see them, and graceful shutdown.

A broadcast encodes the event once and hands it to each connection without waiting (see
Connection.push_event), so one slow or dead client cannot hold up the others.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from app.auth.access import permits
from app.ws.connection import Connection
from app.ws.envelope import reply
from generated.permissions import WS_PERMISSIONS
from generated.ws.models import StatusCode
from generated.ws.protocol import PkgID


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

    async def broadcast(self, pkg_id: PkgID, data: Any) -> None:
        """Push an event to every connection whose roles allow receiving it (WS_PERMISSIONS)."""
        access = WS_PERMISSIONS[pkg_id]
        frame = reply(int(pkg_id), None, StatusCode.OK, data)
        for connection in list(self.connections):
            if permits(connection.principal, access):
                connection.push_event(frame)

    async def shutdown(self, grace: float) -> None:
        """Refuse new connections, and close every open one (1001) once its in-flight requests answered."""
        self.closing = True
        await asyncio.gather(*(connection.shutdown(grace) for connection in list(self.connections)))
