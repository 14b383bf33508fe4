"""Our own login: users with Argon2 passwords, and the access/refresh token pairs issued to them.

Refresh tokens rotate: each use revokes the token presented and issues a new pair in the same family. A
revoked token presented again means it was stolen or replayed, so the whole family is revoked and everyone
holding one of its tokens must log in again.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth.passwords import Passwords
from app.auth.tokens import InvalidRefreshToken, IssuedToken, TokenIssuer
from app.db import users
from app.db.tables import UserRecord
from app.errors import Unauthenticated
from generated.permissions import Role

log = logging.getLogger(__name__)

WRONG_CREDENTIALS = "wrong username or password"  # one answer for an unknown user and a wrong password


@dataclass(frozen=True)
class TokenPair:
    access: IssuedToken
    refresh: IssuedToken


class Accounts:
    def __init__(
        self, issuer: TokenIssuer, passwords: Passwords, *, record: Callable[[str, bool], None] = lambda *_: None
    ) -> None:
        self.issuer = issuer
        self.passwords = passwords
        self._record = record  # (method, succeeded) of every login and refresh, for the metrics

    async def create_user(self, session: AsyncSession, *, username: str, password: str, roles: list[str]) -> UserRecord:
        return await register(session, self.passwords, username=username, password=password, roles=roles)

    async def login(self, session: AsyncSession, *, username: str, password: str) -> TokenPair:
        user = await users.find_user(session=session, username=username)
        if not await self.passwords.verify(user.password_hash if user else None, password) or user is None:
            self._record("password", False)
            raise Unauthenticated(WRONG_CREDENTIALS)
        self._record("password", True)
        if self.passwords.needs_rehash(user.password_hash):
            await users.set_password_hash(session=session, user=user, password_hash=await self.passwords.hash(password))
        assert user.id is not None
        await users.purge_expired_refresh_tokens(session=session, user_id=user.id)
        family = uuid.uuid4().hex
        await users.start_family(session=session, family=family, user_id=user.id)
        pair = self._issue(session, user, family=family)
        await session.commit()
        return pair

    async def refresh(self, session: AsyncSession, *, refresh_token: str) -> TokenPair:
        """Rotate, in one transaction: claim the family, revoke the token presented, record its successor."""
        try:
            pair = await self._rotate(session, refresh_token)
        except Unauthenticated:
            self._record("refresh", False)
            raise
        self._record("refresh", True)
        return pair

    async def _rotate(self, session: AsyncSession, refresh_token: str) -> TokenPair:
        try:
            claims = self.issuer.read_refresh_token(refresh_token)
        except InvalidRefreshToken:
            raise Unauthenticated("the refresh token is not valid", token_rejected=True) from None
        if not await users.claim_family(session=session, family=claims.family):
            await session.rollback()
            raise Unauthenticated("the refresh token was revoked (logged out, or reused)", token_rejected=True)
        if not await users.revoke_refresh_token(session=session, jti=claims.jti, family=claims.family):
            await users.revoke_family(session=session, family=claims.family)
            await session.commit()
            log.warning("refresh token %s of subject %s was reused: its family is revoked", claims.jti, claims.subject)
            raise Unauthenticated("the refresh token was already used or revoked", token_rejected=True)
        user = await users.get_user(session=session, user_id=int(claims.subject))
        assert user is not None, "a live family belongs to an existing user (deleting the user deletes its families)"
        pair = self._issue(session, user, family=claims.family)
        await session.commit()
        return pair

    async def logout(self, session: AsyncSession, *, refresh_token: str) -> None:
        """Revoke the refresh token's family. An invalid token is ignored (RFC 7009): the result is the same."""
        try:
            claims = self.issuer.read_refresh_token(refresh_token)
        except InvalidRefreshToken:
            return
        await users.revoke_family(session=session, family=claims.family)
        await session.commit()

    def _issue(self, session: AsyncSession, user: UserRecord, *, family: str) -> TokenPair:
        assert user.id is not None
        access = self.issuer.access_token(subject=str(user.id), username=user.username, roles=user.roles)
        refresh = self.issuer.refresh_token(subject=str(user.id), family=family)
        expires_at = datetime.datetime.fromtimestamp(refresh.expires_at, datetime.UTC)
        users.add_refresh_token(session=session, jti=refresh.jti, family=family, user_id=user.id, expires_at=expires_at)
        return TokenPair(access, refresh)


async def register(
    session: AsyncSession, passwords: Passwords, *, username: str, password: str, roles: list[str]
) -> UserRecord:
    """A new user with a hashed password and roles from the catalogue; ValueError or Conflict otherwise."""
    unknown = set(roles) - {str(role) for role in Role}
    if unknown:
        raise ValueError(f"unknown roles: {', '.join(sorted(unknown))} (known: {', '.join(Role)})")
    if not username.strip() or len(username) > 150 or any(ord(c) < 0x20 or ord(c) == 0x7F for c in username):
        raise ValueError("a username has 1 to 150 characters, none of them control characters")
    password_hash = await passwords.hash(password)
    return await users.create_user(session=session, username=username, password_hash=password_hash, roles=roles)
