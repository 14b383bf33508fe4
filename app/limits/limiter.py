"""The rate limiter and the connection slots the transports call, over either store.

When the store (Redis) does not answer, a setting decides: fail open (the default: the request goes through
uncounted, and the failure is logged and counted) or fail closed (the request is refused as Unavailable). A
failed store is not asked again for a second, so an outage costs one timeout per second, not one per
request; the first check after that finds out whether it is back, and nothing needs a restart.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from typing import Protocol

from redis.exceptions import RedisError

from app.errors import Unavailable
from app.limits.budget import Decision, Rate
from generated.rate_limits import POLICIES, Policy

log = logging.getLogger(__name__)

RETRY_INTERVAL = 1.0  # seconds a failed store is left alone before it is asked again
STORE_ERRORS = (RedisError, OSError, TimeoutError)
"""What a Redis command raises when Redis does not answer as it should."""


class Buckets(Protocol):
    async def take(self, key: str, rate: Rate) -> Decision: ...


class Slots(Protocol):
    async def acquire(self, key: str, member: str, limit: int, lease: float) -> bool: ...

    async def release(self, key: str, member: str) -> None: ...

    async def renew(self, held: list[tuple[str, str]], lease: float) -> None: ...


class StoreHealth:
    """Whether the store may be asked, and what happens when it cannot answer (shared by all its users)."""

    def __init__(self, *, fail_open: bool, on_failure: Callable[[], None]) -> None:
        self.fail_open = fail_open
        self._on_failure = on_failure
        self._down_until = 0.0
        self._down = False

    def available(self) -> bool:
        return time.monotonic() >= self._down_until

    def failed(self, exc: BaseException | None) -> None:
        """Count the failure; raise Unavailable when failing closed."""
        self._on_failure()
        if exc is not None:
            self._down_until = time.monotonic() + RETRY_INTERVAL
            if not self._down:
                self._down = True
                action = "letting requests through uncounted" if self.fail_open else "refusing limited requests"
                log.error(
                    "the rate-limit store does not answer (%s: %s); %s until it does", type(exc).__name__, exc, action
                )
        if not self.fail_open:
            raise Unavailable("the rate limiter cannot count requests right now; try again shortly")

    def succeeded(self) -> None:
        if self._down:
            self._down = False
            log.warning("the rate-limit store answers again; limits apply")


class RateLimiter:
    def __init__(
        self,
        buckets: Buckets,
        health: StoreHealth,
        *,
        enabled: bool,
        scale: float,
        prefix: str,
        on_refused: Callable[[str, str], None],
    ) -> None:
        self._buckets = buckets
        self._health = health
        self.enabled = enabled
        self._rates = {name: Rate.of(policy, scale) for name, policy in POLICIES.items()}
        self._prefix = f"{prefix}rl:"
        self._on_refused = on_refused

    async def check(self, policy: Policy, caller: str, transport: str) -> Decision | None:
        """The decision for one request of `caller` under `policy`; None when it was not counted (limits off,
        or the store is down and the service fails open). Raises Unavailable when it fails closed."""
        if not self.enabled:
            return None
        if not self._health.available():
            self._health.failed(None)
            return None
        try:
            decision = await self._buckets.take(f"{self._prefix}{policy.name}:{caller}", self._rates[policy.name])
        except STORE_ERRORS as exc:
            self._health.failed(exc)
            return None
        self._health.succeeded()
        if not decision.allowed:
            self._on_refused(policy.name, transport)
        return decision


def caller_key(subject: str | None, address: str | None) -> str:
    """Whose budget a request spends: the user's when authenticated, else the client address's."""
    return f"user:{subject}" if subject is not None else f"ip:{address or 'unknown'}"


class ConnectionSlots:
    """At most `limit` WebSocket connections per user, across every instance sharing the store.

    Each connection holds a lease that this instance renews while the connection lives; the connections of an
    instance that died stop being renewed, and their slots come free when the lease runs out.
    """

    def __init__(self, slots: Slots, health: StoreHealth, *, limit: int | None, lease: float, prefix: str) -> None:
        self._slots = slots
        self._health = health
        self.limit = limit
        self.lease = lease
        self._prefix = f"{prefix}ws:connections:"
        self._instance = uuid.uuid4().hex[:12]
        self._numbers = itertools.count(1)
        self._held: dict[str, str] = {}  # member -> key, for renewal

    @asynccontextmanager
    async def slot(self, subject: str) -> AsyncIterator[bool]:
        """Hold a slot of `subject` while inside; yields False when the user holds every slot already.

        A connection let in uncounted (the store down, failing open) is still held here: the next renewal
        after the store is back counts it.
        """
        if self.limit is None:
            yield True
            return
        key, member = f"{self._prefix}{subject}", f"{self._instance}:{next(self._numbers)}"
        if not await self._acquire(key, member, self.limit):
            yield False
            return
        self._held[member] = key
        try:
            yield True
        finally:
            del self._held[member]
            with suppress(*STORE_ERRORS):  # a slot that cannot be released now expires with its lease
                await self._slots.release(key, member)

    async def _acquire(self, key: str, member: str, limit: int) -> bool:
        if not self._health.available():
            self._health.failed(None)
            return True
        try:
            acquired = await self._slots.acquire(key, member, limit, self.lease)
        except STORE_ERRORS as exc:
            self._health.failed(exc)
            return True
        self._health.succeeded()
        return acquired

    async def keep_renewing(self) -> None:
        """Renew the leases of this instance's connections, a few times per lease, until cancelled."""
        failing = False
        while True:
            await asyncio.sleep(self.lease / 3)
            if not self._held:
                continue
            try:
                await self._slots.renew([(key, member) for member, key in self._held.items()], self.lease)
            except STORE_ERRORS as exc:
                if not failing:
                    log.warning("connection slots are not renewed (%s); they are counted again when it is back", exc)
                failing = True
            else:
                failing = False
