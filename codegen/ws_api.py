"""The WebSocket API as its clients and readers see it: what the clients (`codegen/sdk/`) and the WebSocket
reference (`/docs/ws`) are rendered from.

It is built from the contract's WebSocket part (request messages, events, close codes, rate-limit policies)
and the bundled AsyncAPI document (`codegen.bundle.py`), which gives each message's JSON Schemas,
descriptions and security schemes. Nothing here reaches into the readers: a change to how the specs are read
reaches the clients and the reference through these few fields.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from codegen.bundle import Bundle
from codegen.contract import Contract, ModelRef, RatePolicy, WsEvent, WsOperation, pascal_case, snake_case
from codegen.examples import example

EXAMPLE_REQ_ID = str(uuid.UUID(int=0x0B6E4F4C8A7F4D539A651F2D3C4B5A69))


@dataclass(frozen=True)
class Message:
    """A request message the server answers, or an event it pushes."""

    kind: Literal["request", "event"]
    pkg_id: int
    name: str  # the AsyncAPI operation name, e.g. getAuthor
    enum_name: str  # GET_AUTHOR
    method_name: str  # get_author
    tag: str
    summary: str
    description: str
    roles: tuple[str, ...]
    data: str  # the name of the schema of `data` in the bundled document
    payload: dict[str, Any]  # the request envelope's schema (the event's, for an event)
    example: dict[str, Any]  # an example envelope: the request (or the event)
    # For requests only:
    rate_limit: RatePolicy | None = None  # None: unlimited
    reply_kind: Literal["model", "list", "page", "none"] | None = None  # what a success reply holds
    reply_model: str | None = None  # the schema of the reply's data (of its items, for a list or a page)
    reply_meta: str | None = None  # the schema of a page's meta
    reply_payload: dict[str, Any] | None = None  # the success reply envelope's schema
    reply_example: dict[str, Any] | None = None  # an example success reply

    @property
    def class_name(self) -> str:
        return pascal_case(self.name)

    @property
    def roles_text(self) -> str:
        if self.roles:
            return ", ".join(self.roles)
        return "any authenticated caller" if self.kind == "request" else "every client"

    @property
    def doc_line(self) -> str:
        """One line for a client method's documentation: what it is, who may send it, its rate limit."""
        policy = self.rate_limit.name if self.rate_limit else "unlimited"
        return f"pkg_id {self.pkg_id} {self.enum_name}: {self.summary} Roles: {self.roles_text}. Rate limit: {policy}."


@dataclass(frozen=True)
class Status:
    """A status code of a reply (`StatusCode` in the AsyncAPI document)."""

    code: int
    name: str  # RATE_LIMITED
    description: str
    exception: str  # the client's exception class, e.g. RateLimited; "" for OK


@dataclass(frozen=True)
class Close:
    """A close code of the channel (`x-close-codes`)."""

    code: int
    name: str
    description: str
    exception: str


@dataclass(frozen=True)
class Auth:
    name: str
    description: str


@dataclass(frozen=True)
class WsApi:
    title: str
    version: str
    description: str
    path: str
    channel_description: str
    auth: tuple[Auth, ...]
    max_connections_per_user: int | None
    rate_policies: tuple[RatePolicy, ...]
    default_policy: str | None
    messages: tuple[Message, ...]  # ordered by pkg_id
    statuses: tuple[Status, ...]
    close_codes: tuple[Close, ...]
    error_payload: dict[str, Any] | None  # the schema of the error reply, when the operations share one
    schemas: dict[str, Any]  # every schema of the bundled document, by name

    @property
    def requests(self) -> tuple[Message, ...]:
        return tuple(message for message in self.messages if message.kind == "request")

    @property
    def events(self) -> tuple[Message, ...]:
        return tuple(message for message in self.messages if message.kind == "event")


def ws_api(contract: Contract, bundle: Bundle) -> WsApi:
    """The WebSocket API of `contract`, its schemas taken from the bundled AsyncAPI document."""
    bundled = bundle.document
    document = _Bundled(bundled, bundle.renamed)
    info = bundled.get("info") or {}
    channel: dict[str, Any] = next(iter((bundled.get("channels") or {}).values()), {})
    policies = contract.rate_limits.policies
    messages = [document.request(op, policies.get(op.rate_limit or "")) for op in contract.ws]
    messages += [document.event(event) for event in contract.events]
    statuses = _statuses(document.schemas.get("StatusCode"))
    status_names = {status.exception for status in statuses}
    closes = tuple(
        Close(close.code, close.name, close.description, _close_exception(close.name, status_names))
        for close in sorted(contract.close_codes, key=lambda close: close.code)
    )
    error_payload = document.error_reply([op.name for op in contract.ws])
    return WsApi(
        title=str(info.get("title", "")),
        version=str(info.get("version", "")),
        description=str(info.get("description", "")),
        path=contract.ws_path,
        channel_description=str(channel.get("description", "")),
        auth=document.auth(),
        max_connections_per_user=contract.max_connections_per_user,
        rate_policies=tuple(policies.values()),
        default_policy=contract.rate_limits.default,
        messages=tuple(sorted(messages, key=lambda message: message.pkg_id)),
        statuses=statuses,
        close_codes=closes,
        error_payload=error_payload,
        schemas=document.schemas,
    )


