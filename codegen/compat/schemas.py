"""One schema against another: what a client may send (a request narrows when something accepted before is
refused now) or may receive (a response widens when it may hold something a client did not expect).

`$ref`s are followed on both sides, so a change to a shared schema shows up under every operation and message
that uses it, located where the shared schema says it. Recursive schemas are compared once per cycle.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from codegen.compat.changes import located
from codegen.compat.rules import LOWER_BOUNDS, UPPER_BOUNDS
from codegen.errors import Location, Problems
from codegen.refs import Node, SpecSet

Direction = Literal["request", "response"]
Report = Callable[[str, str, Location | None, Location | None], None]
"""report(rule_id, what, old location, new location)."""

_COMBINATORS = {"oneOf": "one-of", "anyOf": "any-of"}


@dataclass
class SchemaDiff:
    """Compares schemas of one place (a body, a parameter) and reports each change through `report`."""

    old_specs: SpecSet
    new_specs: SpecSet
    direction: Direction
    root_scope: Literal["body", "parameter"]
    report: Report
    problems: Problems = field(default_factory=Problems)
    _active: set[tuple[str, tuple[str | int, ...], str, tuple[str | int, ...]]] = field(default_factory=set)

    def compare(self, old: Node, new: Node, where: str = "") -> None:
        """Compare the schema `old` with `new`; `where` is the property path below the root ('' for the root)."""
        old_d, new_d = self.old_specs.deref(old, self.problems), self.new_specs.deref(new, self.problems)
        if old_d is None or new_d is None or not isinstance(old_d.value, dict) or not isinstance(new_d.value, dict):
            return
        key = (old_d.document.name, old_d.path, new_d.document.name, new_d.path)
        if key in self._active:
            return
        self._active.add(key)
        try:
            self._compare(old_d, new_d, where)
        finally:
            self._active.discard(key)

    def _rule(self, where: str, what: str) -> str:
        scope = self.root_scope if not where else ("property" if self.root_scope == "body" else "parameter")
        return f"{self.direction}-{scope}-{what}"

    def _name(self, where: str) -> str:
        thing = "body" if self.root_scope == "body" else "parameter"
        return f"{self.direction} {thing}" if not where else f"{self.direction} property `{where}`"

    def _compare(self, old: Node, new: Node, where: str) -> None:
        self._types(old, new, where)
        self._format(old, new, where)
        self._enum(old, new, where)
        self._const(old, new, where)
        self._bounds(old, new, where)
        self._pattern(old, new, where)
        self._alternatives(old, new, where)
        self._properties(old, new, where)
        if isinstance(old.value.get("items"), dict) and isinstance(new.value.get("items"), dict):
            self.compare(old.child("items"), new.child("items"), f"{where}[]" if where else "[]")

    def _types(self, old: Node, new: Node, where: str) -> None:
        before, after = (
            _effective_types(old, self.old_specs, self.problems),
            _effective_types(new, self.new_specs, self.problems),
        )
        if before == after:
            return
        name = self._name(where)
        if self.direction == "request":
            if "null" in _or_any(before) and "null" not in _or_any(after):
                self.report(
                    self._rule(where, "became-not-nullable"), f"{name} no longer accepts null", *_at(old, new, "type")
                )
            lost = _covered(_or_any(before) - {"null"}, _or_any(after))
            if lost:
                self.report(
                    self._rule(where, "type-changed"),
                    f"{name} no longer accepts {_list(lost)} (type {_show(before)} -> {_show(after)})",
                    *_at(old, new, "type"),
                )
        else:
            if "null" in _or_any(after) and "null" not in _or_any(before):
                self.report(self._rule(where, "became-nullable"), f"{name} may now be null", *_at(old, new, "type"))
            gained = _covered(_or_any(after) - {"null"}, _or_any(before))
            if gained:
                self.report(
                    self._rule(where, "type-changed"),
                    f"{name} may now be {_list(gained)} (type {_show(before)} -> {_show(after)})",
                    *_at(old, new, "type"),
                )

    def _format(self, old: Node, new: Node, where: str) -> None:
        before, after = old.value.get("format"), new.value.get("format")
        if before == after:
            return
        narrows = after is not None if self.direction == "request" else before is not None
        if narrows:
            self.report(
                self._rule(where, "format-changed"),
                f"{self._name(where)}: format {before or 'none'} -> {after or 'none'}",
                *_at(old, new, "format"),
            )

    def _enum(self, old: Node, new: Node, where: str) -> None:
        before, after = old.value.get("enum"), new.value.get("enum")
        if not isinstance(after, list) and not isinstance(before, list):
            return
        name = self._name(where)
        if self.direction == "request":
            if not isinstance(before, list):
                self.report(
                    self._rule(where, "became-enum"), f"{name} now accepts only {_list(after)}", *_at(old, new, "enum")
                )
            elif isinstance(after, list):
                removed, added = _minus(before, after), _minus(after, before)
                if removed:
                    self.report(
                        self._rule(where, "enum-value-removed"),
                        f"{name} no longer accepts {_list(removed)}",
                        *_at(old, new, "enum"),
                    )
                if added:
                    self.report(
                        self._rule(where, "enum-value-added"),
                        f"{name} accepts {_list(added)} too",
                        *_at(old, new, "enum"),
                    )
        elif isinstance(before, list):
            if not isinstance(after, list):
                self.report(
                    self._rule(where, "enum-value-added"),
                    f"{name} is no longer limited to {_list(before)}",
                    *_at(old, new, "enum"),
                )
                return
            added, removed = _minus(after, before), _minus(before, after)
            if added:
                self.report(
                    self._rule(where, "enum-value-added"), f"{name} may now be {_list(added)}", *_at(old, new, "enum")
                )
            if removed:
                self.report(
                    self._rule(where, "enum-value-removed"),
                    f"{name} is no longer {_list(removed)}",
                    *_at(old, new, "enum"),
                )

    def _const(self, old: Node, new: Node, where: str) -> None:
        before, after = old.value.get("const", _MISSING), new.value.get("const", _MISSING)
        if before == after:
            return
        if self.direction == "request" and after is not _MISSING:
            what = "const-added" if before is _MISSING else "const-changed"
        elif self.direction == "response" and before is not _MISSING:
            what = "const-removed" if after is _MISSING else "const-changed"
        else:
            return
        self.report(
            self._rule(where, what),
            f"{self._name(where)}: const {_show_value(before)} -> {_show_value(after)}",
            *_at(old, new, "const"),
        )

    def _bounds(self, old: Node, new: Node, where: str) -> None:
        name = self._name(where)
        for keyword, stem in UPPER_BOUNDS.items():
            before, after = _number(old.value.get(keyword)), _number(new.value.get(keyword))
            self._bound(old, new, where, keyword, stem, before, after, upper=True, name=name)
        for keyword, stem in LOWER_BOUNDS.items():
            before, after = _number(old.value.get(keyword)), _number(new.value.get(keyword))
            self._bound(old, new, where, keyword, stem, before, after, upper=False, name=name)

    def _bound(
        self,
        old: Node,
        new: Node,
        where: str,
        keyword: str,
        stem: str,
        before: float | None,
        after: float | None,
        *,
        upper: bool,
        name: str,
    ) -> None:
        if before == after:
            return
        what = f"{name}: {keyword} {_show_bound(before)} -> {_show_bound(after)}"
        # For a request an upper bound that goes down (or appears) narrows; for a response one that goes up
        # (or disappears) widens. Lower bounds the other way round.
        tighter = after is not None and (before is None or (after < before if upper else after > before))
        if self.direction == "request" and tighter:
            suffix = "set" if before is None else ("decreased" if upper else "increased")
            self.report(self._rule(where, f"{stem}-{suffix}"), what, *_at(old, new, keyword))
        elif self.direction == "response" and before is not None and not tighter:
            suffix = "unset" if after is None else ("increased" if upper else "decreased")
            self.report(self._rule(where, f"{stem}-{suffix}"), what, *_at(old, new, keyword))

    def _pattern(self, old: Node, new: Node, where: str) -> None:
        before, after = old.value.get("pattern"), new.value.get("pattern")
        if self.direction != "request" or before == after or after is None:
            return
        what = (
            f"{self._name(where)}: pattern {before!r} -> {after!r}"
            if before
            else f"{self._name(where)} must match {after!r}"
        )
        self.report(
            self._rule(where, "pattern-changed" if before else "pattern-added"), what, *_at(old, new, "pattern")
        )

    def _alternatives(self, old: Node, new: Node, where: str) -> None:
        for keyword, stem in _COMBINATORS.items():
            before, after = old.value.get(keyword), new.value.get(keyword)
            if not isinstance(before, list) or not isinstance(after, list):
                continue
            old_keys = [_identity(item) for item in before]
            new_keys = [_identity(item) for item in after]
            for index, key in enumerate(old_keys):
                if key in new_keys:
                    self.compare(old.child(keyword, index), new.child(keyword, new_keys.index(key)), where)
            removed = [i for i, key in enumerate(old_keys) if key not in new_keys]
            added = [i for i, key in enumerate(new_keys) if key not in old_keys]
            # An inline alternative edited in place is the same alternative, changed: pair those by position.
            if len(removed) == len(added):
                for i, j in list(zip(removed, added, strict=True)):
                    if not _is_ref(before[i]) and not _is_ref(after[j]):
                        self.compare(old.child(keyword, i), new.child(keyword, j), where)
                        removed.remove(i)
                        added.remove(j)
            name = self._name(where)
            if removed:
                lost = _list(_label(before[i]) for i in removed)
                self.report(
                    self._rule(where, f"{stem}-removed"), f"{name}: {keyword} lost {lost}", *_at(old, new, keyword)
                )
            if added:
                gained = _list(_label(after[j]) for j in added)
                self.report(
                    self._rule(where, f"{stem}-added"), f"{name}: {keyword} gained {gained}", *_at(old, new, keyword)
                )

    def _properties(self, old: Node, new: Node, where: str) -> None:
        old_props, old_required = _object_view(old, self.old_specs, self.problems)
        new_props, new_required = _object_view(new, self.new_specs, self.problems)
        if not old_props and not new_props and not old_required and not new_required:
            return
        hidden = "readOnly" if self.direction == "request" else "writeOnly"
        for name in sorted(old_props.keys() | new_props.keys()):
            path = f"{where}.{name}" if where else name
            before, after = old_props.get(name), new_props.get(name)
            if before is not None and _flag(before, hidden, self.old_specs, self.problems):
                before = None
            if after is not None and _flag(after, hidden, self.new_specs, self.problems):
                after = None
            if before is None and after is None:
                continue
            if self.direction == "request":
                self._request_property(path, before, after, name in old_required, name in new_required)
            else:
                self._response_property(path, before, after, name in old_required, name in new_required)
            if before is not None and after is not None:
                self.compare(before, after, path)

    def _request_property(self, path: str, before: Node | None, after: Node | None, was: bool, now: bool) -> None:
        if before is None and after is not None:
            rule = "new-required-request-property" if now else "new-optional-request-property"
            self.report(rule, f"request property `{path}` added{' as required' if now else ''}", None, after.location)
        elif after is None and before is not None:
            self.report("request-property-removed", f"request property `{path}` removed", before.location, None)
        elif before is not None and after is not None and was != now:
            rule = "request-property-became-required" if now else "request-property-became-optional"
            self.report(
                rule,
                f"request property `{path}` became {'required' if now else 'optional'}",
                before.location,
                after.location,
            )

    def _response_property(self, path: str, before: Node | None, after: Node | None, was: bool, now: bool) -> None:
        if before is None and after is not None:
            rule = "response-required-property-added" if now else "response-optional-property-added"
            self.report(rule, f"response property `{path}` added", None, after.location)
        elif after is None and before is not None:
            rule = "response-required-property-removed" if was else "response-optional-property-removed"
            self.report(rule, f"response property `{path}` removed", before.location, None)
        elif before is not None and after is not None and was and not now:
            self.report(
                "response-property-became-optional",
                f"response property `{path}` became optional",
                before.location,
                after.location,
            )


_MISSING: Any = type("_Missing", (), {"__repr__": lambda self: "none"})()
_ALL_TYPES = frozenset({"string", "number", "integer", "boolean", "array", "object", "null"})


def _types(schema: dict[str, Any]) -> frozenset[str] | None:
    """The JSON types a schema allows (None: any), with OpenAPI 3.0's `nullable: true` as the type null."""
    declared = schema.get("type")
    if declared is None:
        return None
    types = {declared} if isinstance(declared, str) else {str(t) for t in declared if isinstance(t, str)}
    if schema.get("nullable") is True:
        types.add("null")
    return frozenset(types)


