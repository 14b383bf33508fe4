"""The context provider the generated routers call: one dependency per operation that authenticates the
caller, enforces the operation's entry in the generated REST permission table, and yields the handler context."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from fastapi import Request

from app.auth.access import authorize, bearer_token
from app.context import RequestContext
from app.services import Services
from generated.permissions import REST_PERMISSIONS
from generated.rest._runtime import ContextProvider
from generated.rest.operations import OperationId


def context_provider(services: Services) -> ContextProvider:
    def for_operation(operation: OperationId) -> Callable[[Request], AsyncIterator[RequestContext]]:
        access = REST_PERMISSIONS[operation]

        async def request_context(request: Request) -> AsyncIterator[RequestContext]:
            token = None if access.public else bearer_token(request.headers.get("authorization", ""))
            principal = await services.verifier.verify(token) if token is not None else None
            authorize(principal, access)  # the one place that decides 401 (no caller) and 403 (no roles)
            context = services.context(principal)
            try:
                yield context
            finally:
                await context.close()

        return request_context

    return for_operation
