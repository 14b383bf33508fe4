"""How connections live and end: authentication at the door, the close codes of spec/asyncapi.yaml,
concurrency within a connection, broadcasts that no slow client can hold up, and shutdown."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from app.handlers.authors import AuthorsWs
from generated.rest.models import Author
from generated.ws.authors import author_created_event
from generated.ws.models import StatusCode
from generated.ws.protocol import CloseCode, PkgID
from tests.conftest import ROOT, migrate
from tests.support.rawws import close_code, open_raw, read_frames, send_text
from tests.support.tokens import SIGNING_KEY_PEM, mint
from tests.support.wsclient import Client, connected
from tests.ws.conftest import StartServer


async def _closed_with(client: Client) -> tuple[int, str]:
    """Read until the server closes; its close code and reason."""
    with pytest.raises(ConnectionClosed) as closed:
        await asyncio.wait_for(_read_forever(client), 10)
    assert closed.value.rcvd is not None, "the server closed without a close frame"
    return closed.value.rcvd.code, closed.value.rcvd.reason


async def _read_forever(client: Client) -> None:
    while True:
        await client.connection.recv()


# --- At the door --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (None, "a bearer token is required (Authorization header or `token` query parameter)"),
        ("garbage", "the bearer token is not a JWT"),
        ("expired", "the bearer token has expired"),
        ("oversized", "the bearer token is too large"),  # a header line beyond 8 KiB reaches the app too
    ],
)
async def test_without_a_valid_token_the_connection_is_closed_before_any_frame_is_read(
    start_server: StartServer, token: str | None, reason: str
) -> None:
    server = start_server()
    if token == "expired":
        token = mint(ttl=-3600)
    elif token == "oversized":
        token = "x" * 9000

    raw = open_raw(server.port, token or "")
    try:
        send_text(raw, json.dumps({"pkg_id": PkgID.GET_AUTHORS, "req_id": str(uuid.uuid4()), "data": {}}))
        frames = await asyncio.to_thread(read_frames, raw)
    finally:
        raw.close()

    assert [opcode for opcode, _ in frames] == [0x8]  # a close frame, and no reply to the frame sent
    assert close_code(frames) == CloseCode.POLICY_VIOLATION
    assert frames[0][1][2:].decode() == reason
    assert server.app.state.services.metrics.value("ws_messages_received_total") == 0


async def test_a_token_in_the_query_string_does_not_reach_the_logs(start_server: StartServer) -> None:
    server = start_server()
    seen: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record.getMessage())

    handler = Collect(level=logging.INFO)
    server_log = logging.getLogger("uvicorn.error")
    previous = server_log.level
    server_log.addHandler(handler)
    server_log.setLevel(logging.INFO)
    token = mint()
    try:
        async with connected(server.ws_url, token, via="query") as client:
            await client.request(PkgID.GET_AUTHORS, {})
    finally:
        server_log.removeHandler(handler)
        server_log.setLevel(previous)

    accepted = [message for message in seen if "WebSocket /web" in message]
    assert accepted, seen  # the upgrade was logged...
    assert all(token not in message for message in seen)  # ...without the token
    assert "token=[redacted]" in accepted[0]


# --- Frames the protocol does not take -------------------------------------------------------------------------------


async def test_a_binary_frame_closes_the_connection_as_unsupported_data(start_server: StartServer) -> None:
    server = start_server()
    async with connected(server.ws_url, mint()) as client:
        await client.connection.send(b'{"pkg_id": 1}')
        code, _ = await _closed_with(client)

    assert code == CloseCode.UNSUPPORTED_DATA


@pytest.mark.parametrize("checked_by", ["the server", "the application"])
async def test_a_frame_larger_than_the_limit_closes_the_connection_as_too_big(
    start_server: StartServer, checked_by: str
) -> None:
    # uvicorn enforces the limit itself when configured as `make run` configures it; the application checks too,
    # for servers configured otherwise.
    uvicorn = {"ws_max_size": 1 << 20} if checked_by == "the application" else None
    server = start_server(ws_max_message_size=4096, uvicorn=uvicorn)
    async with connected(server.ws_url, mint()) as client:
        ok = await client.request(PkgID.GET_AUTHORS, {"name": "x" * 100})
        await client.send({"pkg_id": PkgID.GET_AUTHORS, "req_id": str(uuid.uuid4()), "data": {"name": "x" * 5000}})
        code, _ = await _closed_with(client)

    assert ok["status_code"] == StatusCode.OK
    assert code == CloseCode.MESSAGE_TOO_BIG


# --- While it lasts ----------------------------------------------------------------------------------------------------


async def test_the_connection_is_closed_when_its_token_expires(start_server: StartServer) -> None:
    """Tokens are accepted up to 30 s (the clock leeway) past their exp; a connection lives as long as its
    token is accepted, so one that expired 28 s ago is accepted and closed about 2 s later."""
    server = start_server()
    async with connected(server.ws_url, mint(ttl=-28)) as client:
        ok = await client.request(PkgID.GET_AUTHORS, {})
        started = time.monotonic()
        code, reason = await _closed_with(client)

    assert ok["status_code"] == StatusCode.OK
    assert (code, reason) == (CloseCode.TOKEN_EXPIRED, "the access token expired; reconnect with a fresh one")
    assert time.monotonic() - started < 4


async def test_a_peer_that_stops_answering_pings_is_dropped(start_server: StartServer) -> None:
    server = start_server(ws_ping_interval=0.2, ws_ping_timeout=0.2)
    metrics = server.app.state.services.metrics
    raw = open_raw(server.port, mint())  # completes the upgrade, then neither reads nor answers pings: a dead peer
    try:
        await _until(lambda: metrics.value("ws_connections_active") == 1)
        await _until(lambda: metrics.value("ws_connections_active") == 0, within=5)
    finally:
        raw.close()


async def test_a_client_that_leaves_without_reading_its_replies_is_let_go(start_server: StartServer) -> None:
    """Its replies fill the outbox; once it is gone, the connection must end, not wait for room forever."""
    server = start_server(ws_send_queue_size=4, ws_max_concurrent_requests=2)
    metrics = server.app.state.services.metrics
    token = mint()
    async with connected(server.ws_url, token) as writer:
        for number in range(50):
            await writer.request(PkgID.CREATE_AUTHOR, {"name": f"Author {number} " + "x" * 150})
    raw = open_raw(server.port, token, receive_buffer=4096)
    for _ in range(600):
        send_text(raw, json.dumps({"pkg_id": PkgID.GET_AUTHORS, "req_id": str(uuid.uuid4()), "data": {}}))
    await _until(lambda: metrics.value("ws_connections_active") == 1)
    raw.close()

    await _until(lambda: metrics.value("ws_connections_active") == 0, within=10)


async def test_a_frame_nested_deeper_than_the_parser_goes_is_malformed(start_server: StartServer) -> None:
    server = start_server()
    async with connected(server.ws_url, mint()) as client:
        await client.connection.send("[" * 30_000 + "]" * 30_000)
        reply = await client.frame()

    assert (reply["status_code"], reply["data"]["message"]) == (StatusCode.MALFORMED, "the frame nests too deeply")


async def test_metrics_count_only_the_pkg_ids_of_the_spec(start_server: StartServer) -> None:
    server = start_server()
    async with connected(server.ws_url, mint()) as client:
        for pkg_id in (10**30, 10**30 + 1, -5, PkgID.GET_AUTHORS):
            await client.request(pkg_id, {})

    metrics = server.app.state.services.metrics
    samples = {
        sample.labels["pkg_id"]: sample.value
        for metric in metrics.registry.collect()
        if metric.name == "ws_message_processing_duration_seconds"
        for sample in metric.samples
        if sample.name.endswith("_count") and sample.value
    }
    assert samples == {"unknown": 3, str(int(PkgID.GET_AUTHORS)): 1}


async def test_requests_on_one_connection_are_answered_concurrently(
    start_server: StartServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _slow(monkeypatch, "get_author", seconds=1.0)
    server = start_server()
    async with connected(server.ws_url, mint()) as client:
        slow = str(uuid.uuid4())
        await client.send({"pkg_id": PkgID.GET_AUTHOR, "req_id": slow, "data": {"id": 1}})
        quick = [str(uuid.uuid4()) for _ in range(20)]
        for req_id in quick:
            await client.send({"pkg_id": PkgID.GET_AUTHORS, "req_id": req_id, "data": {}})
        first = await client.frame()
        answers = [first, *[await client.reply(req_id) for req_id in quick if req_id != first["req_id"]]]
        last = await client.reply(slow)

    assert first["req_id"] in quick  # the slow request did not hold up the ones sent after it
    assert sorted(answer["req_id"] for answer in answers) == sorted(quick)
    assert last["status_code"] == StatusCode.NOT_FOUND


async def test_at_the_bound_a_connection_waits_before_taking_more_requests(
    start_server: StartServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _slow(monkeypatch, "get_author", seconds=0.6)
    server = start_server(ws_max_concurrent_requests=2)
    async with connected(server.ws_url, mint()) as client:
        for _ in range(2):
            await client.send({"pkg_id": PkgID.GET_AUTHOR, "req_id": str(uuid.uuid4()), "data": {"id": 1}})
        started = time.monotonic()
        quick = await client.request(PkgID.GET_AUTHORS, {})

    assert quick["status_code"] == StatusCode.OK
    assert time.monotonic() - started >= 0.5  # both slots were taken: the third request waited for one


# --- Broadcasts --------------------------------------------------------------------------------------------------------


async def test_an_event_reaches_every_client_allowed_to_see_it(start_server: StartServer) -> None:
    server = start_server()
    async with (
        connected(server.ws_url, mint(["get-authors"])) as reader,
        connected(server.ws_url, mint(["create-author"])) as not_allowed,
        connected(server.ws_url, mint(["create-author", "get-authors"])) as creator,
    ):
        created = await creator.request(PkgID.CREATE_AUTHOR, {"name": "N. K. Jemisin"})
        event = await reader.frame()
        await not_allowed.request(PkgID.GET_AUTHORS, {})  # a reply, and no event before it

    assert event == {
        "pkg_id": PkgID.AUTHOR_CREATED,
        "req_id": None,
        "status_code": 0,
        "data": created["data"],
        "meta": None,
    }
    assert not_allowed.events == []
    assert [e["data"] for e in creator.events] in ([created["data"]], [])  # it may arrive after the reply


async def test_a_client_that_never_reads_is_closed_too_slow_and_holds_up_no_one(start_server: StartServer) -> None:
    server = start_server(ws_send_queue_size=8, ws_close_timeout=5)
    metrics = server.app.state.services.metrics
    big = Author.model_construct(id=1, name="x" * 60_000)  # large events fill a silent client's buffers quickly
    events = 300

    async def read_all(client: Client) -> int:
        return len([await client.frame() for _ in range(events)])

    silent = open_raw(server.port, mint(), receive_buffer=4096)  # completes the upgrade, then reads nothing
    try:
        async with connected(server.ws_url, mint()) as one, connected(server.ws_url, mint()) as two:
            readers = asyncio.gather(read_all(one), read_all(two))
            for _ in range(events):
                await server.acall(server.app.state.services.events.publish(author_created_event(big)))
            received = await readers
        # The silent client catches up at last: behind the events it missed, the server's close frame.
        frames = await asyncio.to_thread(read_frames, silent)
    finally:
        silent.close()

    assert received == [events, events]
    assert close_code(frames) == CloseCode.TOO_SLOW
    assert sum(1 for opcode, _ in frames if opcode == 0x1) < events  # it was dropped, not served everything
    await _until(
        lambda: (
            metrics.value("ws_connections_closed_total", code="too_slow") == 1
            and metrics.value("ws_connections_active") == 0
        )
    )


# --- Shutdown ------------------------------------------------------------------------------------------------------


async def test_shutdown_answers_in_flight_requests_then_closes_with_going_away(
    start_server: StartServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _slow(monkeypatch, "get_author", seconds=0.5)
    server = start_server()
    async with connected(server.ws_url, mint()) as client:
        req_id = str(uuid.uuid4())
        await client.send({"pkg_id": PkgID.GET_AUTHOR, "req_id": req_id, "data": {"id": 1}})
        await asyncio.sleep(0.1)  # the request is in flight
        stopping = asyncio.create_task(asyncio.to_thread(server.stop))
        answer = await client.reply(req_id)
        code, reason = await _closed_with(client)
        await stopping

    assert answer["status_code"] == StatusCode.NOT_FOUND
    assert (code, reason) == (CloseCode.GOING_AWAY, "the service is shutting down")


async def test_a_request_that_arrives_during_shutdown_still_gets_its_reply(
    start_server: StartServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _slow(monkeypatch, "get_author", seconds=0.6)
    server = start_server()
    async with connected(server.ws_url, mint()) as client:
        await client.send({"pkg_id": PkgID.GET_AUTHOR, "req_id": str(uuid.uuid4()), "data": {"id": 1}})
        await asyncio.sleep(0.1)
        stopping = asyncio.create_task(asyncio.to_thread(server.stop))
        await asyncio.sleep(0.2)  # the shutdown is waiting for the first request
        late = str(uuid.uuid4())
        await client.send({"pkg_id": PkgID.GET_AUTHORS, "req_id": late, "data": {}})
        refused = await client.reply(late)
        await client.connection.send("not json")
        malformed = await client.frame()
        code, _ = await _closed_with(client)
        await stopping

    assert refused["status_code"] == StatusCode.ERROR
    assert refused["data"]["message"] == "the service is shutting down; send it again on a new connection"
    assert (malformed["status_code"], malformed["data"]["message"]) == (StatusCode.MALFORMED, "the frame is not JSON")
    assert code == CloseCode.GOING_AWAY


@pytest.fixture
def served_process(tmp_path: Path) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """`python -m app serve` in its own process, as `make run` starts it: its port and the process."""
    database = f"sqlite+aiosqlite:///{tmp_path / 'served.db'}"
    migrate(database)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": database, "SIGNING_KEY": SIGNING_KEY_PEM, "LOG_LEVEL": "WARNING"}
    with (tmp_path / "serve.log").open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "app", "serve", "--port", str(port)], cwd=ROOT, env=env, stdout=log, stderr=log
        )
    try:
        yield port, process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


async def test_sigterm_closes_connections_with_going_away_and_then_the_process_exits(
    served_process: tuple[int, subprocess.Popen[bytes]],
) -> None:
    port, process = served_process
    url = f"ws://127.0.0.1:{port}/web"
    await _until_accepting(url)
    async with connected(url, mint()) as client:
        assert (await client.request(PkgID.GET_AUTHORS, {}))["status_code"] == StatusCode.OK
        process.send_signal(signal.SIGTERM)
        code, _ = await _closed_with(client)

    assert code == CloseCode.GOING_AWAY
    # uvicorn re-raises the signal it caught once its shutdown is complete, so the exit status is SIGTERM's.
    assert await asyncio.to_thread(process.wait, 20) == -signal.SIGTERM


# --- Helpers -------------------------------------------------------------------------------------------------------


async def _slow(monkeypatch: pytest.MonkeyPatch, method: str, *, seconds: float) -> None:
    """Make a WS handler method slow (before the application binds it)."""
    original = getattr(AuthorsWs, method)

    async def slow(self: AuthorsWs, ctx: object, data: object) -> object:
        await asyncio.sleep(seconds)
        return await original(self, ctx, data)

    monkeypatch.setattr(AuthorsWs, method, slow)


async def _until(condition: Callable[[], bool], within: float = 5) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "the condition did not come true in time"
        await asyncio.sleep(0.02)


async def _until_accepting(url: str) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            async with connected(url, mint()):
                return
        except (OSError, InvalidStatus):
            assert time.monotonic() < deadline, "the service did not start"
            await asyncio.sleep(0.1)
