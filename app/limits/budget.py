"""What a rate-limit check decides, and how HTTP says it (RateLimit-* and Retry-After headers).

The algorithm is GCRA (the generic cell rate algorithm): a policy of `limit` requests per `window` seconds
lets a caller spend its whole budget at once, then earns one request back every window/limit seconds (so a
burst never exceeds `limit`, and the average rate is `limit` per `window`). A
store keeps one number per caller and policy (the theoretical arrival time), so a check is exact and cheap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from generated.rate_limits import Policy


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_after: float  # seconds until the budget is whole again
    retry_after: float  # seconds until a request would be allowed (0 when this one was)

    @property
    def retry_after_seconds(self) -> int:
        """Retry-After in whole seconds, never 0 for a refusal (0 would invite an immediate retry)."""
        return max(1, math.ceil(self.retry_after))

    def headers(self) -> list[tuple[bytes, bytes]]:
        """The headers every response of a limited operation carries (a refusal adds Retry-After)."""
        return [
            (b"ratelimit-limit", str(self.limit).encode()),
            (b"ratelimit-remaining", str(self.remaining).encode()),
            (b"ratelimit-reset", str(math.ceil(self.reset_after)).encode()),
        ]


@dataclass(frozen=True, slots=True)
class Rate:
    """A policy in the units the stores count in: whole microseconds."""

    limit: int
    interval_us: int  # the time that earns one request back
    capacity_us: int  # limit * interval: a burst of `limit` fills it exactly, one request more would not fit

    @classmethod
    def of(cls, policy: Policy, scale: float = 1.0) -> Rate:
        limit = max(1, math.ceil(policy.limit * scale))
        interval_us = max(1, round(policy.window * 1_000_000 / limit))
        return cls(limit, interval_us, limit * interval_us)


def decide(rate: Rate, *, allowed: bool, reset_us: int, retry_us: int) -> Decision:
    """The decision a store's answer means: `reset_us` until the budget is whole, `retry_us` until the next."""
    remaining = max(0, (rate.capacity_us - reset_us) // rate.interval_us) if allowed else 0
    return Decision(allowed, rate.limit, min(remaining, rate.limit - 1), reset_us / 1e6, retry_us / 1e6)
