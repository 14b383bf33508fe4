"""Rate limits and connection limits on the WebSocket, against served instances (over TCP), on the in-process
store and on Redis. At RATE_LIMIT_SCALE=0.01, `standard` allows 6 requests a minute and `write` 2."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from contextlib import AsyncExitStack

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from generated.rate_limits import WS_MAX_CONNECTIONS_PER_USER
from generated.ws.models import StatusCode
from generated.ws.protocol import CloseCode, PkgID
from tests.limits.conftest import StartServer
from tests.support.tokens import mint
from tests.support.wsclient import connected


async def test_a_request_past_the_budget_is_rate_limited_and_the_connection_stays_open(
    start_server: StartServer,
) -> None:
    server = start_server(rate_limit_scale=0.01)
    async with connected(server.ws_url, mint()) as client:
        reads = [await client.request(PkgID.GET_AUTHORS, {}) for _ in range(7)]
        write = await client.request(PkgID.CREATE_AUTHOR, {"name": "Still served"})

    assert [reply["status_code"] for reply in reads] == [StatusCode.OK] * 6 + [StatusCode.RATE_LIMITED]
    refused = reads[-1]
    assert refused["pkg_id"] == PkgID.GET_AUTHORS
    assert refused["data"]["message"] == "over the 'standard' rate limit of 6 requests per 60 s"
    assert 1 <= refused["data"]["retry_after"] <= 10
    assert write["status_code"] == StatusCode.OK  # another policy, another budget, on the same connection


async def test_the_websocket_and_rest_spend_one_budget_per_policy(start_server: StartServer) -> None:
    server = start_server(rate_limit_scale=0.01)
    token = mint()
    async with connected(server.ws_url, token) as client:
        for _ in range(6):
            await client.request(PkgID.GET_AUTHOR, {"id": 1})
    async with httpx.AsyncClient(base_url=server.http_url) as http:
        response = await http.get("/api/v1/authors", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 429


async def test_frames_naming_no_request_message_spend_the_default_budget(start_server: StartServer) -> None:
    server = start_server(rate_limit_scale=0.01)
    async with connected(server.ws_url, mint()) as client:
        replies = []
        for _ in range(7):
            await client.connection.send("not json")
            replies.append(await client.frame())
        for pkg_id in (999, 998):
            req_id = str(uuid.uuid4())
            await client.send({"pkg_id": pkg_id, "req_id": req_id, "data": {}})
            replies.append(await client.reply(req_id))

    assert [reply["status_code"] for reply in replies] == [StatusCode.MALFORMED] * 6 + [StatusCode.RATE_LIMITED] * 3


async def test_a_user_holds_at_most_the_specs_number_of_connections(start_server: StartServer) -> None:
    server = start_server()
    assert WS_MAX_CONNECTIONS_PER_USER is not None
    token = mint(subject="ann")
    async with AsyncExitStack() as stack:
        held = []
        for _ in range(WS_MAX_CONNECTIONS_PER_USER):
            client = await stack.enter_async_context(connected(server.ws_url, token))
            # Served, so admitted: the slot is taken after the upgrade completes, when the token is known.
            assert (await client.request(PkgID.GET_AUTHORS, {}))["status_code"] == StatusCode.OK
            held.append(client)
        code, reason = await refused_with(server.ws_url, token)
        other = await stack.enter_async_context(connected(server.ws_url, mint(subject="ben")))
        assert (await other.request(PkgID.GET_AUTHORS, {}))["status_code"] == StatusCode.OK
        await held[0].connection.close()
        await asyncio.sleep(0.2)  # the server frees the slot when it sees the close
        again = await stack.enter_async_context(connected(server.ws_url, token))
        assert (await again.request(PkgID.GET_AUTHORS, {}))["status_code"] == StatusCode.OK

    assert (code, reason) == (
        CloseCode.POLICY_VIOLATION,
        f"at most {WS_MAX_CONNECTIONS_PER_USER} connections per user at once",
    )


async def refused_with(url: str, token: str) -> tuple[int | None, str | None]:
    """The close code and reason of a connection the server closes before serving it (a request sent on it
    gets no reply: the close comes instead)."""
    async with connected(url, token) as client:
        with contextlib.suppress(ConnectionClosed):  # the close may come before the frame is sent
            await client.send({"pkg_id": PkgID.GET_AUTHORS, "req_id": str(uuid.uuid4()), "data": {}})
        with pytest.raises(ConnectionClosed) as closed:
            await client.frame()
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code, closed.value.rcvd.reason
