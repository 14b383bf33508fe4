"""Authors over REST, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from app.events import EventBus
from generated.ws.protocol import PkgID
from tests.support.api import create_author, create_book


async def test_created_author_is_named_by_location_and_readable_there(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/authors", json={"name": "Octavia E. Butler"})

    assert response.status_code == 201
    created = response.json()
    assert created["name"] == "Octavia E. Butler"
    assert response.headers["location"] == f"/api/v1/authors/{created['id']}"
    fetched = await client.get(response.headers["location"])
    assert fetched.status_code == 200
    assert fetched.json() == created


async def test_list_pages_through_every_author_in_id_order(client: httpx.AsyncClient) -> None:
    ids = [(await create_author(client, f"Author {n}"))["id"] for n in range(5)]

    pages = [
        (await client.get("/api/v1/authors", params={"page": page, "per_page": 2})).json() for page in (1, 2, 3, 4)
    ]

    assert [author["id"] for page in pages for author in page["items"]] == ids
    assert pages[0]["meta"] == {"page": 1, "per_page": 2, "total": 5, "pages": 3}
    assert pages[3] == {"items": [], "meta": {"page": 4, "per_page": 2, "total": 5, "pages": 3}}


async def test_list_defaults_to_the_first_page_of_twenty(client: httpx.AsyncClient) -> None:
    for n in range(21):
        await create_author(client, f"Author {n}")

    body = (await client.get("/api/v1/authors")).json()

    assert len(body["items"]) == 20
    assert body["meta"] == {"page": 1, "per_page": 20, "total": 21, "pages": 2}


async def test_name_filter_is_case_insensitive_and_takes_wildcards_literally(client: httpx.AsyncClient) -> None:
    for name in ("Ana Maria Matute", "Diana Wynne Jones", "Bob Shaw", "100% Real_Name"):
        await create_author(client, name)

    anna = (await client.get("/api/v1/authors", params={"name": "ANA"})).json()
    percent = (await client.get("/api/v1/authors", params={"name": "%"})).json()
    underscore = (await client.get("/api/v1/authors", params={"name": "l_N"})).json()

    assert [a["name"] for a in anna["items"]] == ["Ana Maria Matute", "Diana Wynne Jones"]
    assert anna["meta"]["total"] == 2
    assert [a["name"] for a in percent["items"]] == ["100% Real_Name"]
    assert [a["name"] for a in underscore["items"]] == ["100% Real_Name"]


async def test_name_filter_ignores_case_beyond_ascii_on_both_back_ends(client: httpx.AsyncClient) -> None:
    for name in ("Émile Zola", "Ömer Seyfettin", "Ivo Andrić"):
        await create_author(client, name)

    found = {
        text: [a["name"] for a in (await client.get("/api/v1/authors", params={"name": text})).json()["items"]]
        for text in ("émile", "ÖMER", "ANDRIĆ")
    }

    assert found == {"émile": ["Émile Zola"], "ÖMER": ["Ömer Seyfettin"], "ANDRIĆ": ["Ivo Andrić"]}


async def test_partial_update_changes_only_the_fields_sent(client: httpx.AsyncClient) -> None:
    author = await create_author(client, "Iain Banks")

    unchanged = await client.patch(f"/api/v1/authors/{author['id']}", json={})
    renamed = await client.patch(f"/api/v1/authors/{author['id']}", json={"name": "Iain M. Banks"})

    assert unchanged.status_code == 200
    assert unchanged.json() == author
    assert renamed.json() == {"id": author["id"], "name": "Iain M. Banks"}
    assert (await client.get(f"/api/v1/authors/{author['id']}")).json()["name"] == "Iain M. Banks"


async def test_deleted_author_is_gone(client: httpx.AsyncClient) -> None:
    author = await create_author(client)

    deleted = await client.delete(f"/api/v1/authors/{author['id']}")

    assert deleted.status_code == 204
    assert deleted.content == b""
    gone = await client.get(f"/api/v1/authors/{author['id']}")
    assert gone.status_code == 404
    assert gone.headers["content-type"] == "application/problem+json"
    assert gone.json()["detail"] == f"there is no author {author['id']}"


async def test_author_with_books_cannot_be_deleted(client: httpx.AsyncClient) -> None:
    author = await create_author(client)
    await create_book(client, author["id"])

    response = await client.delete(f"/api/v1/authors/{author['id']}")

    assert response.status_code == 409
    assert response.json()["title"] == "Conflict"
    assert "still has books" in response.json()["detail"]
    assert (await client.get(f"/api/v1/authors/{author['id']}")).status_code == 200


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
async def test_unknown_author_is_a_404_problem(client: httpx.AsyncClient, method: str) -> None:
    kwargs = {"json": {}} if method == "patch" else {}

    response = await client.request(method.upper(), "/api/v1/authors/424242", **kwargs)

    assert response.status_code == 404
    assert response.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "there is no author 424242",
        "instance": "/api/v1/authors/424242",
        "request_id": response.headers["x-request-id"],
    }


@pytest.mark.parametrize(
    ("body", "location", "kind"),
    [
        ({}, ["body", "name"], "missing"),
        ({"name": ""}, ["body", "name"], "string_too_short"),
        ({"name": "x" * 201}, ["body", "name"], "string_too_long"),
        ({"name": "tab\there"}, ["body", "name"], "string_pattern_mismatch"),
        ({"name": "nul\x00"}, ["body", "name"], "string_pattern_mismatch"),
        ({"name": 42}, ["body", "name"], "string_type"),
        ({"name": None}, ["body", "name"], "string_type"),
        ({"name": "ok", "extra": 1}, ["body", "extra"], "extra_forbidden"),
    ],
)
async def test_invalid_author_is_rejected_with_the_problem_located(
    client: httpx.AsyncClient, body: dict[str, object], location: list[str], kind: str
) -> None:
    response = await client.post("/api/v1/authors", json=body)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert [(error["loc"], error["type"]) for error in errors] == [(location, kind)]
    assert (await client.get("/api/v1/authors")).json()["meta"]["total"] == 0


async def test_patch_cannot_null_a_required_name(client: httpx.AsyncClient) -> None:
    author = await create_author(client)

    response = await client.patch(f"/api/v1/authors/{author['id']}", json={"name": None})

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "name"]
    assert (await client.get(f"/api/v1/authors/{author['id']}")).json() == author


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"name": "unterminated', "application/json"),
        (b"\xe9\x80 not utf-8", "application/json"),
        (b"", "application/json"),
        (b'{"name": "Le Guin"}', "text/plain"),
        (b'{"name": "Le Guin"}', None),
    ],
)
async def test_a_body_that_is_not_json_is_a_422_problem(
    client: httpx.AsyncClient, content: bytes, content_type: str | None
) -> None:
    headers = {"content-type": content_type} if content_type else {}

    response = await client.post("/api/v1/authors", content=content, headers=headers)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["loc"][0] == "body"


async def test_creating_an_author_publishes_author_created(client: httpx.AsyncClient, app: object) -> None:
    events: list[tuple[PkgID, Any]] = []
    bus: EventBus = app.state.services.events  # type: ignore[attr-defined]

    async def collect(pkg_id: PkgID, data: Any) -> None:
        events.append((pkg_id, data))

    bus.subscribe(collect)
    author = await create_author(client, "N. K. Jemisin")

    assert events == [(PkgID.AUTHOR_CREATED, author)]


async def test_concurrent_changes_and_deletes_of_one_author_never_fail_the_server(client: httpx.AsyncClient) -> None:
    """Whoever loses a race gets the answer the state gives it (404), never a 500."""
    for round_ in range(10):
        author = await create_author(client, f"Contested {round_}")
        path = f"/api/v1/authors/{author['id']}"

        responses = await asyncio.gather(
            client.patch(path, json={"name": "renamed"}),
            client.delete(path),
            client.delete(path),
            client.patch(path, json={"name": "again"}),
        )

        statuses = [response.status_code for response in responses]
        assert sorted(statuses[1:3]) == [204, 404], statuses  # exactly one delete found it
        assert set(statuses) <= {200, 204, 404}, statuses


async def test_a_422_lists_the_problems_of_the_path_and_of_the_body_together(client: httpx.AsyncClient) -> None:
    response = await client.patch("/api/v1/authors/0", json={"name": ""})

    assert response.status_code == 422
    assert [(error["loc"], error["type"]) for error in response.json()["errors"]] == [
        (["path", "author_id"], "greater_than_equal"),
        (["body", "name"], "string_too_short"),
    ]
