"""The REST rules: one OpenAPI document (3.0 or 3.1) against another, operation by operation."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from codegen.compat.changes import Change, located
from codegen.compat.schemas import SchemaDiff
from codegen.errors import Location, Problems
from codegen.refs import Node, SpecSet

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_TEMPLATE = re.compile(r"\{[^}/]*\}")


@dataclass(frozen=True)
class RatePolicy:
    name: str
    limit: int
    window: float
    location: Location


@dataclass
class RestDiff:
    """Collects the changes between two OpenAPI documents into `changes`."""

    old_specs: SpecSet
    new_specs: SpecSet
    old: Node
    new: Node
    changes: list[Change]
    problems: Problems

    def run(self) -> None:
        old_ops, new_ops = _operations(self.old), _operations(self.new)
        new_paths = {key[0] for key in new_ops}
        for key, (path, op) in old_ops.items():
            subject = f"{key[1].upper()} {path}"
            if key in new_ops:
                new_path, new_op = new_ops[key]
                self._operation(f"{key[1].upper()} {new_path}", op, new_op)
                continue
            deprecated = op.value.get("deprecated") is True
            if key[0] not in new_paths:
                rule = "api-path-removed-with-deprecation" if deprecated else "api-path-removed-without-deprecation"
                self._add(rule, subject, f"path {path} removed", op.location, None)
            else:
                rule = "api-removed-with-deprecation" if deprecated else "api-removed-without-deprecation"
                self._add(rule, subject, f"operation {subject} removed", op.location, None)
        for key, (path, op) in new_ops.items():
            if key not in old_ops:
                subject = f"{key[1].upper()} {path}"
                self._add("endpoint-added", subject, f"operation {subject} added", None, op.location)
        self._webhooks()

    def _webhooks(self) -> None:
        """Webhooks (OpenAPI 3.1) are compared by name only: one removed is a break."""
        old_hooks, new_hooks = self.old.child("webhooks"), self.new.child("webhooks")
        for name in old_hooks.value if isinstance(old_hooks.value, dict) else {}:
            if not isinstance(new_hooks.value, dict) or name not in new_hooks.value:
                self._add(
                    "webhook-removed",
                    f"webhook {name}",
                    f"webhook {name} removed",
                    located(old_hooks.child(name)),
                    None,
                )

    def _add(self, rule: str, subject: str, what: str, old: Location | None, new: Location | None) -> None:
        self.changes.append(Change(rule, subject, what, old, new, "openapi"))

    def _operation(self, subject: str, old: Node, new: Node) -> None:
        self._parameters(subject, old, new)
        self._request_body(subject, old, new)
        self._responses(subject, old, new)
        self._security(subject, old, new)
        self._rate_limit(subject, old, new)

    # --- parameters
    def _parameters(self, subject: str, old: Node, new: Node) -> None:
        before = _parameters(old, self.old_specs, self.problems)
        after = _parameters(new, self.new_specs, self.problems)
        for key, param in before.items():
            label = f"{key[0]} parameter `{param.value.get('name')}`"
            if key not in after:
                self._add("request-parameter-removed", subject, f"{label} removed", param.location, None)
                continue
            now = after[key]
            was_required, is_required = param.value.get("required") is True, now.value.get("required") is True
            if was_required != is_required:
                rule = "request-parameter-became-required" if is_required else "request-parameter-became-optional"
                what = f"{label} became {'required' if is_required else 'optional'}"
                self._add(rule, subject, what, _loc(param, "required"), _loc(now, "required"))
            if isinstance(param.value.get("schema"), dict) and isinstance(now.value.get("schema"), dict):
                diff = self._schema_diff(subject, "request", "parameter", f" ({label})")
                diff.compare(param.child("schema"), now.child("schema"))
        for key, param in after.items():
            if key in before:
                continue
            label = f"{key[0]} parameter `{param.value.get('name')}`"
            if key[0] == "path":
                self._add("new-request-path-parameter", subject, f"{label} added", None, param.location)
            elif param.value.get("required") is True:
                self._add("new-required-request-parameter", subject, f"{label} added as required", None, param.location)
            else:
                self._add("new-optional-request-parameter", subject, f"{label} added", None, param.location)

    # --- request bodies
    def _request_body(self, subject: str, old: Node, new: Node) -> None:
        before = self.old_specs.deref(old.child("requestBody"), self.problems) if "requestBody" in old.value else None
        after = self.new_specs.deref(new.child("requestBody"), self.problems) if "requestBody" in new.value else None
        if before is None and after is None:
            return
        if before is None:
            assert after is not None
            required = after.value.get("required") is True
            rule = "request-body-added-required" if required else "request-body-added-optional"
            self._add(rule, subject, f"request body added{' as required' if required else ''}", None, after.location)
            return
        if after is None:
            self._add("request-body-removed", subject, "request body removed", before.location, None)
            return
        was, now = before.value.get("required") is True, after.value.get("required") is True
        if was != now:
            rule = "request-body-became-required" if now else "request-body-became-optional"
            what = f"request body became {'required' if now else 'optional'}"
            self._add(rule, subject, what, _loc(before, "required"), _loc(after, "required"))
        self._content(subject, before, after, "request")

    # --- responses
    def _responses(self, subject: str, old: Node, new: Node) -> None:
        before, after = old.child("responses"), new.child("responses")
        old_codes = before.value if isinstance(before.value, dict) else {}
        new_codes = after.value if isinstance(after.value, dict) else {}
        for code in old_codes:
            if code not in new_codes:
                rule = "response-success-status-removed" if _success(code) else "response-non-success-status-removed"
                self._add(rule, subject, f"response {code} removed", before.child(code).location, None)
        for code in new_codes:
            if code not in old_codes:
                rule = "response-success-status-added" if _success(code) else "response-non-success-status-added"
                self._add(rule, subject, f"response {code} added", None, after.child(code).location)
        for code in old_codes:
            if code in new_codes:
                old_response = self.old_specs.deref(before.child(code), self.problems)
                new_response = self.new_specs.deref(after.child(code), self.problems)
                if old_response is not None and new_response is not None:
                    self._headers(subject, old_response, new_response, code)
                    self._content(subject, old_response, new_response, "response", f" {code}")

    def _headers(self, subject: str, old: Node, new: Node, code: str) -> None:
        """Response headers a client reads (`Location`, `RateLimit-*`): removed, or no longer always sent."""
        before, after = _headers(old, self.old_specs, self.problems), _headers(new, self.new_specs, self.problems)
        for name, header in before.items():
            required = header.value.get("required") is True
            label = f"response {code}: header {header.path[-1]}"
            if name not in after:
                rule = "required-response-header-removed" if required else "optional-response-header-removed"
                self._add(rule, subject, f"{label} removed", located(header), None)
            elif required and after[name].value.get("required") is not True:
                what = f"{label} became optional"
                self._add(
                    "response-header-became-optional", subject, what, _loc(header, "required"), located(after[name])
                )

    def _content(
        self, subject: str, old: Node, new: Node, direction: Literal["request", "response"], status: str = ""
    ) -> None:
        before, after = old.child("content"), new.child("content")
        old_media = before.value if isinstance(before.value, dict) else {}
        new_media = after.value if isinstance(after.value, dict) else {}
        where = "request body" if direction == "request" else f"response{status}"
        for media in old_media:
            if media not in new_media:
                rule = "request-body-media-type-removed" if direction == "request" else "response-media-type-removed"
                self._add(rule, subject, f"{where}: media type {media} removed", before.child(media).location, None)
        for media in new_media:
            if media not in old_media:
                rule = "request-body-media-type-added" if direction == "request" else "response-media-type-added"
                self._add(rule, subject, f"{where}: media type {media} added", None, after.child(media).location)
        for media in old_media:
            if media in new_media:
                old_schema, new_schema = before.child(media, "schema"), after.child(media, "schema")
                if isinstance(old_schema.value, dict) and isinstance(new_schema.value, dict):
                    context = f" ({where}, {media})" if direction == "response" or len(old_media) > 1 else ""
                    self._schema_diff(subject, direction, "body", context).compare(old_schema, new_schema)

    def _schema_diff(
        self, subject: str, direction: Literal["request", "response"], scope: Literal["body", "parameter"], context: str
    ) -> SchemaDiff:
        def report(rule: str, what: str, old: Location | None, new: Location | None) -> None:
            self._add(rule, subject, what + context, old, new)

        return SchemaDiff(self.old_specs, self.new_specs, direction, scope, report, self.problems)

    # --- security
    def _security(self, subject: str, old: Node, new: Node) -> None:
        before, old_at = _security(old, self.old)
        after, new_at = _security(new, self.new)
        was_public, is_public = _public(before), _public(after)
        if was_public and not is_public:
            self._add("api-security-added", subject, f"now requires {_describe(after)}", old_at, new_at)
            return
        if is_public:
            if not was_public:
                self._add("api-security-removed", subject, "no longer requires credentials", old_at, new_at)
            return
        for alternative in before:
            if any(_covers(candidate, alternative) for candidate in after):
                continue
            grown = [c for c in after if {s for s, _ in c} == {s for s, _ in alternative}]
            if grown:
                added = sorted(
                    set().union(*(scopes for _, scopes in grown[0])) - set().union(*(s for _, s in alternative))
                )
                what = f"roles added: {', '.join(added)} (was {_describe([alternative])})"
                self._add("api-security-scope-added", subject, what, old_at, new_at)
            else:
                what = f"{_describe([alternative])} no longer suffices (now {_describe(after)})"
                self._add("api-security-tightened", subject, what, old_at, new_at)
        for alternative in after:
            if not any(_covers(candidate, alternative) for candidate in before):
                self._add(
                    "api-security-scope-removed", subject, f"now {_describe([alternative])} suffices", old_at, new_at
                )

    # --- rate limits
    def _rate_limit(self, subject: str, old: Node, new: Node) -> None:
        before = rate_policy(old, self.old)
        after = rate_policy(new, self.new)
        change = rate_tightened(before, after)
        if change:
            self._add("api-rate-limit-tightened", subject, change, _rate_at(old, before), _rate_at(new, after))


def _operations(root: Node) -> dict[tuple[str, str], tuple[str, Node]]:
    """Every operation by (path template without parameter names, method): renaming `{id}` is not a removal."""
    found: dict[tuple[str, str], tuple[str, Node]] = {}
    paths = root.child("paths")
    if not isinstance(paths.value, dict):
        return found
    for path, item in paths.value.items():
        if not isinstance(item, dict):
            continue
        for method in METHODS:
            if isinstance(item.get(method), dict):
                found[(_TEMPLATE.sub("{}", path), method)] = (path, paths.child(path, method))
    return found


def _parameters(op: Node, specs: SpecSet, problems: Problems) -> dict[tuple[str, str], Node]:
    """The parameters of an operation, path-item ones included, by (in, name); header names ignore case."""
    found: dict[tuple[str, str], Node] = {}
    item = Node(op.document, op.path[:-1], op.document.get(op.path[:-1]))
    template = str(op.path[-2])
    for owner in (item, op):
        listed = owner.child("parameters")
        if not isinstance(listed.value, list):
            continue
        for index in range(len(listed.value)):
            param = specs.deref(listed.child(index), problems)
            if param is None or not isinstance(param.value, dict):
                continue
            where, name = str(param.value.get("in")), str(param.value.get("name"))
            if where == "header":
                name = name.lower()
            elif where == "path" and f"{{{name}}}" in template:
                name = f"#{template.index(f'{{{name}}}')}"  # by place in the path: renaming it changes no URL
            found[(where, name)] = param
    return found


def _headers(response: Node, specs: SpecSet, problems: Problems) -> dict[str, Node]:
    """The headers of a response by lower-case name, each `$ref` followed; the located node is the name's."""
    listed = response.child("headers")
    found: dict[str, Node] = {}
    for name in listed.value if isinstance(listed.value, dict) else {}:
        header = specs.deref(listed.child(name), problems)
        if header is not None and isinstance(header.value, dict):
            found[str(name).lower()] = Node(listed.document, (*listed.path, name), header.value)
    return found


