"""Liveness and readiness."""

from __future__ import annotations

from app.context import RequestContext
from app.errors import NotReady
from generated.rest.models import Health, Readiness
from generated.rest.system import SystemHandlers

_NAMES = {"database": "the database", "redis": "Redis"}


class System(SystemHandlers[RequestContext]):
    async def get_health(self, ctx: RequestContext) -> Health:
        return Health(status="ok")

    async def get_readiness(self, ctx: RequestContext) -> Readiness:
        answers = await ctx.dependencies.check()
        failed = [name for name, answered in answers.items() if not answered]
        if failed:
            names = " and ".join(_NAMES.get(name, name) for name in failed)
            raise NotReady(answers, f"{names} {'does' if len(failed) == 1 else 'do'} not answer")
        return Readiness(status="ready", checks=dict.fromkeys(answers, "ok"))
