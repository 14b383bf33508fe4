"""The hand-written services the product is measured against, each as a user would write it without
specbound: plain FastAPI routes, PyJWT and a raw asyncpg pool, a Starlette WebSocket endpoint doing the job of
`/web` GET_AUTHOR by hand, and a bare WebSocket echo.

Served by uvicorn exactly as the product is (one worker, the same HTTP and WebSocket implementations):
`uvicorn bench.baselines:app`. BENCH_DSN names the database, BENCH_PUBLIC_KEY the PEM file of the key
that verifies the tokens.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

import asyncpg
import jwt
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from fastapi import FastAPI, Header, HTTPException, Query, WebSocket, WebSocketDisconnect
from fastapi.responses import Response
from starlette.routing import WebSocketRoute

from generated.rest.models import Author, AuthorPage, Me, PageMeta

ISSUER = AUDIENCE = "specbound"
# Parsed once, as a careful engineer does (PyJWT would parse a PEM given to it on every call, as the product does not).
_PUBLIC_KEY = (
    load_pem_public_key(Path(os.environ["BENCH_PUBLIC_KEY"]).read_bytes()) if "BENCH_PUBLIC_KEY" in os.environ else None
)
_pool: asyncpg.Pool | None = None


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    global _pool
    if "BENCH_DSN" in os.environ:
        # As the product's pool: single statements outside transactions, so no reset query on release.
        _pool = await asyncpg.create_pool(os.environ["BENCH_DSN"], min_size=4, max_size=10, reset=_no_reset)
    yield
    if _pool is not None:
        await _pool.close()


app = FastAPI(
    lifespan=lifespan, telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False}
)


async def _no_reset(_connection: asyncpg.Connection) -> None:
    pass


def _verified(token: str) -> dict[str, Any]:
    """The same check the product makes: an RS256 token of our issuer and audience (jwt.PyJWTError if not)."""
    claims: dict[str, Any] = jwt.decode(
        token,
        _PUBLIC_KEY,
        algorithms=["RS256"],
        issuer=ISSUER,
        audience=AUDIENCE,
        options={"require": ["exp", "iat", "sub", "iss", "aud"]},
    )
    return claims


def _claims(authorization: str | None, role: str) -> dict[str, Any]:
    """The claims of the bearer token, which must hold `role`."""
    if not authorization or not authorization.startswith("Bearer "):
        raise HTTPException(401)
    try:
        claims = _verified(authorization[7:])
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


_GET_AUTHOR = 4  # the pkg_id of GET_AUTHOR in spec/asyncapi.yaml, and its status codes
_OK, _INVALID_DATA, _PERMISSION_DENIED, _NOT_FOUND, _UNKNOWN_PKG_ID, _MALFORMED = 0, 2, 3, 4, 7, 8


async def hand_web(websocket: WebSocket) -> None:
    """`/web` GET_AUTHOR by hand, as a careful engineer would write it for this one job with Starlette alone:
    the token verified once at connect; per frame the envelope parsed, one asyncpg read by id and a JSON
    reply carrying `req_id`. Up to 8 frames are answered at once, as the product does."""
    authorization = websocket.headers.get("authorization", "")
    try:
        claims = _verified(authorization.removeprefix("Bearer "))
    except jwt.PyJWTError:
        await websocket.close(code=1008)
        return
    allowed = "get-authors" in claims.get("roles", ())
    await websocket.accept()
    slots = asyncio.Semaphore(8)
    answering: set[asyncio.Task[None]] = set()

    async def answer(text: str) -> None:
        try:
            await websocket.send_text(await _hand_reply(text, allowed))
        finally:
            slots.release()

    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            await slots.acquire()
            task = asyncio.create_task(answer(message.get("text") or ""))
            answering.add(task)
            task.add_done_callback(answering.discard)
    finally:
        for task in answering:
            task.cancel()


async def _hand_reply(text: str, allowed: bool) -> str:
    try:
        envelope = json.loads(text)
        pkg_id, req_id, author_id = envelope["pkg_id"], envelope["req_id"], envelope["data"]["id"]
    except (ValueError, TypeError, KeyError):
        return json.dumps({"pkg_id": None, "req_id": None, "status_code": _MALFORMED, "data": None, "meta": None})
    status, data = _OK, None
    if pkg_id != _GET_AUTHOR:
        status = _UNKNOWN_PKG_ID
    elif not allowed:
        status = _PERMISSION_DENIED
    elif type(author_id) is not int:
        status = _INVALID_DATA
    else:
        assert _pool is not None
        row = await _pool.fetchrow("SELECT id, name FROM authors WHERE id = $1", author_id)
        if row is None:
            status = _NOT_FOUND
        else:
            data = {"id": row["id"], "name": row["name"]}
    reply = {"pkg_id": pkg_id, "req_id": req_id, "status_code": status, "data": data, "meta": None}
    return json.dumps(reply, separators=(",", ":"), ensure_ascii=False)


# A Starlette route, not a FastAPI one: nothing of FastAPI's runs per connection.
app.router.routes.append(WebSocketRoute("/hand/web", hand_web))
