"""What every client sees regardless of the resource: problem+json errors, authentication challenges, the
methods a path allows, the spec served as-is, liveness and readiness."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from ruamel.yaml import YAML

from app.handlers.authors import Authors
from app.main import create_app
from tests.conftest import AUTH, settings_for
from tests.support.tokens import mint

ROOT = Path(__file__).resolve().parents[2]
PROBLEM_KEYS = {"type", "title", "status", "instance"}


async def test_an_unknown_path_is_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/nothing-here")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "instance": "/api/v1/nothing-here",
        "request_id": response.headers["x-request-id"],
    }


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/api/v1/authors", "GET, POST"),
        ("POST", "/api/v1/authors/1", "DELETE, GET, PATCH"),
        ("DELETE", "/health", "GET"),
        ("TRACE", "/api/v1/books/7", "DELETE, GET, PATCH"),
    ],
)
async def test_a_method_the_path_does_not_serve_is_405_naming_every_method_it_does(
    client: httpx.AsyncClient, method: str, path: str, allowed: str
) -> None:
    response = await client.request(method, path)

    assert response.status_code == 405
    assert response.headers["allow"] == allowed
    assert response.headers["content-type"] == "application/problem+json"


async def test_no_token_is_a_401_with_a_bearer_challenge(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/authors", headers={"Authorization": ""})

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["detail"] == "this operation needs a bearer token"


@pytest.mark.parametrize(
    ("header", "challenge"),
    [
        ("Bearer not-a-jwt", 'Bearer error="invalid_token"'),
        (f"Bearer {mint()}x", 'Bearer error="invalid_token"'),
        (f"Basic {mint()}", "Bearer"),
        ("Bearer", "Bearer"),
    ],
)
async def test_a_missing_or_refused_token_is_a_401_whose_challenge_says_which(
    client: httpx.AsyncClient, header: str, challenge: str
) -> None:
    response = await client.get("/api/v1/authors", headers={"Authorization": header})

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == challenge


async def test_public_operations_need_no_token(client: httpx.AsyncClient) -> None:
    health = await client.get("/health", headers={"Authorization": ""})
    ready = await client.get("/ready", headers={"Authorization": ""})

    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    assert (ready.status_code, ready.json()) == (200, {"status": "ready", "checks": {"database": "ok"}})


async def test_readiness_is_503_naming_the_database_when_it_does_not_answer() -> None:
    app = create_app(settings_for("postgresql+asyncpg://nobody@127.0.0.1:9/nowhere"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        ready = await client.get("/ready")
        health = await client.get("/health")
    await app.state.services.close()

    assert ready.status_code == 503
    assert ready.headers["content-type"] == "application/problem+json"
    assert ready.json()["detail"] == "the database does not answer"
    assert ready.json()["checks"] == {"database": "failed"}
    assert health.status_code == 200


async def test_an_unexpected_failure_is_a_500_problem_with_a_reference_that_is_logged(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(Authors, "get_author", broken)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)  # as a server would: answer, not raise
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=AUTH) as client:
        with caplog.at_level(logging.ERROR, logger="app.http.problems"):
            response = await client.get("/api/v1/authors/1")

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "secret" not in response.text
    reference = response.json()["detail"].rsplit(" ", 1)[-1]
    assert any(reference in record.getMessage() and record.exc_info for record in caplog.records)


async def test_openapi_json_is_the_spec_itself(client: httpx.AsyncClient) -> None:
    served = (await client.get("/openapi.json")).json()

    spec = YAML(typ="safe").load((ROOT / "spec" / "openapi.yaml").read_text())
    assert served == json.loads(json.dumps(spec))


async def test_docs_render_the_served_spec(client: httpx.AsyncClient) -> None:
    response = await client.get("/docs")

    assert response.status_code == 200
    assert "/openapi.json" in response.text


async def test_responses_have_the_media_type_the_spec_declares(client: httpx.AsyncClient, app: FastAPI) -> None:
    created = await client.post("/api/v1/authors", json={"name": "A"})
    invalid = await client.post("/api/v1/authors", json={})

    assert created.headers["content-type"] == "application/json"
    assert invalid.headers["content-type"] == "application/problem+json"
    assert set(invalid.json()) >= PROBLEM_KEYS
