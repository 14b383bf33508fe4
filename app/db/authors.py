"""Authors in the database. Keyword-only functions; they raise NotFound and Conflict, never return None
(a row deleted by a concurrent request is NotFound too)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import bindparam, delete, exists
from sqlalchemy import select as select_rows
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.database import Database
from app.db.pagination import Page, PagedQuery, paginate
from app.db.tables import AuthorRecord, BookRecord
from app.errors import Conflict, NotFound


async def list_authors(*, database: Database, page: int, per_page: int, name: str | None) -> Page:
    if name is None:
        return await paginate(database, _PAGE, page=page, per_page=per_page)
    return await paginate(database, _PAGE_NAMED, page=page, per_page=per_page, name=_like(name))


async def find_authors(*, database: Database, name: str | None, limit: int) -> list[dict[str, Any]]:
    """The first `limit` authors matching the filter, by id."""
    if name is None:
        return await database.fetch(_FIRST, limit=limit)
    return await database.fetch(_FIRST_NAMED, limit=limit, name=_like(name))


async def get_author(*, database: Database, author_id: int) -> dict[str, Any]:
    rows = await database.fetch(_BY_ID, author_id=author_id)
    if not rows:
        raise NotFound(f"there is no author {author_id}")
    return rows[0]


# Read statements, compiled once (see Database.fetch). A name filter is a case-insensitive "contains" whose
# % and _ match themselves (see _like).
_COLUMNS = select_rows(col(AuthorRecord.id), col(AuthorRecord.name))
_BY_ID = _COLUMNS.where(col(AuthorRecord.id) == bindparam("author_id"))
_ORDERED = _COLUMNS.order_by(col(AuthorRecord.id))
_NAMED = _ORDERED.where(col(AuthorRecord.name).icontains(bindparam("name"), escape="/"))
_FIRST = _ORDERED.limit(bindparam("limit"))
_FIRST_NAMED = _NAMED.limit(bindparam("limit"))
_PAGE = PagedQuery.of(_ORDERED)
_PAGE_NAMED = PagedQuery.of(_NAMED)


def _like(text: str) -> str:
    """`text` for a LIKE pattern escaped with `/`: its own %, _ and / match only themselves."""
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


async def _load(session: AsyncSession, author_id: int) -> AuthorRecord:
    """The author's record in `session`, to change it."""
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
    author = await _load(session, author_id)
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
