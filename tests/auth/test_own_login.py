"""Our own login: passwords, tokens, rotation with reuse detection, logout; on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import typing

import argon2
import httpx
import jwt
import pytest
from fastapi import FastAPI

from app.db import users
from tests.auth.conftest import PASSWORD, add_user, bearer, login


async def test_login_gives_tokens_that_are_not_cached_and_say_who_and_what(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await add_user(app, "ann", ("get-authors", "create-author"))

    response = await login(client)

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    tokens = response.json()
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 300
    me = await client.get("/api/v1/users/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200
    assert me.headers["cache-control"] == "no-store"
    assert me.json() == {"subject": me.json()["subject"], "username": "ann", "roles": ["create-author", "get-authors"]}
    assert (await client.get("/api/v1/authors", headers=bearer(tokens["access_token"]))).status_code == 200
    assert (await client.get("/api/v1/books", headers=bearer(tokens["access_token"]))).status_code == 403


async def test_another_service_can_verify_our_tokens_with_the_published_keys(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await add_user(app)
    token = (await login(client)).json()["access_token"]

    jwks = await client.get("/.well-known/jwks.json")

    assert jwks.headers["cache-control"] == "public, max-age=300"
    [key] = jwks.json()["keys"]
    assert jwt.get_unverified_header(token) == {"alg": "RS256", "kid": key["kid"], "typ": "at+jwt"}
    claims = jwt.decode(token, jwt.PyJWK(key).key, algorithms=[key["alg"]], audience="specbound", issuer="specbound")
    assert claims["preferred_username"] == "ann"
    assert claims["roles"] == ["get-authors"]
    assert "password" not in jwks.text


@pytest.mark.parametrize(("username", "password"), [("ann", "wrong password"), ("nobody", PASSWORD), ("ANN", PASSWORD)])
async def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(
    app: FastAPI, client: httpx.AsyncClient, username: str, password: str
) -> None:
    await add_user(app)

    response = await login(client, username, password)

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["cache-control"] == "no-store"  # an answer about credentials is never cached
    assert response.json() == {
        "type": "about:blank",
        "title": "Unauthorized",
        "status": 401,
        "detail": "wrong username or password",
        "instance": "/api/v1/auth/token",
        "request_id": response.headers["x-request-id"],
    }


async def test_an_unknown_user_costs_the_same_password_hash_work_as_a_wrong_password(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """No user enumeration by timing: both cost exactly one Argon2 verification with the same parameters (the
    unknown user's against a decoy hash). Counted, not timed: a timing test fails on a loaded machine."""
    await add_user(app)
    verified: list[argon2.Parameters] = []

    class CountingHasher(argon2.PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> typing.Literal[True]:
            verified.append(argon2.extract_parameters(hash if isinstance(hash, str) else hash.decode()))
            return super().verify(hash, password)

    app.state.services.accounts.passwords._hasher = CountingHasher()  # the service's parameters: the defaults

    assert (await login(client, "ann", "wrong password")).status_code == 401
    wrong_password = list(verified)
    verified.clear()
    assert (await login(client, "nobody", "wrong password")).status_code == 401
    unknown_user = list(verified)

    assert len(wrong_password) == 1
    assert unknown_user == wrong_password  # one verification, same memory, time and parallelism costs


async def test_refreshing_rotates_and_a_reused_refresh_token_revokes_the_whole_family(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await add_user(app)
    first = (await login(client)).json()

    second = await client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    assert second.headers["cache-control"] == "no-store"
    assert second.json()["refresh_token"] != first["refresh_token"]

    replayed = await client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert replayed.status_code == 401
    assert replayed.json()["detail"] == "the refresh token was already used or revoked"

    descendant = await client.post("/api/v1/auth/refresh", json={"refresh_token": second.json()["refresh_token"]})
    assert descendant.status_code == 401  # the thief's reuse cost the family, legitimate holder included


async def test_another_login_is_another_family_that_a_reuse_does_not_touch(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await add_user(app)
    phone, laptop = (await login(client)).json(), (await login(client)).json()
    await client.post("/api/v1/auth/refresh", json={"refresh_token": phone["refresh_token"]})

    await client.post("/api/v1/auth/refresh", json={"refresh_token": phone["refresh_token"]})  # reuse: phone family
    laptop_refreshed = await client.post("/api/v1/auth/refresh", json={"refresh_token": laptop["refresh_token"]})

    assert laptop_refreshed.status_code == 200


@pytest.fixture
def slow_rotation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hold each rotation open for a moment after it revoked the token presented, so that concurrent requests
    on the same family really overlap it."""
    original = users.get_user

    async def slow_get_user(**kwargs: object) -> object:
        await asyncio.sleep(0.3)
        return await original(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(users, "get_user", slow_get_user)


async def test_of_two_overlapping_refreshes_with_one_token_exactly_one_succeeds(
    app: FastAPI, client: httpx.AsyncClient, slow_rotation: None
) -> None:
    await add_user(app)
    refresh_token = (await login(client)).json()["refresh_token"]

    responses = await asyncio.gather(
        *(client.post("/api/v1/auth/refresh", json={"refresh_token": refresh_token}) for _ in range(2))
    )

    assert sorted(response.status_code for response in responses) == [200, 401]


async def test_a_logout_during_a_refresh_revokes_what_that_refresh_issues(
    app: FastAPI, client: httpx.AsyncClient, slow_rotation: None
) -> None:
    await add_user(app)
    refresh_token = (await login(client)).json()["refresh_token"]

    async def logout_meanwhile() -> httpx.Response:
        await asyncio.sleep(0.1)  # the refresh is under way
        return await client.post("/api/v1/auth/logout", json={"refresh_token": refresh_token})

    refreshed, logged_out = await asyncio.gather(
        client.post("/api/v1/auth/refresh", json={"refresh_token": refresh_token}), logout_meanwhile()
    )
    successor = await client.post("/api/v1/auth/refresh", json={"refresh_token": refreshed.json()["refresh_token"]})

    assert (refreshed.status_code, logged_out.status_code) == (200, 204)
    assert successor.status_code == 401
    assert successor.json()["detail"] == "the refresh token was revoked (logged out, or reused)"


async def test_logout_revokes_the_session_and_ignores_a_token_it_does_not_know(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await add_user(app)
    tokens = (await login(client)).json()

    logged_out = await client.post("/api/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    again = await client.post("/api/v1/auth/logout", json={"refresh_token": "not even a token"})
    refreshed = await client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})

    assert (logged_out.status_code, logged_out.content, logged_out.headers["cache-control"]) == (204, b"", "no-store")
    assert again.status_code == 204
    assert refreshed.status_code == 401


async def test_a_refresh_token_is_not_an_access_token_nor_the_other_way_round(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await add_user(app)
    tokens = (await login(client)).json()

    as_access = await client.get("/api/v1/users/me", headers=bearer(tokens["refresh_token"]))
    as_refresh = await client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["access_token"]})

    assert as_access.status_code == 401
    assert as_access.json()["detail"] == "the bearer token is not an access token"
    assert as_refresh.status_code == 401


async def test_a_deleted_user_cannot_refresh(app: FastAPI, client: httpx.AsyncClient) -> None:
    await add_user(app)
    tokens = (await login(client)).json()
    services = app.state.services
    async with services.database.session() as session:
        user = await users.find_user(session=session, username="ann")
        await session.delete(user)
        await session.commit()

    response = await client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})

    assert response.status_code == 401
    assert response.json()["detail"] == "the refresh token was revoked (logged out, or reused)"
