"""Books over REST, on SQLite and on PostgreSQL: unique ISBNs, existing authors, partial updates."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.support.api import create_author, create_book


async def test_created_book_is_named_by_location_and_readable_there(client: httpx.AsyncClient) -> None:
    author = await create_author(client)
    payload = {
        "title": "The Left Hand of Darkness",
        "isbn": "9780441478125",
        "author_id": author["id"],
        "publication_date": "1969-03-01",
        "description": "Winter, the planet.\nAnd its people.",
    }

    response = await client.post("/api/v1/books", json=payload)

    assert response.status_code == 201
    created = response.json()
    assert created == {"id": created["id"], **payload}
    assert response.headers["location"] == f"/api/v1/books/{created['id']}"
    assert (await client.get(response.headers["location"])).json() == created


async def test_description_is_optional_and_null_when_absent(client: httpx.AsyncClient) -> None:
    author = await create_author(client)

    book = await create_book(client, author["id"])

    assert book["description"] is None


async def test_an_isbn_belongs_to_one_book(client: httpx.AsyncClient) -> None:
    author = await create_author(client)
    first = await create_book(client, author["id"], isbn="9780060512750")
    second = await create_book(client, author["id"], isbn="9780441478125", title="Another")

    duplicate = await client.post(
        "/api/v1/books",
        json={"title": "Copy", "isbn": "9780060512750", "author_id": author["id"], "publication_date": "2000-01-01"},
    )
    taken = await client.patch(f"/api/v1/books/{second['id']}", json={"isbn": "9780060512750"})
    own = await client.patch(f"/api/v1/books/{first['id']}", json={"isbn": "9780060512750"})

    assert duplicate.status_code == 409
    assert duplicate.json()["detail"] == f"ISBN 9780060512750 belongs to book {first['id']}"
    assert taken.status_code == 409
    assert own.status_code == 200
    listed = (await client.get("/api/v1/books")).json()
    assert [(b["id"], b["isbn"]) for b in listed["items"]] == [
        (first["id"], "9780060512750"),
        (second["id"], "9780441478125"),
    ]


async def test_a_book_needs_an_existing_author(client: httpx.AsyncClient) -> None:
    author = await create_author(client)
    book = await create_book(client, author["id"])

    created = await client.post(
        "/api/v1/books",
        json={"title": "Orphan", "isbn": "9780441478125", "author_id": 999999, "publication_date": "2000-01-01"},
    )
    moved = await client.patch(f"/api/v1/books/{book['id']}", json={"author_id": 999999})

    for response in (created, moved):
        assert response.status_code == 404
        assert response.json()["detail"] == "author_id 999999 names no author"
    assert (await client.get(f"/api/v1/books/{book['id']}")).json() == book
    assert (await client.get("/api/v1/books")).json()["meta"]["total"] == 1


async def test_partial_update_changes_only_the_fields_sent_and_null_clears_the_description(
    client: httpx.AsyncClient,
) -> None:
    le_guin = await create_author(client)
    butler = await create_author(client, "Octavia E. Butler")
    book = await create_book(client, le_guin["id"], description="An ambiguous utopia.")

    moved = await client.patch(f"/api/v1/books/{book['id']}", json={"author_id": butler["id"], "title": "Kindred"})
    cleared = await client.patch(f"/api/v1/books/{book['id']}", json={"description": None})

    assert moved.json() == {**book, "author_id": butler["id"], "title": "Kindred"}
    assert cleared.json() == {**book, "author_id": butler["id"], "title": "Kindred", "description": None}


async def test_list_filters_by_author_and_pages(client: httpx.AsyncClient) -> None:
    le_guin = await create_author(client)
    butler = await create_author(client, "Octavia E. Butler")
    isbns = iter(f"978000000{n:04d}" for n in range(100))
    mine = [(await create_book(client, le_guin["id"], isbn=next(isbns)))["id"] for _ in range(3)]
    await create_book(client, butler["id"], isbn=next(isbns))

    page = (await client.get("/api/v1/books", params={"author_id": le_guin["id"], "per_page": 2, "page": 2})).json()
    nobody = (await client.get("/api/v1/books", params={"author_id": 123456})).json()

    assert [b["id"] for b in page["items"]] == mine[2:]
    assert page["meta"] == {"page": 2, "per_page": 2, "total": 3, "pages": 2}
    assert nobody == {"items": [], "meta": {"page": 1, "per_page": 20, "total": 0, "pages": 0}}


async def test_deleted_book_is_gone_and_its_author_can_then_be_deleted(client: httpx.AsyncClient) -> None:
    author = await create_author(client)
    book = await create_book(client, author["id"])

    assert (await client.delete(f"/api/v1/books/{book['id']}")).status_code == 204
    assert (await client.get(f"/api/v1/books/{book['id']}")).status_code == 404
    assert (await client.delete(f"/api/v1/authors/{author['id']}")).status_code == 204


@pytest.mark.parametrize(
    ("field", "value", "kind"),
    [
        ("isbn", "978006051275", "string_pattern_mismatch"),
        ("isbn", "97800605127\uff150", "string_pattern_mismatch"),  # a full-width digit
        ("isbn", "1234567890123", "string_pattern_mismatch"),
        ("publication_date", 0, "date_type"),
        ("publication_date", "1974-13-01", "date_parsing"),
        ("publication_date", "1974-05-01T00:00:00", "date_parsing"),
        ("author_id", "1", "int_type"),
        ("author_id", 1.5, "int_type"),
        ("author_id", 0, "greater_than_equal"),
        ("author_id", 2**31, "less_than_equal"),
        ("description", "bell\x07", "string_pattern_mismatch"),
        ("title", True, "string_type"),
    ],
)
async def test_invalid_book_fields_are_rejected_with_the_field_located(
    client: httpx.AsyncClient, field: str, value: object, kind: str
) -> None:
    author = await create_author(client)
    payload: dict[str, object] = {
        "title": "The Dispossessed",
        "isbn": "9780060512750",
        "author_id": author["id"],
        "publication_date": "1974-05-01",
    }
    payload[field] = value

    response = await client.post("/api/v1/books", json=payload)

    assert response.status_code == 422, response.text
    assert [(e["loc"], e["type"]) for e in response.json()["errors"]] == [(["body", field], kind)]


async def test_an_integer_written_with_a_zero_fraction_is_an_integer(client: httpx.AsyncClient) -> None:
    """JSON Schema's `integer` is any number with a zero fractional part, so 7.0 is as good as 7."""
    author = await create_author(client)
    payload = {
        "title": "T",
        "isbn": "9780060512750",
        "author_id": float(author["id"]),
        "publication_date": "1974-05-01",
    }

    integral = await client.post("/api/v1/books", json=payload)
    fractional = await client.post("/api/v1/books", json={**payload, "author_id": author["id"] + 0.5})

    assert integral.status_code == 201
    assert integral.json()["author_id"] == author["id"]
    assert fractional.status_code == 422
    assert fractional.json()["errors"][0]["loc"] == ["body", "author_id"]


async def test_concurrent_changes_and_deletes_of_one_book_never_fail_the_server(client: httpx.AsyncClient) -> None:
    author = await create_author(client)
    for round_ in range(10):
        book = await create_book(client, author["id"], isbn=f"97811111{round_:05d}")
        path = f"/api/v1/books/{book['id']}"

        responses = await asyncio.gather(
            client.patch(path, json={"title": "renamed"}), client.delete(path), client.delete(path)
        )

        statuses = [response.status_code for response in responses]
        assert sorted(statuses[1:]) == [204, 404], statuses
        assert statuses[0] in {200, 404}, statuses
