"""Small helpers that create resources through the API, as a client would."""

from __future__ import annotations

from typing import Any

import httpx


async def create_author(client: httpx.AsyncClient, name: str = "Ursula K. Le Guin") -> dict[str, Any]:
    response = await client.post("/api/v1/authors", json={"name": name})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def create_book(client: httpx.AsyncClient, author_id: int, **fields: Any) -> dict[str, Any]:
    payload = {
        "title": "The Dispossessed",
        "isbn": "9780060512750",
        "author_id": author_id,
        "publication_date": "1974-05-01",
    }
    payload.update(fields)
    response = await client.post("/api/v1/books", json=payload)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body