class _Bundled:
    """Reads the bundled document, where every `$ref` is a pointer into the document itself."""

    def __init__(self, data: dict[str, Any], renamed: dict[str, str]) -> None:
        self.data = data
        self.renamed = renamed
        self.schemas: dict[str, Any] = (data.get("components") or {}).get("schemas") or {}

    def deref(self, node: Any) -> Any:
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
            target: Any = self.data
            for step in node["$ref"][2:].split("/"):
                target = target[step.replace("~1", "/").replace("~0", "~")]
            node = target
        return node

    def name(self, ref: ModelRef | None) -> str | None:
        """The name of a contract's model in the bundle (a schema of openapi.yaml may have been renamed)."""
        if ref is None:
            return None
        return self.renamed.get(ref.name, ref.name) if ref.module == "rest" else ref.name

    def message(self, ref: Any) -> dict[str, Any]:
        message: dict[str, Any] = self.deref(ref)
        return message

    def payload(self, message: dict[str, Any]) -> dict[str, Any]:
        payload = message.get("payload") or {}
        if isinstance(payload, dict) and "schemaFormat" in payload:
            payload = payload.get("schema") or {}
        resolved: dict[str, Any] = self.deref(payload)
        return resolved

    def request(self, op: WsOperation, policy: RatePolicy | None) -> Message:
        operation = self.data["operations"][op.name]
        replies = [self.payload(self.message(ref)) for ref in self.deref(operation["reply"])["messages"]]
        reply = next(r for r in replies if (r.get("properties") or {}).get("status_code", {}).get("const") == 0)
        return self._message(
            "request",
            op,
            data=str(self.name(op.data)),
            rate_limit=policy,
            reply_kind=op.reply.kind,
            reply_model=self.name(op.reply.model),
            reply_meta=self.name(op.reply.meta),
            reply_payload=reply,
            reply_example={**example(reply, self.schemas), "req_id": EXAMPLE_REQ_ID},
        )

    def event(self, event: WsEvent) -> Message:
        return self._message("event", event, data=str(self.name(event.data)))

    def _message(self, kind: Literal["request", "event"], op: WsOperation | WsEvent, **fields: Any) -> Message:
        """What a request and an event share: names, roles, the payload and its example."""
        operation = self.data["operations"][op.name]
        message = self.message(operation["messages"][0])
        payload = self.payload(message)
        return Message(
            kind=kind,
            pkg_id=op.pkg_id,
            name=op.name,
            enum_name=op.enum_name,
            method_name=snake_case(op.name),
            tag=op.tag,
            summary=op.summary,
            description=str(operation.get("description") or message.get("description") or ""),
            roles=op.roles,
            payload=payload,
            example=self._example(message, payload, req_id=EXAMPLE_REQ_ID if kind == "request" else None),
            **fields,
        )

    def _example(self, message: dict[str, Any], payload: dict[str, Any], req_id: str | None) -> dict[str, Any]:
        given = message.get("examples")
        if isinstance(given, list) and given and isinstance(given[0], dict) and "payload" in given[0]:
            chosen: dict[str, Any] = given[0]["payload"]
            return chosen
        made: dict[str, Any] = example(payload, self.schemas)
        return {**made, "req_id": req_id}

    def error_reply(self, names: list[str]) -> dict[str, Any] | None:
        """The error reply every request operation lists beside its success reply, if they share one."""
        found: list[dict[str, Any]] = []
        for name in names:
            for ref in self.deref(self.data["operations"][name]["reply"])["messages"]:
                payload = self.payload(self.message(ref))
                status = (payload.get("properties") or {}).get("status_code") or {}
                if "const" not in status and payload not in found:
                    found.append(payload)
        return found[0] if len(found) == 1 else None

    def auth(self) -> tuple[Auth, ...]:
        schemes = (self.data.get("components") or {}).get("securitySchemes") or {}
        return tuple(Auth(name, str(self.deref(scheme).get("description", ""))) for name, scheme in schemes.items())


_STATUS_LINE = re.compile(r"^\s*(\d+)\s+([A-Z][A-Z0-9_]*)\s*:\s*(.*)$")


def _statuses(schema: Any) -> tuple[Status, ...]:
    """The status codes of `StatusCode`: its enum, named by `x-enum-varnames`, described by its description's
    lines of the form `<code> <NAME>: text`."""
    if not isinstance(schema, dict) or not isinstance(schema.get("enum"), list):
        return ()
    names = schema.get("x-enum-varnames") or [f"STATUS_{code}" for code in schema["enum"]]
    descriptions: dict[int, str] = {}
    current: int | None = None
    for line in str(schema.get("description", "")).splitlines():
        match = _STATUS_LINE.match(line)
        if match:
            current = int(match.group(1))
            descriptions[current] = match.group(3).strip()
        elif current is not None and line.startswith((" ", "\t")) and line.strip():
            descriptions[current] += " " + line.strip()
        else:
            current = None
    return tuple(
        Status(int(code), str(name), descriptions.get(int(code), ""), "" if code == 0 else _status_exception(name))
        for code, name in zip(schema["enum"], names, strict=False)
    )


def _status_exception(name: str) -> str:
    # A bare ERROR would make a class named Error, which says nothing beside the others; it is the server's.
    pascal = pascal_case(name.lower())
    return "ServerError" if pascal == "Error" else pascal


def _close_exception(name: str, taken: set[str]) -> str:
    pascal = pascal_case(name.lower())
    return f"{pascal}Close" if pascal in taken or pascal == "ServerError" else pascal
