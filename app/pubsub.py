"""The relay of server events between instances: Redis pub/sub on one channel.

Every instance publishes its events to the channel and delivers what arrives on it, its own events
included, so each event reaches each instance once. The subscription is kept alive across Redis outages:
when the connection drops, the listener reconnects (backing off up to a few seconds) and resubscribes.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.events import EventBus
from generated.ws.protocol import PkgID

log = logging.getLogger(__name__)

_MAX_BACKOFF = 5.0


class RedisRelay:
    def __init__(self, redis: Redis, channel: str, bus: EventBus) -> None:
        self._redis = redis
        self.channel = channel
        self._bus = bus
        self._subscribed = asyncio.Event()

    @property
    def connected(self) -> bool:
        """Whether this instance is subscribed right now (so that what it publishes comes back to it)."""
        return self._subscribed.is_set()

    async def wait_subscribed(self) -> None:
        await self._subscribed.wait()

    async def publish(self, pkg_id: PkgID, data: Any) -> None:
        await self._redis.publish(self.channel, json.dumps({"pkg_id": int(pkg_id), "data": data}))

    async def listen(self) -> None:
        """Deliver what arrives on the channel to the bus, until cancelled; reconnect whenever Redis drops."""
        backoff = 0.1
        while True:
            try:
                await self._listen_once()
            except (RedisError, OSError, TimeoutError) as exc:
                if self.connected:
                    log.error("lost the event relay (%s); reconnecting", exc)
                self._subscribed.clear()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, _MAX_BACKOFF)
                continue
            backoff = 0.1

    async def _listen_once(self) -> None:
        async with self._redis.pubsub(ignore_subscribe_messages=True) as pubsub:
            await pubsub.subscribe(self.channel)
            self._subscribed.set()
            log.info("relaying events through Redis channel %s", self.channel)
            while True:
                # A timeout, not a blocking read: a dead connection must show up as an error to reconnect on.
                message = await pubsub.get_message(timeout=1.0)
                if message is None:
                    await pubsub.ping()
                elif message.get("type") == "message":
                    await self._deliver(message["data"])

    async def _deliver(self, payload: bytes | str) -> None:
        try:
            event = json.loads(payload)
            pkg_id = PkgID(event["pkg_id"])
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring a message on %s that is not an event of this service", self.channel)
            return
        await self._bus.deliver(pkg_id, event.get("data"))
