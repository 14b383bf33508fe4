"""The context provider the generated routers call: one dependency per operation that authenticates the
caller, spends the operation's rate-limit budget, enforces its entry in the generated permission table, and
returns the handler context, which the route releases once the handler is done.

The budget is spent before roles are checked, and by the client address when no valid token came: a flood of
requests with bad tokens or without the roles is limited as much as any other.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request

from app.auth.access import authorize, bearer_token
from app.auth.principal import Principal
from app.context import RequestContext
from app.errors import TooManyRequests, Unauthenticated
from app.http.response_headers import add_response_headers
from app.limits.limiter import caller_key
from app.services import Services
from generated.permissions import REST_PERMISSIONS
from generated.rate_limits import REST_RATE_LIMITS, Policy
from generated.rest.operations import OperationId


class HttpContexts:
    """The ContextProvider of the generated routers (generated/rest/_runtime.py)."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def dependency(self, operation: OperationId) -> Callable[[Request], Awaitable[RequestContext]]:
        services = self.services
        access = REST_PERMISSIONS[operation]
        policy = REST_RATE_LIMITS[operation]

        async def request_context(request: Request) -> RequestContext:
            token = None if access.public else bearer_token(request.headers.get("authorization", ""))
            principal, refused = None, None
            if token is not None:
                try:
                    principal = await services.authenticate(token)
                except Unauthenticated as exc:
                    refused = exc
            if policy is not None and services.limiter.enabled:
                await _spend(services, request, policy, principal)
            if refused is not None:
                raise refused
            authorize(principal, access)  # the one place that decides 401 (no caller) and 403 (no roles)
            return services.context(principal)

        return request_context

    async def release(self, ctx: RequestContext) -> None:
        await ctx.close()


async def _spend(services: Services, request: Request, policy: Policy, principal: Principal | None) -> None:
    """Spend one request of the caller's budget; TooManyRequests when there is none left."""
    address = request.client.host if request.client else None
    caller = caller_key(principal.subject if principal else None, address)
    decision = await services.limiter.check(policy, caller, "http")
    if decision is None:
        return
    add_response_headers(request.scope, decision.headers())
    if not decision.allowed:
        raise TooManyRequests(
            f"over the {policy.name!r} rate limit of {decision.limit} requests per {policy.window:g} s",
            retry_after=decision.retry_after_seconds,
        )
