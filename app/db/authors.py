"""Authors in the database. Keyword-only functions; they raise NotFound and Conflict, never return None
(a row deleted by a concurrent request is NotFound too)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, exists
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.pagination import Page, paginate
from app.db.tables import AuthorRecord, BookRecord
from app.errors import Conflict, NotFound


async def list_authors(*, session: AsyncSession, page: int, per_page: int, name: str | None) -> Page[AuthorRecord]:
    return await paginate(session, _filtered(name), page=page, per_page=per_page)


async def find_authors(*, session: AsyncSession, name: str | None, limit: int | None) -> list[AuthorRecord]:
    """The first `limit` authors (all, when None) matching the filter, by id."""
    return list((await session.exec(_filtered(name).limit(limit))).all())


def _filtered(name: str | None) -> Any:
    statement = select(AuthorRecord).order_by(col(AuthorRecord.id))
    if name is not None:
        # Case-insensitive "contains"; autoescape makes % and _ in the text match themselves.
        statement = statement.where(col(AuthorRecord.name).icontains(name, autoescape=True))
    return statement


async def get_author(*, session: AsyncSession, author_id: int) -> AuthorRecord:
    author = await session.get(AuthorRecord, author_id)
    if author is None:
        raise NotFound(f"there is no author {author_id}")
    return author


async def create_author(*, session: AsyncSession, name: str) -> AuthorRecord:
    author = AuthorRecord(name=name)
    session.add(author)
    await session.commit()
    return author


async def update_author(*, session: AsyncSession, author_id: int, changes: Mapping[str, Any]) -> AuthorRecord:
    """Set the fields in `changes` (the fields the client sent); the others keep their values."""
    author = await get_author(session=session, author_id=author_id)
    for field, value in changes.items():
        setattr(author, field, value)
    try:
        await session.commit()
    except StaleDataError:
        # Deleted by another request between our read and our write.
        await session.rollback()
        raise NotFound(f"there is no author {author_id}") from None
    return author


async def delete_author(*, session: AsyncSession, author_id: int) -> None:
    if await _has_books(session, author_id):
        raise Conflict(_HAS_BOOKS.format(author_id))
    # One statement, so that of two concurrent deletes exactly one finds the row.
    result = await session.exec(delete(AuthorRecord).where(col(AuthorRecord.id) == author_id))
    try:
        await session.commit()
    except IntegrityError:
        # A book was added between the check and the delete: the foreign key refused it.
        await session.rollback()
        raise Conflict(_HAS_BOOKS.format(author_id)) from None
    if result.rowcount == 0:
        raise NotFound(f"there is no author {author_id}")


_HAS_BOOKS = "author {} still has books; delete them or give them another author first"


async def _has_books(session: AsyncSession, author_id: int) -> bool:
    statement = select(exists().where(col(BookRecord.author_id) == author_id))
    return bool((await session.exec(statement)).one())
