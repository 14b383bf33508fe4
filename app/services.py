"""The long-lived resources of one running service, built once from the settings at start-up.

With REDIS_URL set, the rate limits, the WebSocket connection slots and the event relay live in Redis, so
that several instances behind a load balancer act as one service; without it, all of them are in-process.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

from app.auth.accounts import Accounts
from app.auth.jwks import RemoteJwks
from app.auth.keys import SigningKey, development_key, load_signing_key
from app.auth.passwords import Passwords
from app.auth.principal import Principal
from app.auth.tokens import TokenIssuer
from app.auth.verifier import ExternalTrust, LocalTrust, TokenVerifier
from app.context import RequestContext
from app.db.database import Database
from app.errors import Unauthenticated
from app.events import EventBus
from app.limits.limiter import ConnectionSlots, RateLimiter, StoreHealth
from app.limits.memory import MemoryBuckets, MemorySlots
from app.limits.redis import RedisBuckets, RedisSlots
from app.limits.resp import ScriptRunner
from app.metrics import Metrics
from app.pubsub import RedisRelay
from app.readiness import Dependencies
from app.settings import DEVELOPMENT_KEY, Settings
from generated.rate_limits import WS_MAX_CONNECTIONS_PER_USER


@dataclass
class Services:
    settings: Settings
    database: Database
    redis: Redis | None
    metrics: Metrics
    events: EventBus
    relay: RedisRelay | None
    accounts: Accounts
    verifier: TokenVerifier
    limiter: RateLimiter
    scripts: ScriptRunner | None  # the rate-limit checks' own connection to Redis
    slots: ConnectionSlots
    dependencies: Dependencies
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @classmethod
    def from_settings(cls, settings: Settings, *, version: str = "unknown") -> Services:
        """The services of `settings`; `version` is the API's (the spec's info.version), for app_info."""
        metrics = Metrics(version)
        key = signing_key(settings)
        database = Database(settings.database_url)
        redis = connect_redis(settings) if settings.redis_url else None
        events = EventBus()
        relay = RedisRelay(redis, f"{settings.redis_prefix}events", events) if redis is not None else None
        events.relay = relay
        health = StoreHealth(fail_open=settings.rate_limit_fail == "open", on_failure=metrics.rate_limit_store_failed)
        scripts = ScriptRunner(settings.redis_url, timeout=settings.redis_timeout) if settings.redis_url else None
        limiter = RateLimiter(
            RedisBuckets(scripts) if scripts is not None else MemoryBuckets(),
            health,
            enabled=settings.rate_limit_enabled,
            scale=settings.rate_limit_scale,
            prefix=settings.redis_prefix,
            on_refused=metrics.rate_limited,
        )
        slots = ConnectionSlots(
            RedisSlots(redis) if redis is not None else MemorySlots(),
            health,
            limit=WS_MAX_CONNECTIONS_PER_USER if settings.rate_limit_enabled else None,
            lease=settings.ws_connection_lease,
            prefix=settings.redis_prefix,
        )
        return cls(
            settings=settings,
            database=database,
            redis=redis,
            metrics=metrics,
            events=events,
            relay=relay,
            accounts=Accounts(token_issuer(settings, key), Passwords(), record=metrics.authenticated),
            verifier=_verifier(settings, key),
            limiter=limiter,
            scripts=scripts,
            slots=slots,
            dependencies=Dependencies(database, redis),
        )

    def context(self, principal: Principal | None) -> RequestContext:
        """What a handler gets for one request (REST) or one message (WebSocket)."""
        return RequestContext(principal, self.database, self.events, self.accounts, self.dependencies)

    async def authenticate(self, token: str) -> Principal:
        """The principal of a bearer token (Unauthenticated when it is refused), counted in the metrics."""
        try:
            principal = await self.verifier.verify(token)
        except Unauthenticated:
            self.metrics.authenticated("bearer", False)
            raise
        self.metrics.authenticated("bearer", True)
        return principal

    async def start(self) -> None:
        """Start what runs beside the requests: the event relay's subscription, the slot lease renewals."""
        if self.relay is not None:
            self._tasks.append(asyncio.create_task(self.relay.listen(), name="event relay"))
            with contextlib.suppress(TimeoutError):  # Redis down at start-up: the relay connects when it is back
                async with asyncio.timeout(self.settings.redis_timeout * 4):
                    await self.relay.wait_subscribed()
        if self.redis is not None:
            self._tasks.append(asyncio.create_task(self.slots.keep_renewing(), name="connection slot leases"))

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        if self.verifier.external is not None:
            await self.verifier.external.jwks.close()
        if self.scripts is not None:
            await self.scripts.close()
        if self.redis is not None:
            await self.redis.aclose()
        await self.database.dispose()
        self.metrics.process_exiting()


def connect_redis(settings: Settings) -> Redis:
    """A client that fails fast, so that an outage never holds a request up (the callers decide what an
    unanswered command means): short timeouts, never retried. A broken connection (Redis restarted since it
    was opened) is retried once, at once, on a new one: that is how the pool finds out Redis is back."""
    assert settings.redis_url is not None
    # A blocking pool: at a burst of more concurrent requests than connections, a request waits (up to the
    # timeout) for a connection to come free, instead of failing at once as the default pool does. The one
    # retry of a broken connection may, when Redis dies between running a command and answering it, run a
    # check or a publish twice: a rare overcount, never an undercount.
    pool = BlockingConnectionPool.from_url(
        settings.redis_url,
        max_connections=64,
        timeout=settings.redis_timeout,
        socket_timeout=settings.redis_timeout,
        socket_connect_timeout=settings.redis_timeout,
        retry=Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
        health_check_interval=30,
    )
    return Redis.from_pool(pool)  # owns the pool: closing the client closes its connections


def token_issuer(settings: Settings, key: SigningKey, *, access_ttl: int | None = None) -> TokenIssuer:
    """The issuer of this service's tokens; `access_ttl` overrides ACCESS_TOKEN_TTL (`python -m app token`)."""
    return TokenIssuer(
        key,
        issuer=settings.token_issuer,
        audience=settings.token_audience,
        access_ttl=access_ttl if access_ttl is not None else settings.access_token_ttl,
        refresh_ttl=settings.refresh_token_ttl,
    )


def _verifier(settings: Settings, key: SigningKey) -> TokenVerifier:
    local = LocalTrust({key.kid: (key.public_key, key.algorithm)}, settings.token_issuer, settings.token_audience)
    external = None
    if settings.auth_jwks_url and settings.auth_issuer and settings.auth_audience:
        external = ExternalTrust(
            RemoteJwks(
                settings.auth_jwks_url, ttl=settings.auth_jwks_ttl, refetch_interval=settings.auth_jwks_refetch_interval
            ),
            issuer=settings.auth_issuer,
            audience=settings.auth_audience,
            client_id=settings.auth_client_id or settings.auth_audience,
        )
    return TokenVerifier(local=local, external=external)


def signing_key(settings: Settings) -> SigningKey:
    """The key from SIGNING_KEY or SIGNING_KEY_FILE; in development, the one kept under var/."""
    try:
        if settings.signing_key is not None:
            return load_signing_key(settings.signing_key.get_secret_value().encode())
        if settings.signing_key_file is not None:
            return load_signing_key(settings.signing_key_file.read_bytes())
    except (OSError, ValueError, TypeError) as exc:
        raise ValueError(f"the signing key cannot be used: {exc}") from None
    return development_key(DEVELOPMENT_KEY)
