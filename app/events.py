"""Server events (AUTHOR_CREATED, ...) fanned out in-process to whoever subscribed (the WebSocket hub)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from generated.ws._runtime import WsEvent

log = logging.getLogger(__name__)

Subscriber = Callable[[WsEvent], Awaitable[None]]


class EventBus:
    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Deliver every published event to `subscriber`; returns the function that stops it."""
        self._subscribers.append(subscriber)
        return lambda: self._subscribers.remove(subscriber)

    async def publish(self, event: WsEvent) -> None:
        """Deliver `event` to every subscriber; one failing subscriber does not stop the others."""
        for subscriber in list(self._subscribers):
            try:
                await subscriber(event)
            except Exception:
                log.exception("event subscriber failed on pkg_id %s", int(event.pkg_id))
