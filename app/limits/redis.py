"""The Redis store: one count shared by every instance of the service.

Each check is one Lua script, run atomically by Redis in one round trip, on Redis's own clock (instances
whose clocks disagree still count the same). Connection slots are a sorted set per user whose members carry
a lease: an instance renews the leases of its connections, and those of an instance that died expire.
"""

from __future__ import annotations

from redis.asyncio import Redis

from app.limits.budget import Decision, Rate, decide
from app.limits.resp import ScriptRunner, sha1

# GCRA (see budget.py), in microseconds: ARGV interval and capacity. Returns {1, reset} when allowed, {0, reset, retry} when refused.
_TAKE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local interval, capacity = tonumber(ARGV[1]), tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
if new_tat - capacity > now then
  return {0, tat - now, new_tat - capacity - now}
end
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', math.ceil((new_tat - now) / 1000))
return {1, new_tat - now, 0}
"""

_TAKE_SCRIPT = _TAKE.encode()
_TAKE_SHA = sha1(_TAKE_SCRIPT)

# Take a slot for ARGV[2] unless ARGV[1] live leases are held already; a lease lasts ARGV[3] ms.
_ACQUIRE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
"""

# Extend the lease of member ARGV[i + 1] in set KEYS[i] by ARGV[1] ms, for every i. Not ZADD XX: a slot that
# Redis lost (restarted, or down longer than a lease) is counted again once it is back.
_RENEW = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local lease = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now + lease, ARGV[i + 1])
  redis.call('PEXPIRE', key, lease)
end
return #KEYS
"""


class RedisBuckets:
    """The checks, on the pipelined connection of app.limits.resp (one per request: it must be cheap)."""

    def __init__(self, scripts: ScriptRunner) -> None:
        self._scripts = scripts

    async def take(self, key: str, rate: Rate) -> Decision:
        answer = await self._scripts.run(_TAKE_SCRIPT, _TAKE_SHA, [key], [rate.interval_us, rate.capacity_us])
        allowed, reset_us = int(answer[0]), int(answer[1])
        retry_us = int(answer[2]) if len(answer) > 2 else 0
        return decide(rate, allowed=bool(allowed), reset_us=reset_us, retry_us=retry_us)


class RedisSlots:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._acquire = redis.register_script(_ACQUIRE)
        self._renew = redis.register_script(_RENEW)

    async def acquire(self, key: str, member: str, limit: int, lease: float) -> bool:
        return bool(await self._acquire(keys=[key], args=[limit, member, _ms(lease)]))

    async def release(self, key: str, member: str) -> None:
        await self._redis.zrem(key, member)

    async def renew(self, held: list[tuple[str, str]], lease: float) -> None:
        if held:
            await self._renew(keys=[key for key, _ in held], args=[_ms(lease), *(member for _, member in held)])


def _ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))
