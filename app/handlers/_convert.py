"""Database records to the generated API models, shared by the REST and WebSocket handlers."""

from __future__ import annotations

from typing import Any

from app.db.pagination import Page
from app.db.tables import AuthorRecord, BookRecord
from generated.rest.models import Author, Book, PageMeta


def author(record: AuthorRecord) -> Author:
    assert record.id is not None, "a stored author has an id"
    return Author(id=record.id, name=record.name)


def book(record: BookRecord) -> Book:
    assert record.id is not None, "a stored book has an id"
    return Book(
        id=record.id,
        title=record.title,
        isbn=record.isbn,
        author_id=record.author_id,
        publication_date=record.publication_date,
        description=record.description,
    )


def page_meta(page: Page[Any]) -> PageMeta:
    return PageMeta(page=page.page, per_page=page.per_page, total=page.total, pages=page.pages)