def _effective_types(node: Node, specs: SpecSet, problems: Problems, depth: int = 0) -> frozenset[str] | None:
    """The types a schema allows, looking into allOf (all must hold) and oneOf/anyOf (one must) when it declares
    no `type` itself: a schema made of typed parts is no less typed than one that says it."""
    declared = _types(node.value)
    if declared is not None or depth > 8:
        return declared
    found: frozenset[str] | None = None
    members = _members(node, "allOf", specs, problems)
    for member in members:
        types = _effective_types(member, specs, problems, depth + 1)
        if types is not None:
            found = types if found is None else found & types
    for keyword in ("oneOf", "anyOf"):
        choices = [_effective_types(m, specs, problems, depth + 1) for m in _members(node, keyword, specs, problems)]
        if choices and all(choice is not None for choice in choices):
            union = frozenset().union(*(choice for choice in choices if choice is not None))
            found = union if found is None else found & union
    if found is not None and node.value.get("nullable") is True:
        found = found | {"null"}
    return found


def _members(node: Node, keyword: str, specs: SpecSet, problems: Problems) -> list[Node]:
    listed = node.value.get(keyword)
    if not isinstance(listed, list):
        return []
    members = [specs.deref(node.child(keyword, index), problems) for index in range(len(listed))]
    return [member for member in members if member is not None and isinstance(member.value, dict)]


