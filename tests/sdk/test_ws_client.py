"""The Python WebSocket client codegen renders from spec/asyncapi.yaml, against a served instance: a typed method
for every request message, concurrent calls on one connection, an exception per status and close code, typed
events, and a reconnection with a fresh token after the service restarts."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import typing
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from codegen.contract import snake_case
from generated.ws.models import StatusCode
from generated.ws.protocol import MESSAGES, CloseCode, PkgID
from tests.sdk.conftest import PythonClients, Service
from tests.sdk.test_python_sdk import login

pytestmark = pytest.mark.slow

REQUESTS = sorted(pkg_id for pkg_id, message in MESSAGES.items() if message.kind == "request")
EVENTS = sorted(pkg_id for pkg_id, message in MESSAGES.items() if message.kind == "event")


def _conforms(value: Any, hint: Any) -> bool:
    """Whether `value` is what a method annotated `-> hint` promises (its models, lists and pages)."""
    if hint is None or hint is type(None):
        return value is None
    origin = typing.get_origin(hint) or hint
    if not isinstance(value, origin):
        return False
    if origin is list:
        return all(_conforms(item, typing.get_args(hint)[0]) for item in value)
    return True


def _method(sdk: PythonClients, pkg_id: PkgID) -> Callable[..., Awaitable[Any]]:
    method: Callable[..., Awaitable[Any]] = getattr(sdk.module("client").WsClient, snake_case(MESSAGES[pkg_id].name))
    return method


def test_the_client_has_a_typed_method_for_every_request_message(python_clients: PythonClients) -> None:
    client = python_clients.module("client")

    assert {int(pkg_id) for pkg_id in client.PkgID} == {int(pkg_id) for pkg_id in MESSAGES}
    for pkg_id in REQUESTS:
        hints = typing.get_type_hints(_method(python_clients, pkg_id), vars(client))
        assert set(hints) == {"data", "timeout", "return"}, pkg_id
    events = [cls for cls in vars(client).values() if isinstance(cls, type) and issubclass(cls, client.Event)]
    assert sorted(event.pkg_id for event in events if event is not client.Event) == EVENTS


async def test_every_request_message_once_with_the_examples_of_the_reference(
    python_clients: PythonClients, service: Service
) -> None:
    """Each message with the example /docs/ws shows for it, in pkg_id order (a creation comes before the reads
    of what it created): a typed reply, or a status the spec gives for the state of the data."""
    sdk = python_clients
    examples = {message.pkg_id: message.example["data"] for message in sdk.clients.api.requests}
    client, errors = sdk.module("client"), sdk.module("errors")
    outcomes = {}
    token = await login(sdk, service.url, "writer")

    async with client.WsClient(service.url, token=token) as ws:
        for pkg_id in REQUESTS:
            method = _method(sdk, pkg_id)
            hints = typing.get_type_hints(method, vars(client))
            data = hints["data"]
            model = next((arg for arg in typing.get_args(data) if arg is not type(None)), data)
            try:
                result = await method(ws, model.model_validate(examples[pkg_id]))
            except (errors.NotFound, errors.Conflict) as exc:
                outcomes[pkg_id] = type(exc).__name__
            else:
                assert _conforms(result, hints["return"]), (pkg_id, result)
                outcomes[pkg_id] = "OK"

    assert sorted(outcomes) == REQUESTS
    assert "OK" in outcomes.values()


async def test_a_hundred_concurrent_calls_on_one_connection_each_get_their_own_reply(
    python_clients: PythonClients, service: Service
) -> None:
    client, models, errors = (python_clients.module(name) for name in ("client", "models", "errors"))
    token = await login(python_clients, service.url, "writer")

    async with client.WsClient(service.url, token=token) as ws:
        authors = [await ws.create_author(models.AuthorCreate(name=f"Author {n}")) for n in range(10)]
        wanted = [authors[n % 10].id if n % 7 else 1_000_000 + n for n in range(100)]
        replies = await asyncio.gather(
            *(ws.get_author(models.AuthorRef(id=author_id)) for author_id in wanted), return_exceptions=True
        )
        still_serving = await ws.get_authors()

    assert ws.connections == 1
    for author_id, reply in zip(wanted, replies, strict=True):
        if author_id >= 1_000_000:
            assert isinstance(reply, errors.NotFound)
            assert reply.message == f"there is no author {author_id}"
        else:
            assert reply == next(author for author in authors if author.id == author_id)
    assert {author.id for author in still_serving} == {author.id for author in authors}


async def test_statuses_other_than_ok_raise_their_typed_exceptions(
    python_clients: PythonClients, service: Service
) -> None:
    client, models, errors = (python_clients.module(name) for name in ("client", "models", "errors"))
    writer = await login(python_clients, service.url, "writer")
    nobody = await login(python_clients, service.url, "nobody")

    async with client.WsClient(service.url, token=writer) as ws, client.WsClient(service.url, token=nobody) as bare:
        with pytest.raises(errors.PermissionDenied) as denied:
            await bare.create_author(models.AuthorCreate(name="X"))
        with pytest.raises(errors.InvalidData) as invalid:
            await ws.get_author(models.AuthorRef.model_construct(id=0))  # past the client's own validation
        with pytest.raises(errors.NotFound) as missing:
            await ws.get_author(models.AuthorRef(id=123456))

    assert denied.value.code == denied.value.status_code == StatusCode.PERMISSION_DENIED
    assert "create-author" in denied.value.message
    assert invalid.value.code == StatusCode.INVALID_DATA
    assert [(error["loc"], error["type"]) for error in invalid.value.errors] == [(["data", "id"], "greater_than_equal")]
    assert (missing.value.code, missing.value.pkg_id) == (StatusCode.NOT_FOUND, PkgID.GET_AUTHOR)


async def test_a_request_past_the_budget_raises_rate_limited_with_retry_after(
    python_clients: PythonClients, service: Service
) -> None:
    client, models, errors = (python_clients.module(name) for name in ("client", "models", "errors"))
    limited = service.start(rate_limit_scale=0.001)  # every policy down to one request per window
    token = await login(python_clients, service.url, "writer")  # the first instance: its login budget is whole

    async with client.WsClient(limited.http_url, token=token) as ws:
        await ws.create_author(models.AuthorCreate(name="First"))
        with pytest.raises(errors.RateLimited) as limited_error:
            await ws.create_author(models.AuthorCreate(name="Second"))
        still_open = await ws.get_authors()

    assert limited_error.value.retry_after is not None
    assert limited_error.value.retry_after >= 1
    assert [author.name for author in still_open] == ["First"]


async def test_a_call_past_its_timeout_raises_and_the_connection_keeps_serving(
    python_clients: PythonClients, service: Service
) -> None:
    client, errors = python_clients.module("client"), python_clients.module("errors")
    token = await login(python_clients, service.url, "writer")

    async with client.WsClient(service.url, token=token) as ws:
        await ws.connect()
        with pytest.raises(errors.RequestTimeout):
            await ws.get_authors(timeout=0.000_001)
        after = await ws.get_authors(timeout=10)

    assert after == []


async def test_a_refused_token_surfaces_as_the_close_codes_exception(
    python_clients: PythonClients, service: Service
) -> None:
    client, errors = python_clients.module("client"), python_clients.module("errors")

    async with client.WsClient(service.url, token="not a token") as ws:
        with pytest.raises(errors.ConnectionClosed) as closed:
            await ws.get_authors()

    assert type(closed.value).__name__ == "PolicyViolation"
    assert closed.value.code == CloseCode.POLICY_VIOLATION


async def test_an_author_created_by_one_client_is_an_event_for_another(
    python_clients: PythonClients, service: Service
) -> None:
    client, models = python_clients.module("client"), python_clients.module("models")
    token = await login(python_clients, service.url, "writer")

    async with client.WsClient(service.url, token=token) as creator, client.WsClient(service.url, token=token) as other:
        await other.connect()
        async with other.events(client.AuthorCreated) as events:
            created = await creator.create_author(models.AuthorCreate(name="Octavia E. Butler"))
            event = await events.next(timeout=10)

    assert isinstance(event, client.AuthorCreated)
    assert event.pkg_id == PkgID.AUTHOR_CREATED
    assert event.data == created


async def test_after_a_restart_the_client_reconnects_with_a_fresh_token(
    python_clients: PythonClients, service: Service
) -> None:
    client, models, runtime = (python_clients.module(name) for name in ("client", "models", "_runtime"))
    tokens: list[str] = []

    async def fresh_token() -> str:
        tokens.append(await login(python_clients, service.url, "writer"))
        return tokens[-1]

    first = service.server
    async with client.WsClient(
        first.http_url, token=fresh_token, reconnect=runtime.Backoff(initial=0.05, maximum=0.5)
    ) as ws:
        before = await ws.create_author(models.AuthorCreate(name="Before"))
        await asyncio.to_thread(first.stop)
        service.server = service.start(port=first.port)  # the same database, where the login lives too
        after = await ws.get_author(models.AuthorRef(id=before.id), timeout=30)

    assert after == before
    assert ws.connections == 2
    assert len(tokens) >= 2
    assert tokens[-1] != tokens[0]


def test_the_generated_client_passes_mypy_strict(python_clients: PythonClients, tmp_path: Path) -> None:
    """Client teams type-check their code against it: the client itself must be clean."""
    checked = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--cache-dir",
            str(tmp_path),
            python_clients.clients.python_ws_package,
        ],
        cwd=python_clients.clients.python_ws,
        capture_output=True,
        text=True,
        check=False,
    )

    assert checked.returncode == 0, checked.stdout + checked.stderr
