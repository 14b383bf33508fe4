"""An AsyncAPI-driven fuzzer for /web: envelopes generated from the spec's own message schemas, valid ones
and ones that break them, plus mutated envelopes and arbitrary JSON and text, sent over one real connection
to a served instance. Every text frame must get exactly one reply, carrying the request's req_id when it had
a readable one; every reply and event must validate against a schema the spec gives for it; and the service
must stay up. WS_FUZZ_EXAMPLES sets how many frames (500 by default).

The envelopes come from schemathesis' JSON Schema generator, the one that fuzzes the REST API: each request
envelope schema is offered to it as the body of an operation, in positive mode (valid envelopes) and in
negative mode (envelopes that break the schema, and bytes that are not JSON at all)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft7Validator, FormatChecker
from schemathesis import GenerationMode
from websockets.sync.client import ClientConnection, connect

from app.main import create_app
from generated.ws.protocol import WS_PATH
from tests.conftest import settings_for
from tests.support.asyncapi import error_reply_schema, event_schemas, request_replies, strategies
from tests.support.live import LiveServer
from tests.support.tokens import mint

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("WS_FUZZ_EXAMPLES", "500"))
OPERATIONS = request_replies()
REPLIES = {operation.pkg_id: operation.replies for operation in OPERATIONS}
ERROR_REPLY = Draft7Validator(error_reply_schema(), format_checker=FormatChecker())
EVENTS = {pkg_id: Draft7Validator(schema, format_checker=FormatChecker()) for pkg_id, schema in event_schemas().items()}
UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _envelopes(mode: GenerationMode) -> st.SearchStrategy[Any]:
    """Envelopes of every request message, generated from their schemas in the spec."""
    return st.one_of(*strategies({op.name: op.request for op in OPERATIONS}, mode).values())


valid_envelopes = _envelopes(GenerationMode.POSITIVE)
invalid_envelopes = _envelopes(GenerationMode.NEGATIVE)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=40,
)


@st.composite
def mutated_envelopes(draw: st.DrawFn) -> dict[str, Any]:
    """A valid envelope with one thing wrong: a member gone, of another type, or another message's pkg_id."""
    envelope = dict(draw(valid_envelopes))  # type: ignore[arg-type]
    member = draw(st.sampled_from(["pkg_id", "req_id", "data"]))
    mutation = draw(st.sampled_from(["drop", "replace", "other pkg_id"]))
    if mutation == "drop":
        envelope.pop(member)
    elif mutation == "replace":
        envelope[member] = draw(json_values)
    else:
        envelope["pkg_id"] = draw(st.sampled_from([op.pkg_id for op in OPERATIONS]) | st.integers())
    return envelope


def _frame(body: Any) -> str:
    """A text frame for a generated body: JSON, or as text when the generator produced raw bytes."""
    raw = getattr(body, "data", body)  # negative mode may give bytes that are not JSON
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else json.dumps(raw)


frames = st.one_of(
    valid_envelopes.map(_frame),
    invalid_envelopes.map(_frame),
    mutated_envelopes().map(json.dumps),
    json_values.map(json.dumps),
    st.text(max_size=60),
    st.integers(1, 30_000).map(lambda depth: "[" * depth + "]" * depth),  # nesting beyond any parser's depth
)


@dataclass(frozen=True)
class Target:
    http_url: str
    token: str

    @property
    def ws_url(self) -> str:
        return self.http_url.replace("http", "ws", 1) + WS_PATH


@pytest.fixture(scope="module")
def server(request: pytest.FixtureRequest) -> Iterator[Target]:
    """A served instance of its own; or, with WS_FUZZ_URL (make fuzz), the one there, with API_TOKEN."""
    url = os.environ.get("WS_FUZZ_URL")
    if url:
        yield Target(url.rstrip("/"), os.environ["API_TOKEN"])
        return
    served = LiveServer(create_app(settings_for(request.getfixturevalue("sqlite_url")))).start()
    yield Target(served.http_url, mint())
    served.stop()


@pytest.fixture(scope="module")
def connection(server: Target) -> Iterator[ClientConnection]:
    with connect(server.ws_url, additional_headers={"Authorization": f"Bearer {server.token}"}) as opened:
        yield opened


SENT = [0]  # frames sent by the fuzzing test, reported by the last one (make fuzz prints it)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frame=frames)
def test_every_frame_gets_one_reply_that_the_spec_allows(connection: ClientConnection, frame: str) -> None:
    connection.send(frame)
    SENT[0] += 1

    reply = _next_reply(connection)

    assert reply["req_id"] == _readable_req_id(frame), (frame, reply)
    errors = _violations(reply)
    assert not errors, f"the reply breaks every reply schema of the spec: {errors}\nframe: {frame}\nreply: {reply}"
    if reply["req_id"] is None:  # nothing to tell two replies apart by: make sure there was only one
        with pytest.raises(TimeoutError):
            _next_reply(connection, within=0.02)


def test_the_service_is_still_up_after_the_fuzzing(
    server: Target, connection: ClientConnection, record_property: Callable[[str, object], None]
) -> None:
    record_property("frames", SENT[0])
    connection.send(json.dumps({"pkg_id": 1, "req_id": "00000000-0000-4000-8000-000000000000", "data": {}}))

    assert _next_reply(connection)["status_code"] == 0
    assert httpx.get(f"{server.http_url}/health").status_code == 200


def _next_reply(connection: ClientConnection, within: float = 10) -> dict[str, Any]:
    """The next frame that is not a server event (events are checked against their own schema on the way)."""
    while True:
        frame: dict[str, Any] = json.loads(connection.recv(timeout=within))
        if frame["req_id"] is None and frame["status_code"] == 0 and frame["pkg_id"] in EVENTS:
            assert not list(EVENTS[frame["pkg_id"]].iter_errors(frame)), frame
            continue
        return frame


def _readable_req_id(frame: str) -> str | None:
    try:
        envelope = json.loads(frame)
    except (ValueError, RecursionError):
        return None
    req_id = envelope.get("req_id") if isinstance(envelope, dict) else None
    return req_id if isinstance(req_id, str) and UUID.fullmatch(req_id) else None


def _violations(reply: dict[str, Any]) -> list[str]:
    """Why `reply` matches none of the schemas the spec allows for it (empty when it matches one)."""
    if reply["status_code"] != 0:
        return [error.message for error in ERROR_REPLY.iter_errors(reply)]
    candidates = [
        Draft7Validator(schema, format_checker=FormatChecker()) for schema in REPLIES.get(reply["pkg_id"], [])
    ]
    found = [[error.message for error in candidate.iter_errors(reply)] for candidate in candidates]
    return [] if any(not errors for errors in found) else [message for errors in found for message in errors]
