"""The code rendered from the minimal fixture works as its specs say: routes, Location, tables, binding.

The golden files pin the text; these tests prove the text is right. The rendered package is named `generated`,
as this repository's own is, so it runs in a fresh interpreter with the rendering's root on its path.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.codegen.conftest import Rendering
from tests.codegen.support import run_python

# Implements the fixture's interfaces with canned answers, serves them with FastAPI, and prints what it saw.
_EXERCISE = """
import asyncio, json
from fastapi import FastAPI
from fastapi.testclient import TestClient
from generated.permissions import REST_PERMISSIONS, WS_PERMISSIONS
from generated.registry import UnboundHandlersError, bind, build_routers, build_ws_table
from generated.rest.models import Health, Note, NoteList, PageMeta
from generated.rest.notes import NotesHandlers
from generated.rest.operations import OperationId
from generated.rest.system import SystemHandlers
from generated.ws._runtime import WsPage
from generated.ws.models import PageRequest
from generated.ws.notes import NotesWsHandlers, note_created_event
from generated.ws.protocol import PkgID

calls = []

class System(SystemHandlers[None]):
    async def get_health(self, ctx):
        return Health(status="ok")

class Notes(NotesHandlers[None]):
    async def list_notes(self, ctx, *, limit):
        calls.append(["list_notes", limit])
        return NoteList(items=[])
    async def create_note(self, ctx, *, body):
        return Note(id=7, text=body.text)
    async def get_note(self, ctx, *, note_id):
        return Note(id=note_id, text="x")
    async def delete_note(self, ctx, *, note_id):
        calls.append(["delete_note", note_id])

class NotesWs(NotesWsHandlers[None]):
    async def get_notes(self, ctx, data):
        return [Note(id=1, text="a")]
    async def get_note_page(self, ctx, data):
        return WsPage([Note(id=1, text="a")], PageMeta(page=data.page, pages=1))

try:
    bind([System, Notes])
    unbound = None
except UnboundHandlersError as exc:
    unbound = str(exc)

handlers = bind([System, Notes, NotesWs])
released = []
class Contexts:
    def dependency(self, operation):
        async def provide():
            return str(operation)
        return provide
    async def release(self, ctx):
        released.append(ctx)
app = FastAPI()
for router in build_routers(handlers, Contexts()):
    app.include_router(router)
client = TestClient(app)
created = client.post("/notes", json={"text": "hi"})
deleted = client.delete("/notes/3")
route = build_ws_table(handlers)[PkgID.GET_NOTE_PAGE]
page = route.encode(asyncio.run(route.handler(None, PageRequest(page=2))))

def allows(access, *roles):
    return access.allows(frozenset(roles))

print(json.dumps({
    "unbound": unbound,
    "list": client.get("/notes").status_code,
    "too_many": client.get("/notes", params={"limit": 51}).status_code,
    "created": [created.status_code, created.headers.get("location"), created.json()],
    "deleted": [deleted.status_code, deleted.content.decode()],
    "calls": calls,
    "ws_routes": sorted(int(pkg_id) for pkg_id in build_ws_table(handlers)),
    "page": page,
    "event": [int(note_created_event(Note(id=1, text="a")).pkg_id)],
    "health_public": REST_PERMISSIONS[OperationId.GET_HEALTH].public,
    "list_notes": [allows(REST_PERMISSIONS[OperationId.LIST_NOTES], *roles)
                   for roles in (["read-notes"], ["admin"], ["write-notes"], [])],
    "note_page": [allows(WS_PERMISSIONS[PkgID.GET_NOTE_PAGE], *roles)
                  for roles in (["read-notes"], ["admin"], ["read-notes", "admin"])],
    "note_created": allows(WS_PERMISSIONS[PkgID.NOTE_CREATED]),
    "released": released,
}))
"""


@pytest.fixture(scope="module")
def exercised(minimal_rendering: Rendering) -> dict[str, Any]:
    result = run_python(minimal_rendering.root, _EXERCISE)
    assert result.returncode == 0, result.stderr
    observed: dict[str, Any] = json.loads(result.stdout)
    return observed


def test_query_parameter_default_from_the_spec_reaches_the_handler(exercised: dict[str, Any]) -> None:
    assert exercised["list"] == 200
    assert ["list_notes", 10] in exercised["calls"]


def test_query_parameter_constraints_from_the_spec_are_enforced(exercised: dict[str, Any]) -> None:
    assert exercised["too_many"] == 422  # limit: maximum 50


def test_create_answers_201_with_location_derived_from_the_link(exercised: dict[str, Any]) -> None:
    assert exercised["created"] == [201, "/notes/7", {"id": 7, "text": "hi"}]


def test_204_operation_answers_without_a_body(exercised: dict[str, Any]) -> None:
    assert exercised["deleted"] == [204, ""]
    assert ["delete_note", 3] in exercised["calls"]


def test_every_context_a_handler_got_is_released_afterwards(exercised: dict[str, Any]) -> None:
    # Each operation's context once its handler ran; the request refused by validation (422) never ran one.
    assert exercised["released"] == ["createNote", "deleteNote", "listNotes"]


def test_ws_table_dispatches_request_messages_and_encodes_a_page(exercised: dict[str, Any]) -> None:
    assert exercised["ws_routes"] == [1, 2]  # requests only; the event (3) is pushed, never dispatched
    assert exercised["page"] == [[{"id": 1, "text": "a"}], {"page": 2, "pages": 1}]
    assert exercised["event"] == [3]


def test_security_alternatives_and_x_roles_become_the_permission_tables(exercised: dict[str, Any]) -> None:
    assert exercised["health_public"] is True
    assert exercised["list_notes"] == [True, True, False, False]  # read-notes OR admin
    assert exercised["note_page"] == [False, False, True]  # read-notes AND admin
    assert exercised["note_created"] is True  # x-roles: [] is any authenticated client


def test_binding_without_a_ws_implementation_names_every_missing_pkg_id(exercised: dict[str, Any]) -> None:
    unbound = exercised["unbound"]
    assert unbound.startswith("cannot start: 2 operations or pkg_ids without an implementation\n")
    assert "pkg_id 1 GET_NOTES (getNotes): no class implements NotesWsHandlers" in unbound
    assert "pkg_id 2 GET_NOTE_PAGE (getNotePage): no class implements NotesWsHandlers" in unbound
