"""Whether the service can serve: each dependency asked at once, with a deadline a prober can wait for."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis

from app.db.database import Database

log = logging.getLogger(__name__)

TIMEOUT = 2.0  # seconds; a readiness probe must answer before the prober gives up


class Dependencies:
    def __init__(self, database: Database, redis: Redis | None) -> None:
        self._checks: dict[str, Callable[[], Awaitable[object]]] = {"database": database.ping}
        if redis is not None:
            self._checks["redis"] = redis.ping

    async def check(self) -> dict[str, bool]:
        """Whether each dependency answers, by name."""
        names = list(self._checks)
        answers = await asyncio.gather(*(self._answers(name) for name in names))
        return dict(zip(names, answers, strict=True))

    async def _answers(self, name: str) -> bool:
        try:
            async with asyncio.timeout(TIMEOUT):
                await self._checks[name]()
        except Exception as exc:
            log.warning("readiness: %s does not answer: %s", name, exc or type(exc).__name__)
            return False
        return True
