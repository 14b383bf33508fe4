"""Fixtures for authentication: an application that trusts its own tokens and a provider's, and its users."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI

from app.main import create_app
from tests.conftest import empty_tables, settings_for
from tests.support.provider import CLIENT, Provider

PASSWORD = "correct horse battery"


@pytest.fixture
def provider() -> Iterator[Provider]:
    served = Provider()
    yield served
    served.close()


@pytest.fixture
async def app(database_url: str, provider: Provider) -> AsyncIterator[FastAPI]:
    await empty_tables(database_url)
    application = create_app(
        settings_for(
            database_url,
            auth_jwks_url=provider.jwks_url,
            auth_issuer=provider.issuer,
            auth_audience=CLIENT,
            auth_jwks_refetch_interval=0.5,
        )
    )
    yield application
    await application.state.services.close()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client with no credentials of its own: each test says which token it presents."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        yield http


async def add_user(app: FastAPI, username: str = "ann", roles: tuple[str, ...] = ("get-authors",)) -> None:
    services = app.state.services
    async with services.database.session() as session:
        await services.accounts.create_user(session, username=username, password=PASSWORD, roles=list(roles))


async def login(client: httpx.AsyncClient, username: str = "ann", password: str = PASSWORD) -> httpx.Response:
    return await client.post("/api/v1/auth/token", json={"username": username, "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
