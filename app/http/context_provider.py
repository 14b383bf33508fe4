"""The context provider the generated routers call: one dependency per operation that authenticates the
caller, spends the operation's rate-limit budget, enforces its entry in the generated permission table, and
returns the handler context, which the route releases once the handler is done.

The budget is spent before roles are checked, and by the client address when no valid token came: a flood of
requests with bad tokens or without the roles is limited as much as any other.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request

from app.auth.access import authorize_presented
from app.auth.credentials import Credentials, challenges, schemes_of
from app.auth.principal import Principal
from app.context import RequestContext
from app.errors import TooManyRequests, Unauthenticated
from app.http.response_headers import add_response_headers
from app.limits.limiter import caller_key
from app.services import Services
from generated.permissions import REST_PERMISSIONS
from generated.rate_limits import REST_RATE_LIMITS, Policy
from generated.rest.operations import OperationId
from generated.security import CredentialVerifiers, Scheme


class HttpContexts:
    """The ContextProvider of the generated routers (generated/rest/_runtime.py)."""

    def __init__(self, services: Services, verifiers: CredentialVerifiers[RequestContext]) -> None:
        self.services = services
        self.credentials = Credentials(services, verifiers)

    def dependency(self, operation: OperationId) -> Callable[[Request], Awaitable[RequestContext]]:
        services, credentials = self.services, self.credentials
        access = REST_PERMISSIONS[operation]
        policy = REST_RATE_LIMITS[operation]
        schemes = schemes_of(access)
        missing = _missing(schemes)

        async def request_context(request: Request) -> RequestContext:
            presented: dict[str, Principal] = {}
            refused = None
            if schemes:
                try:
                    presented = await credentials.verify(request, schemes)
                except Unauthenticated as exc:
                    refused = exc
            if policy is not None and services.limiter.enabled:
                await _spend(services, request, policy, next(iter(presented.values()), None))
            if refused is not None:
                raise refused
            # The one place that decides 401 (no valid credentials) and 403 (no roles).
            principal = authorize_presented(presented, access, missing)
            return services.context(principal)

        return request_context

    async def release(self, ctx: RequestContext) -> None:
        await ctx.close()


def _missing(schemes: tuple[Scheme, ...]) -> Unauthenticated:
    """The 401 of a request that presents none of the credentials `schemes` take."""
    if all(scheme.verifier is None for scheme in schemes):
        return Unauthenticated("this operation needs a bearer token")
    wanted = " or ".join(dict.fromkeys(_CREDENTIALS[scheme.kind] for scheme in schemes))
    return Unauthenticated(f"this operation needs {wanted}", challenges=challenges(schemes))


_CREDENTIALS = {"basic": "a username and password", "apiKey": "an API key"} | dict.fromkeys(
    ("bearer", "oauth2", "openIdConnect"), "a bearer token"
)


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
