"""The long-lived resources of one running service, built once from the settings at start-up."""

from __future__ import annotations

from dataclasses import dataclass

from app.auth.accounts import Accounts
from app.auth.jwks import RemoteJwks
from app.auth.keys import SigningKey, development_key, load_signing_key
from app.auth.passwords import Passwords
from app.auth.principal import Principal
from app.auth.tokens import TokenIssuer
from app.auth.verifier import ExternalTrust, LocalTrust, TokenVerifier
from app.context import RequestContext
from app.db.database import Database
from app.events import EventBus
from app.settings import DEVELOPMENT_KEY, Settings
from app.ws.hub import Hub
from app.ws.metrics import WsCounts


@dataclass
class Services:
    settings: Settings
    database: Database
    events: EventBus
    accounts: Accounts
    verifier: TokenVerifier
    hub: Hub
    ws_metrics: WsCounts

    @classmethod
    def from_settings(cls, settings: Settings) -> Services:
        key = signing_key(settings)
        issuer = TokenIssuer(
            key,
            issuer=settings.token_issuer,
            audience=settings.token_audience,
            access_ttl=settings.access_token_ttl,
            refresh_ttl=settings.refresh_token_ttl,
        )
        local = LocalTrust({key.kid: (key.public_key, key.algorithm)}, settings.token_issuer, settings.token_audience)
        external = None
        if settings.auth_jwks_url and settings.auth_issuer and settings.auth_audience:
            external = ExternalTrust(
                RemoteJwks(
                    settings.auth_jwks_url,
                    ttl=settings.auth_jwks_ttl,
                    refetch_interval=settings.auth_jwks_refetch_interval,
                ),
                issuer=settings.auth_issuer,
                audience=settings.auth_audience,
                client_id=settings.auth_client_id or settings.auth_audience,
            )
        verifier = TokenVerifier(local=local, external=external)
        events, hub = EventBus(), Hub()
        events.subscribe(hub.broadcast)
        return cls(
            settings, Database(settings.database_url), events, Accounts(issuer, Passwords()), verifier, hub, WsCounts()
        )

    def context(self, principal: Principal | None) -> RequestContext:
        """What a handler gets for one request (REST) or one message (WebSocket)."""
        return RequestContext(principal, self.database, self.events, self.accounts)

    async def close(self) -> None:
        await self.hub.shutdown(grace=0)  # whatever the server left open
        if self.verifier.external is not None:
            await self.verifier.external.jwks.close()
        await self.database.dispose()


def signing_key(settings: Settings) -> SigningKey:
    """The key from SIGNING_KEY or SIGNING_KEY_FILE; in development, the one kept under var/."""
    try:
        if settings.signing_key is not None:
            return load_signing_key(settings.signing_key.get_secret_value().encode())
        if settings.signing_key_file is not None:
            return load_signing_key(settings.signing_key_file.read_bytes())
    except (OSError, ValueError, TypeError) as exc:
        raise ValueError(f"the signing key cannot be used: {exc}") from None
    return development_key(DEVELOPMENT_KEY)
