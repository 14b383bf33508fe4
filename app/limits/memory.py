"""The in-process store: counts for one instance of the service, with nothing else to run.

Everything here runs on the event loop without awaiting in between, so each check is atomic.
"""

from __future__ import annotations

import time

from app.limits.budget import Decision, Rate, decide


class MemoryBuckets:
    """GCRA state per key: the theoretical arrival time, in microseconds of the monotonic clock."""

    def __init__(self) -> None:
        self._tat: dict[str, int] = {}
        self._sweep_at = 1024  # how many callers may be remembered before the next sweep

    async def take(self, key: str, rate: Rate) -> Decision:
        now = time.monotonic_ns() // 1000
        tat = max(self._tat.get(key, now), now)
        new_tat = tat + rate.interval_us
        if new_tat - rate.capacity_us > now:
            return decide(rate, allowed=False, reset_us=tat - now, retry_us=new_tat - rate.capacity_us - now)
        self._tat[key] = new_tat
        if len(self._tat) >= self._sweep_at:
            self._sweep(now)
        return decide(rate, allowed=True, reset_us=new_tat - now, retry_us=0)

    def _sweep(self, now: int) -> None:
        """Forget callers whose budget is whole: they cost memory and would start from full anyway. The next
        sweep waits until as many callers again are remembered, so sweeping costs O(1) per check."""
        for key in [key for key, tat in self._tat.items() if tat <= now]:
            del self._tat[key]
        self._sweep_at = max(1024, 2 * len(self._tat))


class MemorySlots:
    """The open connections of each user, in this instance."""

    def __init__(self) -> None:
        self._held: dict[str, set[str]] = {}

    async def acquire(self, key: str, member: str, limit: int, lease: float) -> bool:
        held = self._held.setdefault(key, set())
        if len(held) >= limit:
            return False
        held.add(member)
        return True

    async def release(self, key: str, member: str) -> None:
        held = self._held.get(key)
        if held is not None:
            held.discard(member)
            if not held:
                del self._held[key]

    async def renew(self, held: list[tuple[str, str]], lease: float) -> None:
        """Nothing to renew: an instance's own memory does not outlive it."""
