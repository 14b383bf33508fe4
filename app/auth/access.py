"""The one place that enforces the generated permission tables, for HTTP and WebSocket alike."""

from __future__ import annotations

from app.auth.principal import Principal
from app.errors import PermissionDenied, Unauthenticated
from generated.permissions import Access


def authorize(principal: Principal | None, access: Access) -> None:
    """Raise Unauthenticated (no caller) or PermissionDenied (missing roles) unless `access` allows the call."""
    if access.public or access.optional:
        return  # optional authentication: anyone may call (a token presented was verified before this)
    if principal is None:
        raise Unauthenticated("this operation needs a bearer token")
    if not permits(principal, access):
        raise PermissionDenied(f"this needs the roles {describe(access)}")


def permits(principal: Principal, access: Access) -> bool:
    """Whether `principal` may call (or, for an event, receive) what `access` guards."""
    return access.allows(principal.roles)


def bearer_token(authorization: str) -> str | None:
    """The token of an `Authorization: Bearer <token>` header value, or None when it holds none."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def describe(access: Access) -> str:
    """The roles `access` asks for, as a sentence: `a, b or c`."""
    return " or ".join(", ".join(sorted(roles)) for roles in access.alternatives)
