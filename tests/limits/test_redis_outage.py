"""Redis stopped in the middle of a run (a redis-server of the test's own): the service answers as
RATE_LIMIT_FAIL says, quickly, reports the failure on /ready, and recovers without a restart."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from generated.ws.models import StatusCode
from generated.ws.protocol import CloseCode, PkgID
from tests.limits.conftest import StartServer
from tests.limits.test_ws_limits import refused_with
from tests.support.redis import OwnRedis
from tests.support.tokens import mint
from tests.support.wsclient import connected

AUTH = {"Authorization": f"Bearer {mint()}"}


@pytest.fixture
def store(own_redis: OwnRedis) -> dict[str, Any]:
    return {"redis_url": own_redis.url}


async def _timed_get(http: httpx.AsyncClient, path: str, **kwargs: Any) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = await http.get(path, **kwargs)
    return response, time.monotonic() - started


async def _until_ready(http: httpx.AsyncClient, within: float = 10) -> httpx.Response:
    deadline = time.monotonic() + within
    while True:
        response = await http.get("/ready")
        if response.status_code == 200 or time.monotonic() > deadline:
            return response
        await asyncio.sleep(0.2)


async def test_failing_open_serves_uncounted_and_recovers(start_server: StartServer, own_redis: OwnRedis) -> None:
    server = start_server()
    metrics = server.app.state.services.metrics
    async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as http:
        before = await http.get("/api/v1/authors", headers=AUTH)
        own_redis.stop()
        during = [await _timed_get(http, "/api/v1/authors", headers=AUTH) for _ in range(5)]
        not_ready = await http.get("/ready")
        own_redis.start()
        await asyncio.sleep(1.1)  # the limiter leaves a failed store alone for a second
        after = await http.get("/api/v1/authors", headers=AUTH)
        ready = await _until_ready(http)

    assert "ratelimit-remaining" in before.headers
    assert [response.status_code for response, _ in during] == [200] * 5
    assert all("ratelimit-limit" not in response.headers for response, _ in during)  # not counted
    assert max(seconds for _, seconds in during) < 1.0  # nothing waits on the dead store
    assert metrics.value("rate_limit_store_errors_total") >= 5
    assert (not_ready.status_code, not_ready.json()["checks"]) == (503, {"database": "ok", "redis": "failed"})
    assert not_ready.json()["detail"] == "Redis does not answer"
    assert after.status_code == 200
    assert "ratelimit-remaining" in after.headers  # counted again
    assert (ready.status_code, ready.json()["checks"]) == (200, {"database": "ok", "redis": "ok"})


async def test_failing_closed_refuses_what_it_cannot_count_and_recovers(
    start_server: StartServer, own_redis: OwnRedis
) -> None:
    server = start_server(rate_limit_fail="closed")
    async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as http:
        async with connected(server.ws_url, mint()) as client:
            assert (await client.request(PkgID.GET_AUTHORS, {}))["status_code"] == StatusCode.OK  # admitted
            own_redis.stop()
            refused, seconds = await _timed_get(http, "/api/v1/authors", headers=AUTH)
            health = await http.get("/health")
            message = await client.request(PkgID.GET_AUTHORS, {})
        connection = await refused_with(server.ws_url, mint(subject="someone-else"))
        own_redis.start()
        await asyncio.sleep(1.1)
        served = await http.get("/api/v1/authors", headers=AUTH)

    assert (refused.status_code, refused.headers["content-type"]) == (503, "application/problem+json")
    assert seconds < 1.0
    assert health.status_code == 200  # unlimited operations do not need the limiter
    assert message["status_code"] == StatusCode.UNAVAILABLE
    assert connection[0] == CloseCode.TRY_AGAIN_LATER
    assert served.status_code == 200


async def test_events_reach_clients_again_once_redis_is_back(start_server: StartServer, own_redis: OwnRedis) -> None:
    server = start_server()
    relay = server.app.state.services.relay
    async with connected(server.ws_url, mint()) as client:
        assert (await client.request(PkgID.GET_AUTHORS, {}))["status_code"] == StatusCode.OK  # admitted
        own_redis.stop()
        during = await client.request(PkgID.CREATE_AUTHOR, {"name": "During the outage"})
        during_event = await client.event()  # delivered on this instance, rather than to nobody
        own_redis.start()
        await _until(lambda: relay.connected, within=10)
        after = await client.request(PkgID.CREATE_AUTHOR, {"name": "After the outage"})
        after_event = await client.event()

    assert during_event["data"] == during["data"]
    assert after_event["data"] == after["data"]


async def _until(condition: Any, within: float) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        await asyncio.sleep(0.05)


async def test_a_redis_that_hangs_holds_nothing_up(start_server: StartServer, own_redis: OwnRedis) -> None:
    """A Redis that accepts and never answers: each request waits at most one timeout, about once a second,
    events still reach this instance's clients, and the relay notices within seconds that it hears nothing."""
    server = start_server()
    relay = server.app.state.services.relay
    async with connected(server.ws_url, mint()) as client, httpx.AsyncClient(base_url=server.http_url) as http:
        assert (await client.request(PkgID.GET_AUTHORS, {}))["status_code"] == StatusCode.OK  # admitted
        own_redis.pause()
        try:
            started = time.monotonic()
            reads = [await http.get("/api/v1/authors", headers=AUTH) for _ in range(10)]
            creates = [await client.request(PkgID.CREATE_AUTHOR, {"name": f"Hung {n}"}) for n in range(10)]
            events = [await client.event() for _ in range(10)]
            spent = time.monotonic() - started
            await _until(lambda: not relay.connected, within=8)
        finally:
            own_redis.resume()
        await _until(lambda: relay.connected, within=10)

    assert {response.status_code for response in reads} == {200}
    assert {reply["status_code"] for reply in creates} == {StatusCode.OK}
    assert [event["data"]["name"] for event in events] == [f"Hung {n}" for n in range(10)]
    # Twenty requests; were each to wait for Redis, they would take 20 x 0.25 s.
    assert spent < 2.5
