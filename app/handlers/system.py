"""Liveness and readiness."""

from __future__ import annotations

import asyncio
import logging

from app.context import RequestContext
from app.errors import Unavailable
from generated.rest.models import Health, Readiness
from generated.rest.system import SystemHandlers

log = logging.getLogger(__name__)

READINESS_TIMEOUT = 2.0  # seconds; a readiness probe must answer before the prober gives up


class System(SystemHandlers[RequestContext]):
    async def get_health(self, ctx: RequestContext) -> Health:
        return Health(status="ok")

    async def get_readiness(self, ctx: RequestContext) -> Readiness:
        try:
            async with asyncio.timeout(READINESS_TIMEOUT):
                await ctx.database.ping()
        except Exception as exc:
            log.warning("readiness: the database does not answer: %s", exc)
            raise Unavailable("the database does not answer") from None
        return Readiness(status="ready", checks={"database": "ok"})
