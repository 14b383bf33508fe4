"""What every handler receives: who is calling, and the service's resources for this request."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth.accounts import Accounts
from app.auth.principal import Principal
from app.db.database import Database
from app.events import EventBus
from app.readiness import Dependencies


@dataclass(slots=True)
class RequestContext:
    principal: Principal | None
    database: Database
    events: EventBus
    accounts: Accounts
    dependencies: Dependencies
    _session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        """A database session, opened on first use (a handler that needs none costs no connection)."""
        if self._session is None:
            self._session = self.database.session()
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
