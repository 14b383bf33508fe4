"""The one place that enforces the generated permission tables, for HTTP and WebSocket alike."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

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


def authorize_presented(
    presented: Mapping[str, Principal], access: Access, missing: Unauthenticated
) -> Principal | None:
    """The caller `access` lets through, given the principal of each scheme whose credential was presented and
    verified: a requirement is met when every scheme it names was, by callers holding its roles between them.
    `missing` (401) when no requirement got all its credentials, PermissionDenied (403) when one did without
    the roles."""
    if access.public:
        return None
    lacking_roles: Principal | None = None
    for roles, schemes in zip(access.alternatives, access.schemes, strict=True):
        if all(name in presented for name in schemes):
            caller = _together([presented[name] for name in schemes])
            if caller is None or roles <= caller.roles:
                return caller
            lacking_roles = lacking_roles or caller
    if access.optional:
        return next(iter(presented.values()), None)
    if lacking_roles is not None:
        raise PermissionDenied(f"this needs the roles {describe(access)}")
    raise missing


def _together(principals: list[Principal]) -> Principal | None:
    """One caller from the principals of a requirement's schemes: the first, with the roles of them all."""
    if not principals:
        return None
    first = principals[0]
    roles = frozenset().union(*(principal.roles for principal in principals))
    return first if roles == first.roles else replace(first, roles=roles)


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
