"""Books in the database. Keyword-only functions; they raise NotFound and Conflict, never return None
(a row deleted by a concurrent request is NotFound too)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from sqlalchemy import bindparam, delete
from sqlalchemy import select as select_rows
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.database import Database
from app.db.pagination import Page, PagedQuery, paginate
from app.db.tables import AuthorRecord, BookRecord
from app.errors import Conflict, NotFound


async def list_books(*, database: Database, page: int, per_page: int, author_id: int | None) -> Page:
    if author_id is None:
        return await paginate(database, _PAGE, page=page, per_page=per_page)
    return await paginate(database, _PAGE_OF_AUTHOR, page=page, per_page=per_page, author_id=author_id)


async def get_book(*, database: Database, book_id: int) -> dict[str, Any]:
    rows = await database.fetch(_BY_ID, book_id=book_id)
    if not rows:
        raise NotFound(f"there is no book {book_id}")
    return rows[0]


# Read statements, compiled once (see Database.fetch).
_COLUMNS = select_rows(*BookRecord.__table__.columns)  # type: ignore[attr-defined]
_BY_ID = _COLUMNS.where(col(BookRecord.id) == bindparam("book_id"))
_ORDERED = _COLUMNS.order_by(col(BookRecord.id))
_PAGE = PagedQuery.of(_ORDERED)
_PAGE_OF_AUTHOR = PagedQuery.of(_ORDERED.where(col(BookRecord.author_id) == bindparam("author_id")))


async def _load(session: AsyncSession, book_id: int) -> BookRecord:
    """The book's record in `session`, to change it."""
    book = await session.get(BookRecord, book_id)
    if book is None:
        raise NotFound(f"there is no book {book_id}")
    return book


async def create_book(
    *,
    session: AsyncSession,
    title: str,
    isbn: str,
    author_id: int,
    publication_date: datetime.date,
    description: str | None,
) -> BookRecord:
    await _require_author(session, author_id)
    book = BookRecord(
        title=title, isbn=isbn, author_id=author_id, publication_date=publication_date, description=description
    )
    session.add(book)
    await _commit(session, isbn=isbn, author_id=author_id, book_id=None)
    return book


async def update_book(*, session: AsyncSession, book_id: int, changes: Mapping[str, Any]) -> BookRecord:
    """Set the fields in `changes` (the fields the client sent); the others keep their values."""
    book = await _load(session, book_id)
    if "author_id" in changes:
        await _require_author(session, changes["author_id"])
    for field, value in changes.items():
        setattr(book, field, value)
    await _commit(session, isbn=book.isbn, author_id=book.author_id, book_id=book_id)
    return book


async def delete_book(*, session: AsyncSession, book_id: int) -> None:
    # One statement, so that of two concurrent deletes exactly one finds the row.
    result = await session.exec(delete(BookRecord).where(col(BookRecord.id) == book_id))
    await session.commit()
    if result.rowcount == 0:
        raise NotFound(f"there is no book {book_id}")


async def _require_author(session: AsyncSession, author_id: int) -> None:
    if await session.get(AuthorRecord, author_id) is None:
        raise NotFound(f"author_id {author_id} names no author")


async def _commit(session: AsyncSession, *, isbn: str, author_id: int, book_id: int | None) -> None:
    """Commit, turning a constraint the database enforced into the answer the client needs."""
    try:
        await session.commit()
    except StaleDataError:
        # Deleted by another request between our read and our write.
        await session.rollback()
        raise NotFound(f"there is no book {book_id}") from None
    except IntegrityError:
        # Which constraint failed is not portable across drivers, so ask the database what is true now.
        await session.rollback()
        taken = (await session.exec(select(BookRecord.id).where(col(BookRecord.isbn) == isbn))).first()
        if taken is not None and taken != book_id:
            raise Conflict(f"ISBN {isbn} belongs to book {taken}") from None
        if await session.get(AuthorRecord, author_id) is None:
            raise NotFound(f"author_id {author_id} names no author") from None
        # The conflicting row changed again meanwhile: the client may simply retry.
        raise Conflict("the book conflicts with a change made at the same time; try again") from None
