"""Users, their login families and refresh tokens in the database. Times are aware, in UTC.

The token functions take part in the caller's transaction and do not commit: a rotation is one unit of work
(claim the family, revoke the token presented, record its successor), committed by the caller.
"""

from __future__ import annotations

import datetime

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.tables import RefreshTokenRecord, TokenFamilyRecord, UserRecord
from app.errors import Conflict


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


async def create_user(*, session: AsyncSession, username: str, password_hash: str, roles: list[str]) -> UserRecord:
    user = UserRecord(username=username, password_hash=password_hash, roles=sorted(set(roles)), created_at=utcnow())
    session.add(user)
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        raise Conflict(f"there is already a user {username!r}") from None
    return user


async def find_user(*, session: AsyncSession, username: str) -> UserRecord | None:
    return (await session.exec(select(UserRecord).where(col(UserRecord.username) == username))).first()


async def get_user(*, session: AsyncSession, user_id: int) -> UserRecord | None:
    return await session.get(UserRecord, user_id)


async def set_password_hash(*, session: AsyncSession, user: UserRecord, password_hash: str) -> None:
    user.password_hash = password_hash
    await session.commit()


async def start_family(*, session: AsyncSession, family: str, user_id: int) -> None:
    now = utcnow()
    session.add(TokenFamilyRecord(id=family, user_id=user_id, created_at=now, last_used_at=now))
    await session.flush()  # before its first token: the foreign key wants the family written first


async def claim_family(*, session: AsyncSession, family: str) -> bool:
    """Whether the family is live; claiming it holds its row (PostgreSQL) or the database (SQLite) until the
    transaction ends, so a revocation of the family waits for this rotation and then revokes its result too."""
    statement = (
        update(TokenFamilyRecord)
        .where(col(TokenFamilyRecord.id) == family, col(TokenFamilyRecord.revoked_at).is_(None))
        .values(last_used_at=utcnow())
    )
    return bool((await session.exec(statement)).rowcount == 1)


def add_refresh_token(
    *, session: AsyncSession, jti: str, family: str, user_id: int, expires_at: datetime.datetime
) -> None:
    session.add(RefreshTokenRecord(jti=jti, family=family, user_id=user_id, expires_at=expires_at))


async def revoke_refresh_token(*, session: AsyncSession, jti: str, family: str) -> bool:
    """Revoke one live token of `family`: True for the one caller that revoked it, False when it was unknown,
    expired or revoked already (so of two refreshes with one token, only one can succeed)."""
    statement = (
        update(RefreshTokenRecord)
        .where(col(RefreshTokenRecord.jti) == jti, col(RefreshTokenRecord.family) == family)
        .where(col(RefreshTokenRecord.revoked_at).is_(None), col(RefreshTokenRecord.expires_at) > utcnow())
        .values(revoked_at=utcnow())
    )
    return bool((await session.exec(statement)).rowcount == 1)


async def revoke_family(*, session: AsyncSession, family: str) -> None:
    """Revoke the family and every token in it: nothing can be issued into it afterwards."""
    now = utcnow()
    await session.exec(
        update(TokenFamilyRecord)
        .where(col(TokenFamilyRecord.id) == family, col(TokenFamilyRecord.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    await session.exec(
        update(RefreshTokenRecord)
        .where(col(RefreshTokenRecord.family) == family, col(RefreshTokenRecord.revoked_at).is_(None))
        .values(revoked_at=now)
    )


async def purge_expired_refresh_tokens(*, session: AsyncSession, user_id: int) -> None:
    """Forget a user's refresh tokens that expired (their families can no longer be replayed anyway)."""
    statement = delete(RefreshTokenRecord).where(
        col(RefreshTokenRecord.user_id) == user_id, col(RefreshTokenRecord.expires_at) < utcnow()
    )
    await session.exec(statement)
