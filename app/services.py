"""The long-lived resources of one running service, built once from the settings at start-up."""

from __future__ import annotations

from dataclasses import dataclass

from app.auth.dev import DevTokenAuthenticator
from app.auth.principal import Principal
from app.db.database import Database
from app.errors import Unauthenticated
from app.events import EventBus
from app.settings import Settings


@dataclass
class Services:
    settings: Settings
    database: Database
    events: EventBus
    authenticator: DevTokenAuthenticator | None

    @classmethod
    def from_settings(cls, settings: Settings) -> Services:
        token = settings.dev_auth_token
        authenticator = DevTokenAuthenticator(token.get_secret_value(), settings.dev_auth_roles) if token else None
        return cls(settings, Database(settings.database_url), EventBus(), authenticator)

    def authenticate(self, token: str | None) -> Principal:
        """The caller a bearer token stands for; Unauthenticated when there is none or it is not valid."""
        if token is None:
            raise Unauthenticated("this operation needs a bearer token")
        principal = self.authenticator.authenticate(token) if self.authenticator else None
        if principal is None:
            raise Unauthenticated("the bearer token is not valid", token_rejected=True)
        return principal

    async def close(self) -> None:
        await self.database.dispose()
