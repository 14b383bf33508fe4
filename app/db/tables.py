"""The database schema, as SQLModel tables. Alembic migrations are generated from these (`make migration`)."""

from __future__ import annotations

import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

# Stable constraint names, so that migrations name them the same on SQLite and PostgreSQL.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class AuthorRecord(SQLModel, table=True):
    __tablename__ = "authors"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, index=True)


class BookRecord(SQLModel, table=True):
    __tablename__ = "books"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    isbn: str = Field(max_length=13, unique=True)
    # RESTRICT: an author with books cannot be deleted (the API answers 409 before it comes to this).
    author_id: int = Field(foreign_key="authors.id", index=True, ondelete="RESTRICT")
    publication_date: datetime.date
    description: str | None = Field(default=None, max_length=2000)


class UserRecord(SQLModel, table=True):
    """Someone who logs in with a password (users of an external identity provider are not stored)."""

    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=150, unique=True)
    password_hash: str = Field(max_length=255)
    roles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime.datetime


class TokenFamilyRecord(SQLModel, table=True):
    """The refresh tokens descended from one login. Rotating one claims (updates) this row first, so a
    rotation and a revocation of the same family never interleave; a revoked family gets no new token."""

    __tablename__ = "token_families"

    id: str = Field(primary_key=True, max_length=32)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    created_at: datetime.datetime
    last_used_at: datetime.datetime
    revoked_at: datetime.datetime | None = None


class RefreshTokenRecord(SQLModel, table=True):
    """One refresh token issued, by its jti. Rotation revokes it; a revoked one presented again revokes its
    whole family (every token descended from the same login), since then it has been stolen or replayed."""

    __tablename__ = "refresh_tokens"

    jti: str = Field(primary_key=True, max_length=32)
    family: str = Field(max_length=32, index=True, foreign_key="token_families.id", ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    expires_at: datetime.datetime
    revoked_at: datetime.datetime | None = None