def _or_any(types: frozenset[str] | None) -> frozenset[str]:
    return _ALL_TYPES if types is None else types


def _covered(types: frozenset[str], by: frozenset[str]) -> list[str]:
    """The types of `types` that `by` does not allow (an integer is a number)."""
    return sorted(t for t in types if t not in by and not (t == "integer" and "number" in by))


def _object_view(node: Node, specs: SpecSet, problems: Problems) -> tuple[dict[str, Node], set[str]]:
    """The properties and required names of an object schema, its `allOf` members merged in."""
    props: dict[str, Node] = {}
    required: set[str] = set()
    stack = [node]
    seen: set[tuple[str, tuple[str | int, ...]]] = set()
    while stack:
        current = specs.deref(stack.pop(), problems)
        if current is None or not isinstance(current.value, dict):
            continue
        key = (current.document.name, current.path)
        if key in seen:
            continue
        seen.add(key)
        if isinstance(current.value.get("properties"), dict):
            for name in current.value["properties"]:
                props.setdefault(str(name), current.child("properties", name))
        if isinstance(current.value.get("required"), list):
            required.update(str(name) for name in current.value["required"])
        if isinstance(current.value.get("allOf"), list):
            stack.extend(current.child("allOf", index) for index in range(len(current.value["allOf"]))[::-1])
    return props, required


