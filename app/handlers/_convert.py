"""Database records to the generated API models, shared by the REST and WebSocket handlers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.db.pagination import Page
from app.db.tables import AuthorRecord, BookRecord
from generated.rest.models import Author, Book, PageMeta


def author(source: AuthorRecord | Mapping[str, Any]) -> Author:
    """From a record a session holds, or a row a read fetched."""
    if isinstance(source, Mapping):
        return Author(**source)
    assert source.id is not None, "a stored author has an id"
    return Author(id=source.id, name=source.name)


def book(source: BookRecord | Mapping[str, Any]) -> Book:
    """From a record a session holds, or a row a read fetched."""
    if isinstance(source, Mapping):
        return Book(**source)
    assert source.id is not None, "a stored book has an id"
    return Book(
        id=source.id,
        title=source.title,
        isbn=source.isbn,
        author_id=source.author_id,
        publication_date=source.publication_date,
        description=source.description,
    )


def page_meta(page: Page) -> PageMeta:
    return PageMeta(page=page.page, per_page=page.per_page, total=page.total, pages=page.pages)
