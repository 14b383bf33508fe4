"""GET /metrics: Prometheus text with the values a known sequence of requests must leave, labelled by route
template; and, with PROMETHEUS_MULTIPROC_DIR, the sum over every process of the service."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.main import create_app
from generated.ws.protocol import PkgID
from tests.conftest import empty_tables, migrate, settings_for
from tests.support.live import LiveServer
from tests.support.process import serving
from tests.support.tokens import bearer, mint
from tests.support.wsclient import connected

ROOT = Path(__file__).resolve().parent.parent


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of an exposition, by name and labels."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def key(name: str, **labels: str) -> tuple[str, frozenset[tuple[str, str]]]:
    return name, frozenset(labels.items())


async def test_metrics_count_a_known_sequence_of_requests_by_route_template(sqlite_url: str) -> None:
    await empty_tables(sqlite_url)
    app = create_app(settings_for(sqlite_url, rate_limit_scale=0.01))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        for _ in range(2):
            await http.get("/health")
        for author_id in (7, 8):
            await http.get(f"/api/v1/authors/{author_id}", headers=bearer())
        await http.get("/api/v1/authors/7")  # no token
        await http.get("/no/such/path")
        await http.post("/api/v1/auth/token", json={"username": "nobody", "password": "wrong-password"})
        for _ in range(7):  # `standard` is 6 at this scale, and the author reads spent 2 of them
            await http.get("/api/v1/books", headers=bearer())
        exposition = await http.get("/metrics")
    await app.state.services.close()

    assert exposition.status_code == 200
    assert exposition.headers["content-type"].startswith("text/plain; version=")
    found = samples(exposition.text)
    author = "/api/v1/authors/{author_id}"
    expected = {
        key("http_requests_total", method="GET", route="/health", status="200"): 2,
        key("http_requests_total", method="GET", route=author, status="404"): 2,
        key("http_requests_total", method="GET", route=author, status="401"): 1,
        key("http_requests_total", method="GET", route="unmatched", status="404"): 1,
        key("http_requests_total", method="POST", route="/api/v1/auth/token", status="401"): 1,
        key("http_requests_total", method="GET", route="/api/v1/books", status="200"): 4,
        key("http_requests_total", method="GET", route="/api/v1/books", status="429"): 3,
        key("http_request_duration_seconds_count", method="GET", route=author): 3,
        key("http_requests_in_progress", method="GET", route=author): 0,
        key("rate_limit_hits_total", policy="standard", transport="http"): 3,
        key("auth_attempts_total", method="password", outcome="failure"): 1,
        key("auth_attempts_total", method="bearer", outcome="success"): 9,
        key("app_info", version="0.1.0", python=next(iter(_labels(found, "app_info")))["python"]): 1,
    }
    assert {name: found.get(name) for name in expected} == expected
    assert not any("/7" in label or "/no/such" in label for _, labels in found for _, label in labels)


@pytest.mark.live
async def test_websocket_metrics_follow_connections_and_messages(sqlite_url: str) -> None:
    await empty_tables(sqlite_url)
    server = LiveServer(create_app(settings_for(sqlite_url))).start()
    try:
        async with connected(server.ws_url, mint()) as client:
            await client.request(PkgID.GET_AUTHORS, {})
            await client.request(PkgID.GET_AUTHOR, {"id": 1})
            await client.request(12345, {})
            during = await server.acall(_exposition(server))
        await asyncio.sleep(0.3)
        after = await server.acall(_exposition(server))
    finally:
        server.stop()

    assert {
        name: during.get(name)
        for name in (
            key("ws_connections_active"),
            key("ws_connections_total", status="accepted"),
            key("ws_messages_received_total"),
            key("ws_messages_sent_total"),
            key("ws_message_processing_duration_seconds_count", pkg_id=str(int(PkgID.GET_AUTHOR))),
            key("ws_message_processing_duration_seconds_count", pkg_id="unknown"),
        )
    } == {
        key("ws_connections_active"): 1,
        key("ws_connections_total", status="accepted"): 1,
        key("ws_messages_received_total"): 3,
        key("ws_messages_sent_total"): 3,
        key("ws_message_processing_duration_seconds_count", pkg_id=str(int(PkgID.GET_AUTHOR))): 1,
        key("ws_message_processing_duration_seconds_count", pkg_id="unknown"): 1,
    }
    assert after[key("ws_connections_active")] == 0
    assert after[key("ws_connections_closed_total", code="normal")] == 1


@pytest.mark.live
def test_with_several_processes_metrics_add_up_across_them(tmp_path: Path) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"
    migrate(database)
    shared = tmp_path / "prometheus"
    shared.mkdir()
    env = {"DATABASE_URL": database, "PROMETHEUS_MULTIPROC_DIR": str(shared)}
    with serving(ROOT, log=tmp_path / "one.log", **env) as one, serving(ROOT, log=tmp_path / "two.log", **env) as two:
        for base_url, count in ((one, 3), (two, 2)):
            for _ in range(count):
                httpx.get(f"{base_url}/health").raise_for_status()
        exposition = httpx.get(f"{two}/metrics").text

    # Each process also answered one /health: the one `serving` waits for before it hands the address out.
    found = samples(exposition)
    health = found[key("http_requests_total", method="GET", route="/health", status="200")]
    assert health == 3 + 2 + 2
    assert health == found[key("http_request_duration_seconds_count", method="GET", route="/health")]


async def _exposition(server: LiveServer) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return samples(server.app.state.services.metrics.exposition().decode())


def _labels(found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str) -> list[dict[str, str]]:
    return [dict(labels) for sample, labels in found if sample == name]