def _flag(node: Node, flag: str, specs: SpecSet, problems: Problems) -> bool:
    target = specs.deref(node, problems)
    return bool(target is not None and isinstance(target.value, dict) and target.value.get(flag) is True)


def _at(old: Node, new: Node, keyword: str) -> tuple[Location, Location]:
    """The keyword's location on each side, or the schema's where the keyword is absent."""
    return _where(old, keyword), _where(new, keyword)


def _where(node: Node, keyword: str) -> Location:
    return located(node, keyword)


def _is_ref(item: Any) -> bool:
    return isinstance(item, dict) and isinstance(item.get("$ref"), str)


def _label(item: Any) -> str:
    """An alternative as a reader knows it: the name its $ref ends with, or its JSON."""
    return str(item["$ref"]).rsplit("/", 1)[-1] if _is_ref(item) else json.dumps(item, sort_keys=True)


def _identity(item: Any) -> str:
    """How an alternative of oneOf/anyOf is recognised on both sides: its $ref, or its canonical JSON."""
    if isinstance(item, dict) and isinstance(item.get("$ref"), str):
        return str(item["$ref"])
    return json.dumps(item, sort_keys=True)


def _minus(values: list[Any], other: list[Any]) -> list[Any]:
    return [value for value in values if value not in other]


def _number(value: Any) -> float | None:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _list(values: Any) -> str:
    return ", ".join(_show_value(value) for value in values)


def _show_bound(value: float | None) -> str:
    return "none" if value is None else _show_value(value)


def _show(types: frozenset[str] | None) -> str:
    return "any" if types is None else "|".join(sorted(types))


def _show_value(value: Any) -> str:
    if value is _MISSING or value is None:
        return "none" if value is _MISSING else "null"
    return value if isinstance(value, str) else json.dumps(value)