def _success(code: str) -> bool:
    return code.startswith("2")


def _loc(node: Node, keyword: str) -> Location:
    return located(node, keyword)


# A security requirement alternative: each scheme it names with the scopes (roles) it asks for.
Alternative = frozenset[tuple[str, frozenset[str]]]


def _security(op: Node, root: Node) -> tuple[list[Alternative], Location]:
    owner = op if "security" in op.value else root
    listed = owner.value.get("security") if isinstance(owner.value, dict) else None
    where = owner.child("security").location if listed is not None else op.location
    alternatives: list[Alternative] = []
    for requirement in listed or []:
        if isinstance(requirement, dict):
            alternatives.append(
                frozenset((str(name), frozenset(map(str, scopes or []))) for name, scopes in requirement.items())
            )
    return alternatives, where


def _public(alternatives: list[Alternative]) -> bool:
    """No requirement, or an empty one among the alternatives: anyone may call."""
    return not alternatives or any(not alternative for alternative in alternatives)


def _covers(candidate: Alternative, alternative: Alternative) -> bool:
    """Whether a caller who satisfies `alternative` also satisfies `candidate`."""
    held = dict(alternative)
    return all(scheme in held and scopes <= held[scheme] for scheme, scopes in candidate)


def _describe(alternatives: list[Alternative]) -> str:
    parts = []
    for alternative in alternatives:
        parts.append(" + ".join(f"{scheme}[{', '.join(sorted(scopes))}]" for scheme, scopes in sorted(alternative)))
    return " or ".join(parts) or "nothing"


