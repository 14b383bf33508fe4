"""The relay of server events between instances: Redis pub/sub on one channel.

Every instance publishes its events to the channel and delivers what arrives on it, its own events
included, so each event reaches each instance once. The subscription is watched: a ping every second whose
answer must come within a few, so that a Redis that stopped answering (not only one that closed the
connection) is noticed; the listener then reconnects, backing off up to a few seconds, and resubscribes.
A publish that fails leaves Redis alone for a second, so an outage costs one timeout per second, not one
per event.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

from redis.asyncio import Redis

from app.events import EventBus
from app.limits.limiter import RETRY_INTERVAL, STORE_ERRORS
from generated.ws.protocol import PkgID

log = logging.getLogger(__name__)

_POLL = 1.0  # seconds between pings while the channel is quiet
_SILENCE = 3.0  # seconds without a word from Redis (a message or a pong) before the subscription is given up
_MAX_BACKOFF = 5.0


class RedisRelay:
    def __init__(self, redis: Redis, channel: str, bus: EventBus) -> None:
        self._redis = redis
        self.channel = channel
        self._bus = bus
        self._subscribed = asyncio.Event()
        self._publish_down_until = 0.0

    @property
    def connected(self) -> bool:
        """Whether this instance is subscribed right now (so that what it publishes comes back to it)."""
        return self._subscribed.is_set()

    async def wait_subscribed(self) -> None:
        await self._subscribed.wait()

    async def publish(self, pkg_id: PkgID, data: Any) -> bool:
        """Publish an event to every instance; True when it will come back to this one through the channel
        (else the caller delivers it here itself)."""
        if time.monotonic() < self._publish_down_until:
            return False
        try:
            await self._redis.publish(self.channel, json.dumps({"pkg_id": int(pkg_id), "data": data}))
        except STORE_ERRORS as exc:
            if self._publish_down_until == 0.0 or time.monotonic() > self._publish_down_until + RETRY_INTERVAL:
                log.warning("events are not relayed (%s); this instance's clients still get them", exc)
            self._publish_down_until = time.monotonic() + RETRY_INTERVAL
            return False
        self._publish_down_until = 0.0
        return self.connected

    async def listen(self) -> None:
        """Deliver what arrives on the channel to the bus, until cancelled; reconnect whenever Redis drops."""
        backoff = 0.1
        while True:
            try:
                await self._listen_once()
            except Exception as exc:  # whatever ends a subscription, the relay must come back
                if self.connected:
                    log.error("lost the event relay (%s: %s); reconnecting", type(exc).__name__, exc)
                self._subscribed.clear()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, _MAX_BACKOFF)
                continue

    async def _listen_once(self) -> None:
        async with self._redis.pubsub() as pubsub:
            await pubsub.subscribe(self.channel)
            heard = time.monotonic()
            while True:
                message = await pubsub.get_message(timeout=_POLL)
                now = time.monotonic()
                if message is None:
                    if now - heard > _SILENCE:
                        raise TimeoutError(f"Redis has not answered for {_SILENCE:g} s")
                    await pubsub.ping()
                    continue
                heard = now
                kind = message.get("type")
                if kind == "subscribe":  # confirmed: from here on, what is published reaches this instance
                    self._subscribed.set()
                    log.info("relaying events through Redis channel %s", self.channel)
                elif kind == "message":
                    await self._deliver(message["data"])

    async def _deliver(self, payload: bytes | str) -> None:
        try:
            event = json.loads(payload)
            pkg_id = PkgID(event["pkg_id"])
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring a message on %s that is not an event of this service", self.channel)
            return
        await self._bus.deliver(pkg_id, event.get("data"))
