"""Two instances of the service on one PostgreSQL and one Redis, as behind a load balancer: they share every
budget exactly, one connection limit per user, and every event reaches every client once."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from app.limits.limiter import ConnectionSlots, StoreHealth
from app.limits.redis import RedisSlots
from generated.rate_limits import WS_MAX_CONNECTIONS_PER_USER
from generated.ws.models import StatusCode
from generated.ws.protocol import CloseCode, PkgID
from tests.conftest import empty_tables
from tests.limits.conftest import StartServer
from tests.limits.test_ws_limits import refused_with
from tests.support.tokens import mint
from tests.support.wsclient import Client, connected


@pytest.fixture
def store(redis_url: str, prefix: str) -> dict[str, Any]:
    """Redis only: what these tests prove is what Redis shares between instances."""
    return {"redis_url": redis_url, "redis_prefix": prefix}


@pytest.fixture
def two(postgresql_url: str, start_server: StartServer) -> tuple[Any, Any]:
    asyncio.run(empty_tables(postgresql_url))
    # `write` scaled to 20 a minute: one request earned back every 3 s, far longer than the burst takes.
    return start_server(postgresql_url, rate_limit_scale=1 / 6), start_server(postgresql_url, rate_limit_scale=1 / 6)


async def test_requests_fired_at_once_at_two_instances_get_exactly_the_budget(two: tuple[Any, Any]) -> None:
    headers = {"Authorization": f"Bearer {mint()}"}
    async with httpx.AsyncClient(timeout=30) as http:

        async def create(number: int) -> int:
            server = two[number % 2]
            response = await http.post(
                f"{server.http_url}/api/v1/authors", json={"name": f"A{number}"}, headers=headers
            )
            return response.status_code

        statuses = await asyncio.gather(*(create(number) for number in range(50)))

    assert sorted(statuses) == [201] * 20 + [429] * 30


async def test_an_event_reaches_every_client_of_every_instance_exactly_once(two: tuple[Any, Any]) -> None:
    first, second = two
    async with AsyncExitStack() as stack:
        clients: list[Client] = []
        for number in range(4):
            server = (first, second)[number % 2]
            client = await stack.enter_async_context(connected(server.ws_url, mint(subject=f"reader-{number}")))
            assert (await client.request(PkgID.GET_AUTHORS, {}))["status_code"] == StatusCode.OK
            clients.append(client)
        async with httpx.AsyncClient(base_url=first.http_url) as http:
            created = await http.post(
                "/api/v1/authors", json={"name": "Over REST"}, headers={"Authorization": f"Bearer {mint()}"}
            )
        over_ws = await clients[1].request(PkgID.CREATE_AUTHOR, {"name": "Over WS"})  # on the second instance
        events = [[await client.event() for _ in range(2)] for client in clients]
        # Nothing more comes: a duplicate would arrive within this time.
        extra = await asyncio.gather(*(_next_frame(client, within=0.5) for client in clients))

    expected = sorted([created.json()["id"], over_ws["data"]["id"]])
    assert [sorted(e["data"]["id"] for e in seen if e["pkg_id"] == PkgID.AUTHOR_CREATED) for seen in events] == [
        expected
    ] * 4
    assert extra == [None] * 4


async def test_the_connection_limit_of_a_user_spans_both_instances(two: tuple[Any, Any]) -> None:
    assert WS_MAX_CONNECTIONS_PER_USER is not None
    token = mint(subject="ann")
    async with AsyncExitStack() as stack:
        for number in range(WS_MAX_CONNECTIONS_PER_USER):
            client = await stack.enter_async_context(connected(two[number % 2].ws_url, token))
            assert (await client.request(PkgID.GET_AUTHORS, {}))["status_code"] == StatusCode.OK
        refused = [await refused_with(server.ws_url, token) for server in two]

    assert [code for code, _ in refused] == [CloseCode.POLICY_VIOLATION] * 2


async def test_slots_of_an_instance_that_died_come_free_when_their_lease_ends(
    start_server: StartServer, redis_url: str, prefix: str
) -> None:
    """A dead instance neither releases nor renews: its slots end with their lease. A live one renews its own."""
    assert WS_MAX_CONNECTIONS_PER_USER is not None
    server = start_server(ws_connection_lease=1)
    redis = Redis.from_url(redis_url)
    dead = ConnectionSlots(RedisSlots(redis), _health(), limit=WS_MAX_CONNECTIONS_PER_USER, lease=1, prefix=prefix)
    async with AsyncExitStack() as holding:
        for _ in range(WS_MAX_CONNECTIONS_PER_USER):
            assert await holding.enter_async_context(dead.slot("ann"))
        refused = await refused_with(server.ws_url, mint(subject="ann"))
        await asyncio.sleep(1.3)  # the dead instance's leases run out (it never renews: no keep_renewing)
        async with AsyncExitStack() as live:
            for _ in range(WS_MAX_CONNECTIONS_PER_USER):
                client = await live.enter_async_context(connected(server.ws_url, mint(subject="ann")))
                assert (await client.request(PkgID.GET_AUTHORS, {}))["status_code"] == StatusCode.OK
            await asyncio.sleep(2.5)  # well past the lease: the live server has renewed its connections'
            still_full = await refused_with(server.ws_url, mint(subject="ann"))
        await redis.delete(f"{prefix}ws:connections:ann")  # the dead instance's release must not touch live slots
    await redis.aclose()

    assert refused[0] == still_full[0] == CloseCode.POLICY_VIOLATION


def _health() -> StoreHealth:
    return StoreHealth(fail_open=False, on_failure=lambda: None)


async def _next_frame(client: Client, *, within: float) -> dict[str, Any] | None:
    try:
        return await client.frame(within=within)
    except TimeoutError:
        return None
