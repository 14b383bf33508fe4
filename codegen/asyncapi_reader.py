"""Reads spec/asyncapi.yaml into the contract's WebSocket operations and events, with located problems.

What codegen reads from an AsyncAPI 3.0 document:
- one channel (the WebSocket endpoint, e.g. `/web`);
- `receive` operations with a `reply`: requests the server answers. The request payload is the envelope
  `{pkg_id: {const: N}, req_id, data: {$ref}}`; among the reply messages, the one whose `status_code` is
  `const: 0` is the success reply, and its `data` (a model, an array of models, or null) and `meta` (a page
  model, or null) give the handler's return type;
- `send` operations: events the server pushes, payload `{pkg_id: {const: N}, data: {$ref}}`;
- `x-roles` on every operation (all required; `[]` for any authenticated caller), from the role catalogue;
- `x-rate-limit` on request operations: a policy of the OpenAPI document's `x-rate-limits` (else its default);
- `x-max-connections-per-user` on the channel: how many connections one user may hold at once.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft7Validator
from jsonschema.exceptions import best_match

from codegen.contract import CloseCode, Contract, ModelRef, Reply, WsEvent, WsOperation
from codegen.errors import Location, Problems
from codegen.names import OPERATION_ID, SCHEMA_NAME, DerivedNames, tag_problem
from codegen.rate_limits import policy_of
from codegen.refs import Node, SpecSet
from codegen.schema_rules import check_named_schemas
from codegen.source import Document

_OPERATION_KEYS = {"action", "channel", "title", "summary", "description", "tags", "messages", "reply", "x-roles"}
_SCHEMA_REF = re.compile(r"^(\./[^#]+)?#/components/schemas/([^/]+)$")
_CLOSE_CODE_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


@cache
def _asyncapi_schema_validator() -> Draft7Validator:
    text = resources.files("codegen").joinpath("schemas/asyncapi-3.0.0.json").read_text(encoding="utf-8")
    return Draft7Validator(json.loads(text))


def read_asyncapi(specs: SpecSet, document: Document, contract: Contract, problems: Problems) -> None:
    """Validate `document` and add its request operations and events to `contract`."""
    root = Node(document, (), document.data)
    if not isinstance(root.value, dict):
        problems.add(root.location, "an AsyncAPI document must be a mapping")
        return
    if root.value.get("asyncapi") != "3.0.0":
        problems.add(
            root.child("asyncapi").location,
            f"codegen reads AsyncAPI 3.0.0 documents, not {root.value.get('asyncapi')!r}",
        )
        return
    specs.check_refs(document, problems)
    if problems:
        return
    for error in _asyncapi_schema_validator().iter_errors(document.data):
        detail = best_match([error])
        path = tuple(detail.absolute_path) or tuple(error.absolute_path)
        message = detail.message if len(detail.message) < 200 else f"invalid {path[-1] if path else 'document'}"
        problems.add(document.location(path), message)
    if problems:
        return
    _AsyncApiReader(specs, root, contract, problems).read_all()


class _AsyncApiReader:
    def __init__(self, specs: SpecSet, root: Node, contract: Contract, problems: Problems) -> None:
        self.specs = specs
        self.root = root
        self.contract = contract
        self.problems = problems
        self.pkg_ids: dict[int, Location] = {}
        self.names = DerivedNames()  # operations and events share the PkgID enum

    def read_all(self) -> None:
        channels = self.root.child("channels")
        if len(channels.value or {}) != 1:
            self.problems.add(channels.location, "codegen supports exactly one channel: the WebSocket endpoint")
        for name in channels.value or {}:
            address = channels.child(name, "address")
            if not isinstance(address.value, str) or not address.value.startswith("/") or "{" in address.value:
                self.problems.add(address.location, "the channel address must be a fixed path such as /web")
            else:
                self.contract.ws_path = address.value
            self._close_codes(channels.child(name, "x-close-codes"))
            self._connection_limit(channels.child(name, "x-max-connections-per-user"))
        for name in self.root.value.get("components", {}).get("schemas", {}) or {}:
            if not SCHEMA_NAME.match(name):
                self.problems.add(
                    self.root.child("components", "schemas", name).location,
                    f"schema name {name!r} must be PascalCase ({SCHEMA_NAME.pattern}): it names a Python class",
                )
        check_named_schemas(self.root.child("components", "schemas"), self.problems)
        operations = self.root.child("operations")
        for name in operations.value or {}:
            self._read_operation(name, operations.child(name))

    def _close_codes(self, codes: Node) -> None:
        if codes.value is None:
            return
        if not isinstance(codes.value, dict):
            self.problems.add(codes.location, "`x-close-codes` maps each close code to {name, description}")
            return
        for key, entry in codes.value.items():
            where = codes.child(key).location
            name = entry.get("name") if isinstance(entry, dict) else None
            description = entry.get("description", "") if isinstance(entry, dict) else ""
            extra = set(entry) - {"name", "description"} if isinstance(entry, dict) else set()
            if extra:
                self.problems.add(
                    where, f"close code {key}: unknown keys {sorted(extra)} (quote a description with commas)"
                )
            elif not key.isdigit() or not (1000 <= int(key) <= 4999):
                self.problems.add(where, f"close code {key!r} must be a number from 1000 to 4999")
            elif not isinstance(name, str) or not _CLOSE_CODE_NAME.match(name):
                self.problems.add(where, f"close code {key} needs a `name` in UPPER_SNAKE_CASE")
            else:
                self.contract.close_codes.append(CloseCode(int(key), name, str(description)))

    def _connection_limit(self, limit: Node) -> None:
        if limit.value is None:
            return
        if not isinstance(limit.value, int) or isinstance(limit.value, bool) or limit.value < 1:
            self.problems.add(limit.location, "`x-max-connections-per-user` must be a whole number, at least 1")
            return
        self.contract.max_connections_per_user = limit.value

    def _read_operation(self, name: str, op: Node) -> None:
        start = len(self.problems)
        for key in op.value:
            if key not in _OPERATION_KEYS and not key.startswith("x-"):
                self.problems.add(op.child(key).location, f"`{key}` in an operation is not supported by codegen")
        if not OPERATION_ID.match(name):
            self.problems.add(op.location, f"operation name {name!r} must be camelCase ({OPERATION_ID.pattern})")
        elif collision := self.names.claim(name, op.location):
            self.problems.add(op.location, f"operation {collision}")
        tag = self._tag(op)
        roles = self._roles(op)
        payload = self._single_payload(op.child("messages"), "operation")
        if payload is None or tag is None or roles is None or len(self.problems) > start:
            return
        pkg_id = self._pkg_id(payload)
        data = self._model(payload.child("properties", "data"), "data")
        if pkg_id is None or data is None:
            return
        summary = str(op.value.get("summary") or op.value.get("title") or "")
        if op.value["action"] == "send":
            if "reply" in op.value:
                self.problems.add(op.child("reply").location, "a `send` operation (an event) has no reply")
                return
            if "x-rate-limit" in op.value:
                self.problems.add(
                    op.child("x-rate-limit").location, "an event is sent by the server: it has no rate limit"
                )
                return
            self.contract.events.append(WsEvent(name, pkg_id, tag, summary, roles, data, op.location))
            return
        rate_limit = policy_of(self.contract.rate_limits, op, self.problems)
        reply = self._reply(op, pkg_id)
        if reply is not None:
            self.contract.ws.append(
                WsOperation(name, pkg_id, tag, summary, roles, data, reply, op.location, rate_limit=rate_limit)
            )

    def _tag(self, op: Node) -> str | None:
        tags = op.value.get("tags") or []
        if len(tags) != 1:
            self.problems.add(
                op.child("tags").location if tags else op.location,
                "operation must have exactly one tag: the tag names the handler class that implements it",
            )
            return None
        tag_node = self.specs.deref(op.child("tags", 0), self.problems)
        tag = tag_node.value.get("name") if tag_node is not None and isinstance(tag_node.value, dict) else None
        problem = tag_problem(tag)
        if problem is not None:
            self.problems.add(op.child("tags", 0).location, problem)
            return None
        assert isinstance(tag, str)
        return tag

    def _roles(self, op: Node) -> tuple[str, ...] | None:
        roles = op.child("x-roles")
        if not isinstance(roles.value, list):
            self.problems.add(
                op.location,
                "operation has no `x-roles`: list the roles it needs (`[]` for any authenticated caller)",
            )
            return None
        for index, role in enumerate(roles.value):
            if not isinstance(role, str):
                self.problems.add(roles.child(index).location, f"a role is a name (a string), not {role!r}")
            elif self.contract.roles and role not in self.contract.roles:
                known = ", ".join(self.contract.roles)
                self.problems.add(
                    roles.child(index).location,
                    f"unknown role {role!r}: the catalogue (x-roles in the OpenAPI document) has {known}",
                )
        return tuple(roles.value)

    def _single_payload(self, messages: Node, what: str) -> Node | None:
        if not isinstance(messages.value, list) or len(messages.value) != 1:
            self.problems.add(messages.location, f"{what} must list exactly one message")
            return None
        return self._payload(messages.child(0))

    def _payload(self, message_ref: Node) -> Node | None:
        message = self.specs.deref(message_ref, self.problems)
        if message is None:
            return None
        payload = message.child("payload")
        if isinstance(payload.value, dict) and "schemaFormat" in payload.value:
            payload = payload.child("schema")
        resolved = self.specs.deref(payload, self.problems)
        if resolved is None or not isinstance(resolved.value, dict) or resolved.value.get("type") != "object":
            self.problems.add(payload.location, "a message payload must be an object schema (the envelope)")
            return None
        return resolved

    def _pkg_id(self, payload: Node) -> int | None:
        pkg = payload.child("properties", "pkg_id")
        value = pkg.value.get("const") if isinstance(pkg.value, dict) else None
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            self.problems.add(pkg.location, "the payload must fix its pkg_id: `pkg_id: {const: <positive integer>}`")
            return None
        where = pkg.child("const").location
        if value in self.pkg_ids:
            self.problems.add(where, f"duplicate pkg_id {value} (first at {self.pkg_ids[value]})")
            return None
        self.pkg_ids[value] = where
        return value

    def _model(self, node: Node, what: str) -> ModelRef | None:
        ref = node.value.get("$ref") if isinstance(node.value, dict) else None
        match = _SCHEMA_REF.match(ref) if isinstance(ref, str) else None
        if match is None:
            self.problems.add(node.location, f"`{what}` must be a `$ref` to a named schema (#/components/schemas/Name)")
            return None
        if not match.group(1):
            return ModelRef("ws", match.group(2))
        target = self.specs.resolve(node.document, str(ref))
        if isinstance(target, str) or target.document.name != self.contract.openapi_name:
            self.problems.add(
                node.location, f"`{what}` may refer only to this document or to {self.contract.openapi_name}"
            )
            return None
        return ModelRef("rest", match.group(2))

    def _reply(self, op: Node, pkg_id: int) -> Reply | None:
        if op.value.get("action") != "receive" or "reply" not in op.value:
            self.problems.add(op.location, "a request operation is `action: receive` with a `reply`")
            return None
        reply = self.specs.deref(op.child("reply"), self.problems)
        if reply is None:
            return None
        success: list[Node] = []
        for index, _ in enumerate(reply.value.get("messages") or []):
            payload = self._payload(reply.child("messages", index))
            if payload is not None and _const(payload, "status_code") == 0:
                success.append(payload)
        if len(success) != 1:
            self.problems.add(
                reply.location,
                "the reply must list exactly one success message (payload `status_code: {const: 0}`)",
            )
            return None
        payload = success[0]
        if _const(payload, "pkg_id") != pkg_id:
            self.problems.add(
                payload.child("properties", "pkg_id").location,
                f"the success reply must carry the request's pkg_id ({pkg_id})",
            )
            return None
        return self._reply_shape(payload)

    def _reply_shape(self, payload: Node) -> Reply | None:
        data = payload.child("properties", "data")
        meta = payload.child("properties", "meta")
        if _is_null(meta.value):
            if _is_null(data.value):
                return Reply("none")
            if isinstance(data.value, dict) and data.value.get("type") == "array":
                model = self._model(data.child("items"), "data.items")
                limit = data.value.get("maxItems")
                return Reply("list", model, max_items=limit if isinstance(limit, int) else None) if model else None
            model = self._model(data, "data")
            return Reply("model", model) if model else None
        meta_model = self._model(meta, "meta")
        items = self._model(data.child("items"), "data.items") if isinstance(data.value, dict) else None
        if meta_model is None or items is None or data.value.get("type") != "array":
            self.problems.add(
                data.location, "a paged reply has `data: {type: array, items: {$ref}}` and `meta: {$ref}`"
            )
            return None
        return Reply("page", items, meta_model)


def _const(payload: Node, name: str) -> Any:
    prop = payload.value.get("properties", {}).get(name)
    return prop.get("const") if isinstance(prop, dict) else None


def _is_null(schema: Any) -> bool:
    return isinstance(schema, dict) and (schema.get("type") == "null" or schema.get("const", 0) is None)
