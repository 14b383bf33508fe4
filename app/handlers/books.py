"""Books over REST."""

from __future__ import annotations

from app.context import RequestContext
from app.db import books
from app.handlers import _convert
from generated.rest.books import BooksHandlers
from generated.rest.models import Book, BookCreate, BookPage, BookUpdate


class Books(BooksHandlers[RequestContext]):
    async def list_books(self, ctx: RequestContext, *, page: int, per_page: int, author_id: int | None) -> BookPage:
        found = await books.list_books(database=ctx.database, page=page, per_page=per_page, author_id=author_id)
        return BookPage(items=[_convert.book(record) for record in found.items], meta=_convert.page_meta(found))

    async def create_book(self, ctx: RequestContext, *, body: BookCreate) -> Book:
        record = await books.create_book(
            session=ctx.session,
            title=body.title,
            isbn=body.isbn,
            author_id=body.author_id,
            publication_date=body.publication_date,
            description=body.model_dump(exclude_unset=True).get("description"),
        )
        return _convert.book(record)

    async def get_book(self, ctx: RequestContext, *, book_id: int) -> Book:
        return _convert.book(await books.get_book(database=ctx.database, book_id=book_id))

    async def update_book(self, ctx: RequestContext, *, book_id: int, body: BookUpdate) -> Book:
        changes = body.model_dump(exclude_unset=True)
        return _convert.book(await books.update_book(session=ctx.session, book_id=book_id, changes=changes))

    async def delete_book(self, ctx: RequestContext, *, book_id: int) -> None:
        await books.delete_book(session=ctx.session, book_id=book_id)
