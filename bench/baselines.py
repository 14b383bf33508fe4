"""The hand-written services the product is measured against, each as a user would write it without
specbound: plain FastAPI routes, PyJWT and a raw asyncpg pool, and a bare WebSocket echo.

Served by uvicorn exactly as the product is (one worker, the same HTTP and WebSocket implementations):
`uvicorn bench.baselines:app`. BENCH_DSN names the database, BENCH_PUBLIC_KEY the PEM file of the key
that verifies the tokens.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

import asyncpg
import jwt
from fastapi import FastAPI, Header, HTTPException, Query, WebSocket, WebSocketDisconnect
from fastapi.responses import Response

from generated.rest.models import Author, AuthorPage, Me, PageMeta

ISSUER = AUDIENCE = "specbound"
_PUBLIC_KEY = Path(os.environ["BENCH_PUBLIC_KEY"]).read_bytes() if "BENCH_PUBLIC_KEY" in os.environ else b""
_pool: asyncpg.Pool | None = None


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    global _pool
    if "BENCH_DSN" in os.environ:
        _pool = await asyncpg.create_pool(os.environ["BENCH_DSN"], min_size=4, max_size=10)
    yield
    if _pool is not None:
        await _pool.close()


app = FastAPI(
    lifespan=lifespan, telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False}
)


def _claims(authorization: str | None, role: str) -> dict[str, Any]:
    """The same check the product makes: an RS256 token of our issuer and audience, holding `role`."""
    if not authorization or not authorization.startswith("Bearer "):
        raise HTTPException(401)
    try:
        claims: dict[str, Any] = jwt.decode(
            authorization[7:],
            _PUBLIC_KEY,
            algorithms=["RS256"],
            issuer=ISSUER,
            audience=AUDIENCE,
            options={"require": ["exp", "iat", "sub", "iss", "aud"]},
        )
    except jwt.PyJWTError:
        raise HTTPException(401) from None
    if role not in claims.get("roles", ()):
        raise HTTPException(403)
    return claims


@app.get("/plain/me")
async def plain_me() -> Response:
    """Unsecured: the same model the product's GET /api/v1/users/me returns."""
    me = Me(subject="1", username="bench", roles=["get-authors"])
    return Response(me.model_dump_json(), media_type="application/json")


@app.get("/raw/authors/{author_id}")
async def raw_author(author_id: int, authorization: Annotated[str | None, Header()] = None) -> Response:
    _claims(authorization, "get-authors")
    assert _pool is not None
    row = await _pool.fetchrow("SELECT id, name FROM authors WHERE id = $1", author_id)
    if row is None:
        raise HTTPException(404)
    return Response(Author(id=row["id"], name=row["name"]).model_dump_json(), media_type="application/json")


@app.get("/raw/authors")
async def raw_authors(
    authorization: Annotated[str | None, Header()] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Response:
    _claims(authorization, "get-authors")
    assert _pool is not None
    async with _pool.acquire() as connection:
        total = await connection.fetchval("SELECT count(*) FROM authors")
        rows = await connection.fetch(
            "SELECT id, name FROM authors ORDER BY id LIMIT $1 OFFSET $2", per_page, (page - 1) * per_page
        )
    body = AuthorPage(
        items=[Author(id=row["id"], name=row["name"]) for row in rows],
        meta=PageMeta(page=page, per_page=per_page, total=total, pages=-(-total // per_page)),
    )
    return Response(body.model_dump_json(), media_type="application/json")


@app.websocket("/echo")
async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    try:
        while True:
            await websocket.send_text(await websocket.receive_text())
    except WebSocketDisconnect:
        pass
