"""A development-only bypass: one static bearer token, off unless DEV_AUTH_TOKEN is set.

It stands in until real token verification exists, so that the secured API can be exercised locally and by
the contract tests. Requests without that exact token are unauthenticated, as they would be in production.
"""

from __future__ import annotations

import hmac
import logging

from app.auth.principal import Principal
from generated.permissions import Role

log = logging.getLogger(__name__)


class DevTokenAuthenticator:
    def __init__(self, token: str, roles: str) -> None:
        self._token = token.encode()
        names = {role.strip() for role in roles.split(",") if role.strip()}
        unknown = names - {"*", *Role}
        if unknown:
            raise ValueError(f"DEV_AUTH_ROLES names unknown roles: {', '.join(sorted(unknown))}")
        granted = frozenset(Role) if "*" in names else frozenset(names)
        self._principal = Principal(subject="dev", username="dev", roles=frozenset(str(role) for role in granted))
        log.warning(
            "development authentication is ON: DEV_AUTH_TOKEN grants %s", ", ".join(sorted(granted)) or "no roles"
        )

    def authenticate(self, token: str) -> Principal | None:
        return self._principal if hmac.compare_digest(token.encode(), self._token) else None
