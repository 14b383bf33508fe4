"""Every request gets one reply with its req_id and a documented status code, and the connection stays open.
Against the application served over TCP, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import logging
import uuid

import httpx
import pytest

from app.handlers.authors import AuthorsWs
from generated.ws.models import StatusCode
from generated.ws.protocol import PkgID
from tests.support.live import LiveServer
from tests.support.tokens import mint
from tests.support.wsclient import connected
from tests.ws.conftest import StartServer


async def test_a_client_creates_reads_pages_changes_and_deletes_authors(server: LiveServer) -> None:
    async with connected(server.ws_url, mint()) as client:
        created = await client.request(PkgID.CREATE_AUTHOR, {"name": "Ursula K. Le Guin"})
        author = created["data"]
        got = await client.request(PkgID.GET_AUTHOR, {"id": author["id"]})
        listed = await client.request(PkgID.GET_AUTHORS, {"name": "le guin"})
        page = await client.request(PkgID.GET_PAGINATED_AUTHORS, {"page": 1, "per_page": 5})
        changed = await client.request(PkgID.UPDATE_AUTHOR, {"id": author["id"], "name": "U. K. Le Guin"})
        deleted = await client.request(PkgID.DELETE_AUTHOR, {"id": author["id"]})
        gone = await client.request(PkgID.GET_AUTHOR, {"id": author["id"]})

    assert created == {"pkg_id": 3, "req_id": created["req_id"], "status_code": 0, "data": author, "meta": None}
    assert got["data"] == author
    assert listed["data"] == [author]
    assert page["data"] == [author]
    assert page["meta"] == {"page": 1, "per_page": 5, "total": 1, "pages": 1}
    assert changed["data"] == {"id": author["id"], "name": "U. K. Le Guin"}
    assert (deleted["status_code"], deleted["data"]) == (StatusCode.OK, None)
    assert (gone["status_code"], gone["data"]["message"]) == (
        StatusCode.NOT_FOUND,
        f"there is no author {author['id']}",
    )


async def test_data_that_breaks_its_schema_is_invalid_data_with_each_problem_located(server: LiveServer) -> None:
    async with connected(server.ws_url, mint()) as client:
        reply = await client.request(PkgID.UPDATE_AUTHOR, {"id": 0, "name": "", "extra": True})
        still_open = await client.request(PkgID.GET_AUTHORS, {})

    assert reply["status_code"] == StatusCode.INVALID_DATA
    assert [(error["loc"], error["type"]) for error in reply["data"]["errors"]] == [
        (["data", "id"], "greater_than_equal"),
        (["data", "name"], "string_too_short"),
        (["data", "extra"], "extra_forbidden"),
    ]
    assert still_open["status_code"] == StatusCode.OK


async def test_a_message_the_roles_do_not_allow_is_permission_denied_before_its_data_is_read(
    server: LiveServer,
) -> None:
    async with connected(server.ws_url, mint(["get-authors"])) as client:
        denied = await client.request(PkgID.CREATE_AUTHOR, {"name": ""})
        allowed = await client.request(PkgID.GET_AUTHORS, {})

    assert denied["status_code"] == StatusCode.PERMISSION_DENIED
    assert denied["data"] == {"message": "this message needs the roles create-author"}
    assert allowed["status_code"] == StatusCode.OK


async def test_deleting_an_author_with_books_is_a_conflict(server: LiveServer) -> None:
    token = mint()
    async with httpx.AsyncClient(base_url=server.http_url, headers={"Authorization": f"Bearer {token}"}) as http:
        author = (await http.post("/api/v1/authors", json={"name": "A"})).json()
        book = {"title": "B", "isbn": "9780060512750", "author_id": author["id"], "publication_date": "2001-01-01"}
        assert (await http.post("/api/v1/books", json=book)).status_code == 201

    async with connected(server.ws_url, token) as client:
        reply = await client.request(PkgID.DELETE_AUTHOR, {"id": author["id"]})

    assert reply["status_code"] == StatusCode.CONFLICT
    assert "still has books" in reply["data"]["message"]


@pytest.mark.parametrize(
    ("pkg_id", "message"),
    [(99, "no message has pkg_id 99"), (PkgID.AUTHOR_CREATED, "pkg_id 7 is an event the server sends, not a request")],
)
async def test_a_pkg_id_that_names_no_request_is_unknown(server: LiveServer, pkg_id: int, message: str) -> None:
    async with connected(server.ws_url, mint()) as client:
        reply = await client.request(pkg_id, {})

    assert (reply["pkg_id"], reply["status_code"], reply["data"]["message"]) == (
        pkg_id,
        StatusCode.UNKNOWN_PKG_ID,
        message,
    )


REQ_ID = str(uuid.uuid4())


@pytest.mark.parametrize(
    ("frame", "pkg_id", "req_id", "problem"),
    [
        ("not json", None, None, "the frame is not JSON"),
        ("[1, 2]", None, None, "the frame is not a JSON object (the request envelope)"),
        (json.dumps({"req_id": REQ_ID, "data": {}}), None, REQ_ID, ["pkg_id"]),
        (json.dumps({"pkg_id": True, "req_id": REQ_ID, "data": {}}), None, REQ_ID, ["pkg_id"]),
        (json.dumps({"pkg_id": 4, "req_id": "urn:uuid:" + REQ_ID, "data": {}}), 4, None, ["req_id"]),
        (json.dumps({"pkg_id": 4, "data": {}}), 4, None, ["req_id"]),
    ],
    ids=["not JSON", "not an object", "no pkg_id", "boolean pkg_id", "req_id not a plain UUID", "no req_id"],
)
async def test_a_malformed_envelope_is_answered_with_what_could_be_read(
    server: LiveServer, frame: str, pkg_id: int | None, req_id: str | None, problem: object
) -> None:
    async with connected(server.ws_url, mint()) as client:
        await client.connection.send(frame)
        reply = await client.frame()
        still_open = await client.request(PkgID.GET_AUTHORS, {})

    assert (reply["pkg_id"], reply["req_id"], reply["status_code"]) == (pkg_id, req_id, StatusCode.MALFORMED)
    if isinstance(problem, str):
        assert reply["data"] == {"message": problem}
    else:
        assert [error["loc"] for error in reply["data"]["errors"]] == [problem]
    assert still_open["status_code"] == StatusCode.OK


async def test_a_request_without_data_is_invalid_data(server: LiveServer) -> None:
    async with connected(server.ws_url, mint()) as client:
        await client.send({"pkg_id": PkgID.GET_AUTHORS, "req_id": REQ_ID})
        reply = await client.reply(REQ_ID)

    assert reply["status_code"] == StatusCode.INVALID_DATA
    assert reply["data"]["errors"] == [{"loc": ["data"], "msg": "Field required", "type": "missing"}]


async def test_the_token_may_come_in_the_query_string(server: LiveServer) -> None:
    async with connected(server.ws_url, mint(), via="query") as client:
        reply = await client.request(PkgID.GET_AUTHORS, {})

    assert reply["status_code"] == StatusCode.OK


async def test_a_handler_failure_is_error_with_a_logged_reference_and_nothing_leaked(
    start_server: StartServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(self: AuthorsWs, ctx: object, data: object) -> None:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(AuthorsWs, "get_author", broken)
    server = start_server()
    async with connected(server.ws_url, mint()) as client:
        with caplog.at_level(logging.ERROR, logger="app.ws.dispatcher"):
            failed = await client.request(PkgID.GET_AUTHOR, {"id": 1})
        still_open = await client.request(PkgID.GET_AUTHORS, {})

    assert failed["status_code"] == StatusCode.ERROR
    assert "secret" not in json.dumps(failed)
    reference = failed["data"]["message"].rsplit(" ", 1)[-1]
    assert any(reference in record.getMessage() and record.exc_info for record in caplog.records)
    assert still_open["status_code"] == StatusCode.OK
