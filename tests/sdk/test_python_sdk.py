"""The REST client openapi-python-client generates from spec/openapi.yaml, unmodified, against a served instance:
logging in with our own login, then authors and books from creation to deletion."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from tests.sdk.conftest import PASSWORD, PythonClients, Service

pytestmark = pytest.mark.slow


async def login(sdk: PythonClients, url: str, username: str) -> str:
    """An access token from POST /api/v1/auth/token, through the generated client."""
    rest = sdk.module("rest")
    credentials = sdk.module("rest.models").Credentials(username=username, password=PASSWORD)
    async with rest.Client(base_url=url) as http:
        pair = await sdk.module("rest.api.auth.create_token").asyncio(client=http, body=credentials)
    assert type(pair).__name__ == "TokenPair", pair
    token: str = pair.access_token
    return token


def _call(sdk: PythonClients, tag: str, operation: str) -> Any:
    return sdk.module(f"rest.api.{tag}.{operation}").asyncio_detailed


async def _session(sdk: PythonClients, service: Service, username: str) -> Any:
    """The generated AuthenticatedClient, with a token of `username` from our own login."""
    return sdk.module("rest").AuthenticatedClient(base_url=service.url, token=await login(sdk, service.url, username))


async def test_the_python_sdk_creates_reads_lists_changes_and_deletes_an_author(
    python_clients: PythonClients, service: Service
) -> None:
    sdk, models = python_clients, python_clients.module("rest.models")
    async with await _session(sdk, service, "writer") as http:
        created = await _call(sdk, "authors", "create_author")(client=http, body=models.AuthorCreate(name="Le Guin"))
        author_id = created.parsed.id
        got = await _call(sdk, "authors", "get_author")(author_id, client=http)
        listed = await _call(sdk, "authors", "list_authors")(client=http, name="le guin")
        changed = await _call(sdk, "authors", "update_author")(
            author_id, client=http, body=models.AuthorUpdate(name="U. K. Le Guin")
        )
        deleted = await _call(sdk, "authors", "delete_author")(author_id, client=http)
        gone = await _call(sdk, "authors", "get_author")(author_id, client=http)

    assert (created.status_code, created.headers["Location"]) == (201, f"/api/v1/authors/{author_id}")
    assert (got.status_code, got.parsed.name) == (200, "Le Guin")
    assert [item.id for item in listed.parsed.items] == [author_id]
    assert listed.parsed.meta.total == 1
    assert (changed.status_code, changed.parsed.name) == (200, "U. K. Le Guin")
    assert deleted.status_code == 204
    assert (gone.status_code, type(gone.parsed).__name__, gone.parsed.status) == (404, "Problem", 404)


async def test_the_python_sdk_creates_reads_lists_changes_and_deletes_a_book(
    python_clients: PythonClients, service: Service
) -> None:
    sdk, models = python_clients, python_clients.module("rest.models")
    async with await _session(sdk, service, "writer") as http:
        author = (
            await _call(sdk, "authors", "create_author")(client=http, body=models.AuthorCreate(name="Butler"))
        ).parsed
        body = models.BookCreate(
            title="Kindred", isbn="9780807083697", author_id=author.id, publication_date=datetime.date(1979, 6, 1)
        )
        created = await _call(sdk, "books", "create_book")(client=http, body=body)
        book_id = created.parsed.id
        got = await _call(sdk, "books", "get_book")(book_id, client=http)
        listed = await _call(sdk, "books", "list_books")(client=http, author_id=author.id)
        changed = await _call(sdk, "books", "update_book")(
            book_id, client=http, body=models.BookUpdate(description="A time-travel novel.")
        )
        deleted = await _call(sdk, "books", "delete_book")(book_id, client=http)
        gone = await _call(sdk, "books", "get_book")(book_id, client=http)

    assert (created.status_code, created.headers["Location"]) == (201, f"/api/v1/books/{book_id}")
    assert (got.parsed.title, got.parsed.publication_date) == ("Kindred", datetime.date(1979, 6, 1))
    assert [item.id for item in listed.parsed.items] == [book_id]
    assert (changed.parsed.title, changed.parsed.description) == ("Kindred", "A time-travel novel.")
    assert deleted.status_code == 204
    assert (gone.status_code, gone.parsed.status) == (404, 404)


async def test_the_python_sdk_gets_the_problem_the_spec_declares_without_the_roles(
    python_clients: PythonClients, service: Service
) -> None:
    sdk, models = python_clients, python_clients.module("rest.models")
    async with await _session(sdk, service, "nobody") as http:
        refused = await _call(sdk, "authors", "create_author")(client=http, body=models.AuthorCreate(name="X"))

    assert (refused.status_code, type(refused.parsed).__name__, refused.parsed.status) == (403, "Problem", 403)
