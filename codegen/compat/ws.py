"""The WebSocket rules (ours): one AsyncAPI 3 document against another, by the pkg_id protocol of DESIGN.md.

A `receive` operation is a request message the client sends, fixed by `pkg_id: {const: N}` in its payload;
its reply with `status_code: {const: 0}` is what the client gets back. A `send` operation is an event. Roles
are `x-roles`; status codes are the `StatusCode` schema (`enum` named by `x-enum-varnames`); close codes and
`x-max-connections-per-user` are on the channel; rate-limit policies come from the OpenAPI document.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from codegen.compat.changes import Change, located
from codegen.compat.rest import rate_policy, rate_tightened
from codegen.compat.schemas import SchemaDiff
from codegen.errors import Location, Problems
from codegen.refs import Node, SpecSet


@dataclass(frozen=True)
class Message:
    """One WS operation as a client sees it."""

    operation: str
    kind: Literal["message", "event"]
    pkg_id: int | None
    name: str
    node: Node  # the operation
    pkg_id_node: Node | None
    data: Node | None  # the request's data (a message) or the event's data
    reply_data: Node | None  # the success reply's data (a message)

    @property
    def subject(self) -> str:
        label = "WS event" if self.kind == "event" else "WS"
        return f"{label} {self.name} (pkg_id {self.pkg_id})"


@dataclass
class WsDiff:
    """Collects the changes between two AsyncAPI documents into `changes`."""

    old_specs: SpecSet
    new_specs: SpecSet
    old: Node
    new: Node
    old_openapi: Node | None
    new_openapi: Node | None
    changes: list[Change]
    problems: Problems

    def _add(self, rule: str, subject: str, what: str, old: Location | None, new: Location | None) -> None:
        self.changes.append(Change(rule, subject, what, old, new, "asyncapi"))

    def run(self) -> None:
        before = _messages(self.old, self.old_specs, self.problems)
        after = _messages(self.new, self.new_specs, self.problems)
        by_pkg_id = {(m.kind, m.pkg_id): m for m in after.values()}
        for key, message in before.items():
            now = after.get(key)
            if now is None:
                # A renamed operation that keeps its kind and pkg_id is the same message to a client.
                now = by_pkg_id.get((message.kind, message.pkg_id))
            if now is None:
                rule = "ws-event-removed" if message.kind == "event" else "ws-message-removed"
                self._add(rule, message.subject, f"{message.kind} {message.name} removed", message.node.location, None)
                continue
            self._message(message, now)
        matched = {(m.kind, m.pkg_id) for m in before.values()} | set(before)
        for key, message in after.items():
            if key not in before and (message.kind, message.pkg_id) not in matched:
                rule = "ws-event-added" if message.kind == "event" else "ws-message-added"
                self._add(rule, message.subject, f"{message.kind} {message.name} added", None, message.node.location)
        self._codes()
        self._channel_limits()

    def _message(self, old: Message, new: Message) -> None:
        subject = new.subject
        if old.pkg_id != new.pkg_id:
            rule = "ws-event-pkg-id-changed" if old.kind == "event" else "ws-pkg-id-changed"
            what = f"pkg_id {old.pkg_id} -> {new.pkg_id}"
            self._add(rule, subject, what, _loc(old.pkg_id_node, old.node), _loc(new.pkg_id_node, new.node))
        self._roles(subject, old, new)
        direction: Literal["request", "response"] = "response" if old.kind == "event" else "request"
        if old.data is not None and new.data is not None:
            self._schema_diff(subject, direction, " (data)").compare(old.data, new.data)
        if old.reply_data is not None and new.reply_data is not None:
            self._schema_diff(subject, "response", " (reply data)").compare(old.reply_data, new.reply_data)
        if old.kind == "message" and self.old_openapi is not None and self.new_openapi is not None:
            change = rate_tightened(rate_policy(old.node, self.old_openapi), rate_policy(new.node, self.new_openapi))
            if change:
                self._add(
                    "ws-rate-limit-tightened",
                    subject,
                    change,
                    _at(old.node, "x-rate-limit"),
                    _at(new.node, "x-rate-limit"),
                )

    def _schema_diff(self, subject: str, direction: Literal["request", "response"], context: str) -> SchemaDiff:
        def report(rule: str, what: str, old: Location | None, new: Location | None) -> None:
            self._add(rule, subject, what.replace(f"{direction} body", f"{direction} data") + context, old, new)

        return SchemaDiff(self.old_specs, self.new_specs, direction, "body", report, self.problems)

    def _roles(self, subject: str, old: Message, new: Message) -> None:
        before, after = _roles(old.node), _roles(new.node)
        added, removed = sorted(after - before), sorted(before - after)
        kind = "event" if old.kind == "event" else "message"
        where = _at(old.node, "x-roles"), _at(new.node, "x-roles")
        if added:
            self._add(f"ws-{kind}-role-added", subject, f"roles added: {', '.join(added)}", *where)
        if removed:
            self._add(f"ws-{kind}-role-removed", subject, f"roles removed: {', '.join(removed)}", *where)

    def _codes(self) -> None:
        before, after = (
            _status_codes(self.old, self.old_specs, self.problems),
            _status_codes(self.new, self.new_specs, self.problems),
        )
        self._code_table("status", before, after)
        self._code_table("close", _close_codes(self.old), _close_codes(self.new))

    def _code_table(
        self, kind: str, before: dict[str, tuple[str, Location]], after: dict[str, tuple[str, Location]]
    ) -> None:
        subject = f"WS {kind} codes"
        for code, (name, where) in before.items():
            if code not in after:
                self._add(f"ws-{kind}-code-removed", subject, f"{kind} code {code} ({name}) removed", where, None)
            elif after[code][0] != name:
                what = f"{kind} code {code} now means {after[code][0]}, not {name}"
                self._add(f"ws-{kind}-code-meaning-changed", subject, what, where, after[code][1])
        for code, (name, where) in after.items():
            if code not in before:
                self._add(f"ws-{kind}-code-added", subject, f"{kind} code {code} ({name}) added", None, where)

    def _channel_limits(self) -> None:
        before, after = _channels(self.old), _channels(self.new)
        for name, old in before.items():
            new = after.get(name)
            if new is None:
                continue
            limit_before, limit_after = (
                old.value.get("x-max-connections-per-user"),
                new.value.get("x-max-connections-per-user"),
            )
            if isinstance(limit_after, int) and (not isinstance(limit_before, int) or limit_after < limit_before):
                what = f"x-max-connections-per-user {limit_before if isinstance(limit_before, int) else 'none'} -> {limit_after}"
                where = _at(old, "x-max-connections-per-user"), _at(new, "x-max-connections-per-user")
                self._add("ws-max-connections-lowered", f"WS channel {name}", what, *where)


def _messages(root: Node, specs: SpecSet, problems: Problems) -> dict[str, Message]:
    operations = root.child("operations")
    found: dict[str, Message] = {}
    if not isinstance(operations.value, dict):
        return found
    for name in operations.value:
        op = operations.child(name)
        if not isinstance(op.value, dict):
            continue
        kind: Literal["message", "event"] = "event" if op.value.get("action") == "send" else "message"
        message = _first_message(op.child("messages"), specs, problems)
        payload = _payload(message, specs, problems)
        pkg = payload.child("properties", "pkg_id") if payload is not None else None
        pkg_value = pkg.value.get("const") if pkg is not None and isinstance(pkg.value, dict) else None
        data = payload.child("properties", "data") if payload is not None else None
        title = message.value.get("name") if message is not None and isinstance(message.value, dict) else None
        found[name] = Message(
            operation=name,
            kind=kind,
            pkg_id=pkg_value if isinstance(pkg_value, int) else None,
            name=str(title or name),
            node=op,
            pkg_id_node=pkg.child("const") if pkg is not None and pkg_value is not None else None,
            data=data if data is not None and isinstance(data.value, dict) else None,
            reply_data=_reply_data(op, specs, problems) if kind == "message" else None,
        )
    return found


def _first_message(messages: Node, specs: SpecSet, problems: Problems) -> Node | None:
    if not isinstance(messages.value, list) or not messages.value:
        return None
    return specs.deref(messages.child(0), problems)


def _payload(message: Node | None, specs: SpecSet, problems: Problems) -> Node | None:
    if message is None or not isinstance(message.value, dict) or "payload" not in message.value:
        return None
    payload = specs.deref(message.child("payload"), problems)
    if payload is not None and isinstance(payload.value, dict) and "schemaFormat" in payload.value:
        payload = specs.deref(payload.child("schema"), problems)  # a multi-format schema object
    return payload if payload is not None and isinstance(payload.value, dict) else None


def _reply_data(op: Node, specs: SpecSet, problems: Problems) -> Node | None:
    """The data of the success reply: the reply message whose status_code is fixed to 0."""
    replies = op.child("reply", "messages")
    for index in range(len(replies.value) if isinstance(replies.value, list) else 0):
        payload = _payload(specs.deref(replies.child(index), problems), specs, problems)
        status = payload.value.get("properties", {}).get("status_code") if payload is not None else None
        if payload is not None and isinstance(status, dict) and status.get("const") == 0:
            data = payload.child("properties", "data")
            return data if isinstance(data.value, dict) else None
    return None


def _roles(op: Node) -> set[str]:
    roles = op.value.get("x-roles")
    return {str(role) for role in roles} if isinstance(roles, list) else set()


def _status_codes(root: Node, specs: SpecSet, problems: Problems) -> dict[str, tuple[str, Location]]:
    schema = specs.deref(root.child("components", "schemas", "StatusCode"), problems)
    if schema is None or not isinstance(schema.value, dict) or not isinstance(schema.value.get("enum"), list):
        return {}
    codes: list[Any] = schema.value["enum"]
    names = schema.value.get("x-enum-varnames")
    names = names if isinstance(names, list) and len(names) == len(codes) else [f"STATUS_{code}" for code in codes]
    return {
        str(code): (str(name), schema.child("enum", index).location)
        for index, (code, name) in enumerate(zip(codes, names, strict=True))
    }


def _close_codes(root: Node) -> dict[str, tuple[str, Location]]:
    found: dict[str, tuple[str, Location]] = {}
    for channel in _channels(root).values():
        table = channel.child("x-close-codes")
        for code, entry in (table.value or {}).items() if isinstance(table.value, dict) else ():
            name = entry.get("name") if isinstance(entry, dict) else entry
            found[str(code)] = (str(name), table.child(code).location)
    return found


def _channels(root: Node) -> dict[str, Node]:
    channels = root.child("channels")
    if not isinstance(channels.value, dict):
        return {}
    return {str(name): channels.child(name) for name in channels.value if isinstance(channels.value[name], dict)}


def _at(node: Node, keyword: str) -> Location:
    return located(node, keyword)


def _loc(node: Node | None, fallback: Node) -> Location:
    return located(node if node is not None else fallback)
