"""Who the caller is, as their access token says."""

from __future__ import annotations

from app.context import RequestContext
from generated.rest.models import Me
from generated.rest.users import UsersHandlers


class Users(UsersHandlers[RequestContext]):
    async def get_me(self, ctx: RequestContext) -> Me:
        assert ctx.principal is not None, "a secured operation always has a principal"
        return Me(subject=ctx.principal.subject, username=ctx.principal.username, roles=sorted(ctx.principal.roles))
