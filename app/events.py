"""Server events (AUTHOR_CREATED, ...): published once, delivered to the subscribers of every instance.

With one instance the bus delivers in-process. With several, a relay (Redis pub/sub, app.pubsub) carries
each event to every instance, this one included, which delivers it to its own subscribers: each connected
client receives it exactly once, whichever instance it is connected to. When the relay is down, events are
delivered to this instance's subscribers still (the relay logs that), rather than to nobody.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from generated.ws._runtime import WsEvent
from generated.ws.protocol import PkgID

log = logging.getLogger(__name__)

Subscriber = Callable[[PkgID, Any], Awaitable[None]]
"""Receives an event's pkg_id and its data, ready for JSON."""


class Relay(Protocol):
    async def publish(self, pkg_id: PkgID, data: Any) -> bool:
        """Send an event to every instance; True when it comes back to this one too (never raises)."""


class EventBus:
    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self.relay: Relay | None = None

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Deliver every event to `subscriber`; returns the function that stops it."""
        self._subscribers.append(subscriber)
        return lambda: self._subscribers.remove(subscriber)

    async def publish(self, event: WsEvent) -> None:
        """Send `event` to the subscribers of every instance (through the relay when there is one)."""
        data = event.data.model_dump(mode="json", by_alias=True)
        if self.relay is None or not await self.relay.publish(event.pkg_id, data):
            await self.deliver(event.pkg_id, data)

    async def deliver(self, pkg_id: PkgID, data: Any) -> None:
        """Hand an event to this instance's subscribers; one failing subscriber does not stop the others."""
        for subscriber in list(self._subscribers):
            try:
                await subscriber(pkg_id, data)
            except Exception:
                log.exception("event subscriber failed on pkg_id %s", int(pkg_id))