def rate_policy(owner: Node, root: Node) -> RatePolicy | None:
    """The policy `owner` (an operation or a WS operation) names in `x-rate-limit`, or the default of the
    `x-rate-limits` catalogue of the OpenAPI document `root`; None: not limited."""
    catalogue = root.child("x-rate-limits")
    if not isinstance(catalogue.value, dict) or not isinstance(catalogue.value.get("policies"), dict):
        return None
    name = owner.value.get("x-rate-limit", catalogue.value.get("default"))
    policy = catalogue.child("policies", name) if isinstance(name, str) else None
    if policy is None or not isinstance(policy.value, dict):
        return None
    limit, window = policy.value.get("limit"), policy.value.get("window")
    if not isinstance(limit, int) or not isinstance(window, (int, float)) or window <= 0:
        return None
    return RatePolicy(str(name), limit, float(window), policy.location)


def rate_tightened(before: RatePolicy | None, after: RatePolicy | None) -> str | None:
    """What got tighter, as a phrase: a smaller burst or a lower average rate; None when nothing did."""
    if after is None:
        return None
    now = f"{after.name}: {after.limit} per {after.window:g} s"
    if before is None:
        return f"now rate limited ({now})"
    if after.limit < before.limit or after.limit / after.window < before.limit / before.window:
        return f"rate limit {before.name}: {before.limit} per {before.window:g} s -> {now}"
    return None


def _rate_at(owner: Node, policy: RatePolicy | None) -> Location:
    if "x-rate-limit" in owner.value or policy is None:
        return located(owner, "x-rate-limit")
    return policy.location
