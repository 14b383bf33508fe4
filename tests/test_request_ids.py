"""Request ids: taken from X-Request-ID or made up, returned on every response and in problem documents, and
in every log line written while serving the request, as text or as JSON lines."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from app.logs import WithRequestId
from app.main import create_app
from tests.conftest import migrate, settings_for
from tests.support.process import serving
from tests.support.tokens import bearer

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
async def client(sqlite_url: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings_for(sqlite_url))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        yield http
    await app.state.services.close()


async def test_the_clients_request_id_is_returned_and_in_the_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/authors/999", headers={"X-Request-ID": "req-42.a:b", **bearer()})

    assert response.headers["x-request-id"] == "req-42.a:b"
    assert response.json()["request_id"] == "req-42.a:b"


@pytest.mark.parametrize("sent", [None, b"", b"x" * 129, b"has space", "caf\u00e9".encode()])
async def test_without_a_sensible_request_id_the_service_makes_one_up(
    client: httpx.AsyncClient, sent: bytes | None
) -> None:
    headers = {} if sent is None else {"X-Request-ID": sent}

    first = await client.get("/health", headers=headers)
    second = await client.get("/health", headers=headers)

    assert re.fullmatch(r"[0-9a-f]{32}", first.headers["x-request-id"])
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


async def test_log_lines_written_while_serving_carry_the_request_id(caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(settings_for("postgresql+asyncpg://nobody@127.0.0.1:9/nowhere"))  # readiness logs why not
    caplog.handler.addFilter(WithRequestId())
    with caplog.at_level(logging.WARNING, logger="app.readiness"):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
            ready = await http.get("/ready", headers={"X-Request-ID": "trace-me"})
        logging.getLogger("app.readiness").warning("outside any request")
    await app.state.services.close()

    assert ready.status_code == 503
    ids = [(record.getMessage()[:40], record.request_id) for record in caplog.records]  # type: ignore[attr-defined]
    assert ids == [
        ("readiness: database does not answer: [Er", "trace-me"),
        ("outside any request", "-"),
    ]


@pytest.mark.live
def test_a_served_process_writes_json_lines_with_the_request_id(tmp_path: Path) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'logs.db'}"
    migrate(database)
    log = tmp_path / "serve.log"
    with serving(ROOT, log=log, DATABASE_URL=database, LOG_FORMAT="json") as base_url:
        httpx.get(f"{base_url}/api/v1/authors", headers={"X-Request-ID": "trace-me-please"})

    lines = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    mine = [line for line in lines if line.get("request_id") == "trace-me-please"]
    assert mine, lines
    assert any("GET /api/v1/authors" in line["message"] and "401" in line["message"] for line in mine)  # access log
    assert {"asctime", "level", "name", "message", "request_id"} <= set(mine[0])
    assert all("request_id" in line for line in lines)  # every line, "-" outside of a request
