"""The algorithm of both stores (GCRA): a burst spends exactly the limit, then one request comes back every
window/limit seconds; what a decision says about the budget. Against the in-process store and real Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from app.limits.budget import Rate
from app.limits.limiter import Buckets
from app.limits.memory import MemoryBuckets
from app.limits.redis import RedisBuckets
from app.limits.resp import ScriptRunner
from generated.rate_limits import Policy


@pytest.fixture
async def buckets(store: dict[str, Any]) -> AsyncIterator[Buckets]:
    if not store:
        yield MemoryBuckets()
        return
    scripts = ScriptRunner(store["redis_url"], timeout=0.25)  # as the service makes it
    yield RedisBuckets(scripts)
    await scripts.close()


async def test_a_burst_spends_exactly_the_limit_whatever_the_numbers(buckets: Buckets, prefix: str) -> None:
    # 999 per 3600.7 s: the interval is no whole number of microseconds, and the burst is over long before
    # one request is earned back.
    rate = Rate.of(Policy("odd", 999, 3600.7))

    decisions = await asyncio.gather(*(buckets.take(f"{prefix}odd", rate) for _ in range(1100)))

    assert sum(decision.allowed for decision in decisions) == 999


async def test_one_request_comes_back_every_window_over_limit_seconds(buckets: Buckets, prefix: str) -> None:
    rate = Rate.of(Policy("quick", 2, 0.4))  # one back every 0.2 s

    burst = [await buckets.take(f"{prefix}quick", rate) for _ in range(3)]
    await asyncio.sleep(0.25)
    after = [await buckets.take(f"{prefix}quick", rate) for _ in range(2)]

    assert [decision.allowed for decision in burst] == [True, True, False]
    assert [decision.remaining for decision in burst] == [1, 0, 0]
    assert 0.1 < burst[2].retry_after <= 0.2
    assert burst[2].retry_after_seconds == 1  # never "retry after 0 s"
    assert [decision.allowed for decision in after] == [True, False]


async def test_the_budget_is_whole_again_after_reset_after(buckets: Buckets, prefix: str) -> None:
    rate = Rate.of(Policy("reset", 3, 0.3))

    first = await buckets.take(f"{prefix}reset", rate)
    await asyncio.sleep(first.reset_after + 0.02)
    again = await buckets.take(f"{prefix}reset", rate)

    assert (first.remaining, again.remaining) == (2, 2)
    assert 0.09 < first.reset_after <= 0.1


async def test_a_burst_at_one_instant_spends_exactly_a_large_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """With time stopped, nothing is earned back: exactly `limit`, even when window/limit is no whole number
    of microseconds and limit² exceeds them (9999 per minute)."""
    monkeypatch.setattr("app.limits.memory.time.monotonic_ns", lambda: 10**15)
    buckets, rate = MemoryBuckets(), Rate.of(Policy("many", 9999, 60))

    decisions = [await buckets.take("many", rate) for _ in range(10_050)]

    assert sum(decision.allowed for decision in decisions) == 9999
