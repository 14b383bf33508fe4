"""The one place that enforces the generated permission tables, for HTTP and WebSocket alike."""

from __future__ import annotations

from app.auth.principal import Principal
from app.errors import PermissionDenied, Unauthenticated
from generated.permissions import Access


def authorize(principal: Principal | None, access: Access) -> None:
    """Raise Unauthenticated (no caller) or PermissionDenied (missing roles) unless `access` allows the call."""
    if access.public:
        return
    if principal is None:
        raise Unauthenticated("this operation needs a bearer token")
    if not access.allows(principal.roles):
        raise PermissionDenied(f"this operation needs the roles {_describe(access)}")


def _describe(access: Access) -> str:
    return " or ".join(", ".join(sorted(roles)) for roles in access.alternatives)
