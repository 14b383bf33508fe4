"""A client of the package protocol, as an application would write one from spec/asyncapi.yaml."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from websockets.asyncio.client import ClientConnection, connect


class Client:
    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self.events: list[dict[str, Any]] = []  # server events seen while waiting for replies
        self._replies: dict[str, dict[str, Any]] = {}

    async def request(self, pkg_id: int, data: Any, *, within: float = 10) -> dict[str, Any]:
        """Send a request and wait for the reply with its req_id (other frames are kept aside)."""
        req_id = str(uuid.uuid4())
        await self.send({"pkg_id": pkg_id, "req_id": req_id, "data": data})
        return await self.reply(req_id, within=within)

    async def send(self, envelope: Any) -> None:
        await self.connection.send(json.dumps(envelope))

    async def reply(self, req_id: str | None, *, within: float = 10) -> dict[str, Any]:
        async with asyncio.timeout(within):
            while req_id not in self._replies:
                frame = json.loads(await self.connection.recv())
                if frame["req_id"] is None and frame["status_code"] == 0:
                    self.events.append(frame)
                else:
                    self._replies[frame["req_id"]] = frame
        return self._replies.pop(req_id)  # type: ignore[arg-type]

    async def event(self, *, within: float = 10) -> dict[str, Any]:
        """The next server event: one set aside while waiting for a reply, else the next frame."""
        if self.events:
            return self.events.pop(0)
        return await self.frame(within=within)

    async def frame(self, *, within: float = 10) -> dict[str, Any]:
        """The next frame, whatever it is."""
        async with asyncio.timeout(within):
            frame: dict[str, Any] = json.loads(await self.connection.recv())
            return frame


@asynccontextmanager
async def connected(
    url: str, token: str | None = None, *, via: str = "header", **options: Any
) -> AsyncIterator[Client]:
    headers = {"Authorization": f"Bearer {token}"} if token and via == "header" else {}
    if token and via == "query":
        url = f"{url}?token={token}"
    async with connect(url, additional_headers=headers, open_timeout=10, **options) as connection:
        yield Client(connection)
