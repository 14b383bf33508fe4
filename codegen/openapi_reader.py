"""Reads spec/openapi.yaml into the contract's REST operations, reporting every problem with its location.

Beyond OpenAPI 3.1 validity, it enforces the house rules codegen relies on: one tag and an operationId per
operation, explicit security with roles from the `x-roles` catalogue, problem+json for every error response,
401/403 on secured operations, 422 wherever input is validated, and a link to derive every `Location` from.
A construct codegen would not render faithfully is an error, never a silent drop.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, replace
from typing import Any

from jsonschema.exceptions import ValidationError, best_match
from openapi_spec_validator import OpenAPIV31SpecValidator
from openapi_spec_validator.validation.exceptions import DuplicateOperationIDError

from codegen.contract import (
    Access,
    Contract,
    LocationHeader,
    ModelRef,
    Param,
    RestOperation,
    SecurityScheme,
    snake_case,
)
from codegen.errors import Location, Problems
from codegen.names import OPERATION_ID, ROLE_NAME, SCHEMA_NAME, DerivedNames, tag_problem
from codegen.rate_limits import RATE_LIMIT_HEADERS, policy_of, read_policies
from codegen.refs import Node, SpecSet
from codegen.schema_rules import check_named_schemas
from codegen.source import Document

METHODS = ("get", "post", "put", "patch", "delete")
_PATH_ITEM_KEYS = {"summary", "description", "parameters", *METHODS}
_OPERATION_KEYS = {
    "operationId",
    "tags",
    "summary",
    "description",
    "externalDocs",
    "security",
    "parameters",
    "requestBody",
    "responses",
    "deprecated",
}
_PARAM_KEYS = {"name", "in", "description", "required", "deprecated", "schema", "example", "examples"}
_SUCCESS_KEYS = {"description", "content", "headers", "links"}
_ERROR_KEYS = {"description", "content", "headers"}
_PARAM_SCHEMA_KEYS = {
    "type",
    "format",
    "enum",
    "const",
    "default",
    "description",
    "title",
    "examples",
    "example",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "pattern",
}
_PYTHON_TYPES = {"integer": "int", "number": "float", "string": "str", "boolean": "bool"}
_CONSTRAINTS = (
    ("minimum", "ge"),
    ("maximum", "le"),
    ("exclusiveMinimum", "gt"),
    ("exclusiveMaximum", "lt"),
    ("multipleOf", "multiple_of"),
    ("minLength", "min_length"),
    ("maxLength", "max_length"),
    ("pattern", "pattern"),
)
_RESERVED_PARAM_NAMES = {"ctx", "body", "impl", "request", "response", "result"}

_BODY_FIELD = re.compile(r"^\$response\.body#/([A-Za-z_][A-Za-z0-9_]*)$")
_SCHEMA_REF = re.compile(r"^#/components/schemas/([^/]+)$")


@dataclass(frozen=True)
class _PendingLocation:
    """A 201 response whose Location header is derived from links once every operation is known."""

    operation_id: str
    response: Node
    response_model: ModelRef | None


def read_openapi(specs: SpecSet, document: Document, contract: Contract, problems: Problems) -> None:
    """Validate `document` and add its operations and roles to `contract`; stop early on structural errors."""
    root = Node(document, (), document.data)
    if not isinstance(root.value, dict):
        problems.add(root.location, "an OpenAPI document must be a mapping")
        return
    version = root.value.get("openapi")
    if not (isinstance(version, str) and version.startswith("3.1.")):
        problems.add(root.child("openapi").location, f"codegen reads OpenAPI 3.1 documents, not {version!r}")
        return
    # The catalogues first: the AsyncAPI document checks its roles and policies against them even when the
    # rest is broken.
    contract.roles = _read_roles(root, problems)
    contract.rate_limits = read_policies(root, problems)
    specs.check_refs(document, problems)
    if problems:
        return
    _validate_structure(document, problems)
    if problems:
        return
    if "webhooks" in root.value:
        problems.add(root.child("webhooks").location, "`webhooks` are not supported by codegen")
    reader = _OperationReader(specs, root, contract, problems)
    reader.read_all()


def _validate_structure(document: Document, problems: Problems) -> None:
    validator = OpenAPIV31SpecValidator(document.data, base_uri=document.path.as_uri())
    for error in validator.iter_errors():
        if isinstance(error, DuplicateOperationIDError):
            continue  # reported by the operation reader, with both locations
        if isinstance(error, ValidationError) and error.absolute_path:
            detail = best_match([error]) if error.context else error
            path = tuple(detail.absolute_path) or tuple(error.absolute_path)
            if document.get(path) is not detail.instance:  # a path relative to a schema checked on its own
                path = document.path_of(detail.instance, path) or path
            problems.add(document.location(path), _short(detail.message))
        else:
            # The validator's own semantic checks carry no path; their message names the operation.
            message = _short(getattr(error, "message", None) or str(error))
            problems.add(document.location(_path_in_message(message)), message)


_OPERATION_IN_MESSAGE = re.compile(r"for '(?P<method>[a-z]+)'(?: operation)? in '(?P<path>/[^']*)'")


def _path_in_message(message: str) -> tuple[str, ...]:
    match = _OPERATION_IN_MESSAGE.search(message)
    return ("paths", match["path"], match["method"]) if match else ()


def _short(message: str, limit: int = 240) -> str:
    first_line = message.splitlines()[0] if message else "invalid"
    return first_line if len(first_line) <= limit else first_line[: limit - 3] + "..."


def _read_roles(root: Node, problems: Problems) -> dict[str, str]:
    catalogue = root.child("x-roles")
    if catalogue.value is None:
        return _named_roles(root)
    if not isinstance(catalogue.value, dict) or not catalogue.value:
        problems.add(catalogue.location, "`x-roles` must map each role name to its description")
        return {}
    roles: dict[str, str] = {}
    for name, description in catalogue.value.items():
        if not ROLE_NAME.match(name):
            problems.add(catalogue.child(name).location, f"role name {name!r} must match {ROLE_NAME.pattern}")
        if not isinstance(description, str):
            problems.add(catalogue.child(name).location, f"role {name!r} needs a description (a string)")
        roles[name] = description if isinstance(description, str) else ""
    return roles


def _scheme(name: str, spec: dict[str, Any]) -> SecurityScheme | None:
    """The scheme `spec` describes, or None when codegen cannot serve it (http digest, mutualTLS, ...)."""
    kind, description = spec.get("type"), str(spec.get("description") or "")
    if kind == "http":
        http = str(spec.get("scheme", "")).lower()  # HTTP authentication schemes are case-insensitive
        if http in ("bearer", "basic"):
            return SecurityScheme(name, "bearer" if http == "bearer" else "basic", description=description)
        return None
    if kind == "apiKey":
        location = spec.get("in")
        if location in ("header", "query", "cookie"):
            return SecurityScheme(name, "apiKey", location, str(spec.get("name")), description)
        return None
    if kind in ("oauth2", "openIdConnect"):
        return SecurityScheme(name, kind, description=description)
    return None


def _named_roles(root: Node) -> dict[str, str]:
    """The catalogue of a document without `x-roles`: every OAuth2 scope it declares and every role its
    security requirements name, in the order they first appear."""
    roles: dict[str, str] = {}
    schemes = root.value.get("components", {}).get("securitySchemes", {})
    for scheme in schemes.values() if isinstance(schemes, dict) else ():
        flows = scheme.get("flows") if isinstance(scheme, dict) else None
        for flow in flows.values() if isinstance(flows, dict) else ():
            scopes = flow.get("scopes") if isinstance(flow, dict) else None
            for scope, description in scopes.items() if isinstance(scopes, dict) else ():
                roles.setdefault(str(scope), description if isinstance(description, str) else "")
    requirement_lists = [root.value.get("security")]
    for item in (root.value.get("paths") or {}).values():
        for method in METHODS:
            operation = item.get(method) if isinstance(item, dict) else None
            requirement_lists.append(operation.get("security") if isinstance(operation, dict) else None)
    for requirements in requirement_lists:
        for requirement in requirements if isinstance(requirements, list) else ():
            for names in requirement.values() if isinstance(requirement, dict) else ():
                for name in names if isinstance(names, list) else ():
                    roles.setdefault(str(name), "")
    return roles


class _OperationReader:
    """Walks `paths` once, turning each operation into a RestOperation or into located problems."""

    def __init__(self, specs: SpecSet, root: Node, contract: Contract, problems: Problems) -> None:
        self.specs = specs
        self.root = root
        self.contract = contract
        self.problems = problems
        self.declared_tags = {t.get("name") for t in root.value.get("tags", []) if isinstance(t, dict)}
        self.schemes = root.value.get("components", {}).get("securitySchemes", {})
        self.seen_ids: dict[str, Location] = {}
        self.method_names = DerivedNames()
        self.pending_locations: list[_PendingLocation] = []
        self.fixed_headers: dict[str, tuple[tuple[str, str], ...]] = {}
        self.success_headers: dict[str, set[str]] = {}

    def read_all(self) -> None:
        self._check_schemes()
        self._check_schema_names()
        check_named_schemas(self.root.child("components", "schemas"), self.problems)
        paths = self.root.child("paths")
        for path in paths.value or {}:
            item = paths.child(path)
            self._check_keys(item, _PATH_ITEM_KEYS, "a path item")
            for method in METHODS:
                if method in item.value:
                    operation = self._read_operation(path, method, item)
                    if operation is not None:
                        self.contract.rest.append(operation)
        self._resolve_locations()

    def _check_schemes(self) -> None:
        schemes = self.root.child("components", "securitySchemes")
        for name in schemes.value or {}:
            node = self.specs.deref(schemes.child(name), self.problems)
            scheme = _scheme(name, node.value) if node is not None and isinstance(node.value, dict) else None
            if scheme is None:
                self.problems.add(
                    schemes.child(name).location,
                    f"security scheme {name!r}: codegen serves `http` (bearer or basic), `apiKey`, `oauth2` and "
                    "`openIdConnect` schemes",
                )
            else:
                self.contract.security_schemes[name] = scheme

    def _check_schema_names(self) -> None:
        schemas = self.root.child("components", "schemas")
        for name in schemas.value or {}:
            if not SCHEMA_NAME.match(name):
                self.problems.add(
                    schemas.child(name).location,
                    f"schema name {name!r} must be PascalCase ({SCHEMA_NAME.pattern}): it names a Python class",
                )

    def _check_keys(self, node: Node, allowed: set[str], what: str) -> None:
        for key in node.value:
            if key not in allowed and not key.startswith("x-"):
                self.problems.add(node.child(key).location, f"`{key}` in {what} is not supported by codegen")

    def _read_operation(self, path: str, method: str, item: Node) -> RestOperation | None:
        op = item.child(method)
        start = len(self.problems)
        self._check_keys(op, _OPERATION_KEYS, "an operation")
        operation_id = self._operation_id(op)
        tag = self._tag(op)
        params = self._params(item, op)
        body = self._body(op)
        access = self._access(op)
        rate_limit = policy_of(self.contract.rate_limits, op, self.problems)
        responses = self._responses(op, operation_id or "")
        if len(self.problems) > start or operation_id is None or tag is None or responses is None:
            return None
        success_status, response_model, statuses = responses
        self._check_required_statuses(op, access, bool(params) or body is not None, statuses)
        if rate_limit is not None:
            self._check_rate_limited(op, rate_limit, statuses, self.success_headers.get(operation_id, set()))
        return RestOperation(
            operation_id=operation_id,
            method=method,
            path=path,
            tag=tag,
            summary=str(op.value.get("summary", "")),
            description=str(op.value.get("description", "")),
            deprecated=bool(op.value.get("deprecated", False)),
            params=tuple(params),
            body=body,
            success_status=success_status,
            response=response_model,
            location_header=None,
            fixed_headers=self.fixed_headers.get(operation_id, ()),
            access=access,
            statuses=statuses,
            where=op.location,
            rate_limit=rate_limit,
        )

    def _operation_id(self, op: Node) -> str | None:
        operation_id = op.value.get("operationId")
        if not isinstance(operation_id, str):
            self.problems.add(op.location, "operation has no operationId; codegen names its handler method after it")
            return None
        where = op.child("operationId").location
        if not OPERATION_ID.match(operation_id):
            self.problems.add(where, f"operationId {operation_id!r} must be camelCase ({OPERATION_ID.pattern})")
            return None
        if operation_id in self.seen_ids:
            self.problems.add(where, f"duplicate operationId {operation_id!r} (first at {self.seen_ids[operation_id]})")
            return None
        self.seen_ids[operation_id] = where
        collision = self.method_names.claim(operation_id, where)
        if collision:
            self.problems.add(where, f"operationId {collision}")
            return None
        return operation_id

    def _tag(self, op: Node) -> str | None:
        tags = op.value.get("tags")
        if not tags:
            self.problems.add(op.location, "operation has no tag; the tag names the handler class that implements it")
            return None
        if len(tags) != 1:
            self.problems.add(
                op.child("tags").location,
                f"operation has {len(tags)} tags; give it exactly one, the handler class that implements it",
            )
            return None
        tag = tags[0]
        where = op.child("tags", 0).location
        problem = tag_problem(tag)
        if problem is not None:
            self.problems.add(where, problem)
            return None
        if tag not in self.declared_tags:
            self.problems.add(where, f"tag {tag!r} is not declared in the top-level `tags`")
        return str(tag)

    def _params(self, item: Node, op: Node) -> list[Param]:
        merged: dict[tuple[str, str], Node] = {}
        for owner in (item, op):
            for index, _ in enumerate(owner.value.get("parameters", []) or []):
                node = self.specs.deref(owner.child("parameters", index), self.problems)
                if node is not None and isinstance(node.value, dict):
                    merged[(str(node.value.get("name")), str(node.value.get("in")))] = node
        params = [p for p in (self._param(node) for node in merged.values()) if p is not None]
        # Path parameters first, then query parameters, each in declaration order: the handler's signature.
        return sorted(params, key=lambda p: p.where != "path")

    def _param(self, node: Node) -> Param | None:
        spec = node.value
        self._check_keys(node, _PARAM_KEYS, "a parameter")
        where = spec.get("in")
        if where not in ("path", "query"):
            self.problems.add(node.child("in").location, f"parameters `in: {where}` are not supported by codegen")
            return None
        name = str(spec["name"])
        python_name = snake_case(name)
        if not python_name.isidentifier() or keyword.iskeyword(python_name) or python_name in _RESERVED_PARAM_NAMES:
            self.problems.add(
                node.child("name").location,
                f"parameter {name!r} cannot be a Python argument name ({python_name!r} is reserved or invalid)",
            )
            return None
        schema = self.specs.deref(node.child("schema"), self.problems)
        if schema is None or not isinstance(schema.value, dict):
            self.problems.add(node.location, f"parameter {name!r} needs a `schema`")
            return None
        python_type = self._param_type(schema, name)
        if python_type is None:
            return None
        constraints = tuple((kw, schema.value[key]) for key, kw in _CONSTRAINTS if key in schema.value)
        required = bool(spec.get("required", False))
        has_default = "default" in schema.value
        return Param(
            name=name,
            python_name=python_name,
            where=where,
            required=required,
            python_type=python_type,
            constraints=constraints,
            default=schema.value.get("default"),
            has_default=has_default,
            description=str(spec.get("description") or schema.value.get("description") or ""),
        )

    def _param_type(self, schema: Node, name: str) -> str | None:
        self._check_keys(schema, _PARAM_SCHEMA_KEYS, f"the schema of parameter {name!r}")
        values = schema.value.get("enum")
        if "const" in schema.value:
            values = [schema.value["const"]]
        if isinstance(values, list) and values:
            return "Literal[" + ", ".join(repr(v) for v in values) + "]"
        kind = schema.value.get("type")
        if not isinstance(kind, str) or kind not in _PYTHON_TYPES:
            self.problems.add(
                schema.child("type").location,
                f"parameter {name!r}: type {kind!r} is not supported (use integer, number, string or boolean)",
            )
            return None
        fmt = schema.value.get("format")
        if kind == "string" and fmt in ("date", "date-time", "uuid", "binary", "byte"):
            self.problems.add(schema.child("format").location, f"parameter {name!r}: format {fmt!r} is not supported")
            return None
        return _PYTHON_TYPES[kind]

    def _body(self, op: Node) -> ModelRef | None:
        if "requestBody" not in op.value:
            return None
        body = self.specs.deref(op.child("requestBody"), self.problems)
        if body is None:
            return None
        if body.value.get("required") is not True:
            self.problems.add(
                body.location, "request bodies must be `required: true`; optional bodies are not supported"
            )
        return self._json_model(body, "application/json", "request body")

    def _json_model(self, owner: Node, media_type: str, what: str) -> ModelRef | None:
        content = owner.child("content")
        if not isinstance(content.value, dict) or set(content.value) != {media_type}:
            found = ", ".join(sorted(content.value)) if isinstance(content.value, dict) else "none"
            self.problems.add(
                content.location, f"{what} must have exactly one media type, {media_type} (found {found})"
            )
            return None
        schema = content.child(media_type, "schema")
        ref = schema.value.get("$ref") if isinstance(schema.value, dict) else None
        match = _SCHEMA_REF.match(ref) if isinstance(ref, str) else None
        if match is None or len(schema.value) != 1:
            self.problems.add(
                schema.location,
                f"{what} schema must be a plain `$ref` to #/components/schemas/<Name> (name it so the model has a name)",
            )
            return None
        return ModelRef("rest", match.group(1))

    def _responses(self, op: Node, operation_id: str) -> tuple[int, ModelRef | None, tuple[int, ...]] | None:
        responses = op.child("responses")
        success: list[int] = []
        model: ModelRef | None = None
        statuses: list[int] = []
        for code in responses.value or {}:
            where = responses.child(code).location
            if not code.isdigit():
                self.problems.add(
                    where, f"response {code!r}: declare each status code explicitly (no ranges, no default)"
                )
                continue
            status = int(code)
            statuses.append(status)
            response = self.specs.deref(responses.child(code), self.problems)
            if response is None:
                continue
            if 200 <= status < 300:
                success.append(status)
                model = self._success(response, status, operation_id)
            elif status >= 400:
                self._check_keys(response, _ERROR_KEYS, "a response")
                self._json_model(response, "application/problem+json", f"error response {status}")
            else:
                self.problems.add(where, f"response {status}: only 2xx, 4xx and 5xx responses are supported")
        if len(success) != 1:
            self.problems.add(
                responses.location,
                f"operation must declare exactly one 2xx response (found {len(success) or 'none'})",
            )
            return None
        return success[0], model, tuple(sorted(statuses))

    def _success(self, response: Node, status: int, operation_id: str) -> ModelRef | None:
        self._check_keys(response, _SUCCESS_KEYS, "a response")
        model = None
        if status == 204:
            if response.value.get("content"):
                self.problems.add(response.child("content").location, "a 204 response has no content")
        else:
            model = self._json_model(response, "application/json", f"response {status}")
        headers = response.value.get("headers") or {}
        self.success_headers[operation_id] = set(headers)
        for name in headers:
            where = response.child("headers", name).location
            if name in RATE_LIMIT_HEADERS:
                continue  # set by the service's rate limiter, not by the generated route
            if name == "Location":
                if status == 201:
                    self.pending_locations.append(_PendingLocation(operation_id, response, model))
                else:
                    self.problems.add(where, "Location is supported on 201 responses")
                continue
            value = self._constant_header(response.child("headers", name))
            if value is None:
                self.problems.add(
                    where,
                    f"response header {name!r}: codegen sets only Location and constant headers "
                    "(`schema: {type: string, const: <value>}`)",
                )
            else:
                self.fixed_headers[operation_id] = (*self.fixed_headers.get(operation_id, ()), (name, value))
        return model

    def _constant_header(self, header: Node) -> str | None:
        resolved = self.specs.deref(header, self.problems)
        schema = self.specs.deref(resolved.child("schema"), self.problems) if resolved is not None else None
        value = schema.value.get("const") if schema is not None and isinstance(schema.value, dict) else None
        return value if isinstance(value, str) else None

    def _access(self, op: Node) -> Access:
        if "security" in op.value:
            security = op.child("security")
        elif "security" in self.root.value:
            security = self.root.child("security")
        else:
            self.problems.add(
                op.location,
                "operation has no `security`: list the roles it needs, or `security: []` for a public operation",
            )
            return Access(public=True)
        if not security.value:
            return Access(public=True)
        # OR of ANDs: any one requirement object will do, and it needs every scheme it names.
        alternatives: list[tuple[str, ...]] = []
        schemes: list[tuple[str, ...]] = []
        optional = False
        for index, requirement in enumerate(security.value):
            node = security.child(index)
            if requirement == {}:
                optional = True  # anyone may call; credentials presented are verified all the same
                continue
            roles: dict[str, None] = {}  # the roles of every scheme of the requirement, in order
            for scheme, names in requirement.items():
                if scheme not in self.schemes:
                    self.problems.add(node.child(scheme).location, f"unknown security scheme {scheme!r}")
                for position, role in enumerate(names):
                    if role not in self.contract.roles:
                        self.problems.add(
                            node.child(scheme, position).location,
                            f"unknown role {role!r}: the catalogue (x-roles) has {', '.join(self.contract.roles)}",
                        )
                    roles[role] = None
            alternatives.append(tuple(roles))
            schemes.append(tuple(requirement))
        return Access(public=False, alternatives=tuple(alternatives), optional=optional, schemes=tuple(schemes))

    def _check_required_statuses(self, op: Node, access: Access, takes_input: bool, statuses: tuple[int, ...]) -> None:
        needed: list[tuple[int, str]] = []
        if not access.public:
            needed.append((401, "it is secured"))
        if any(access.alternatives) and not access.optional:
            needed.append((403, "it requires roles"))
        if takes_input:
            needed.append((422, "it validates parameters or a body"))
        for status, reason in needed:
            if status not in statuses:
                self.problems.add(
                    op.child("responses").location, f"operation must declare a {status} response: {reason}"
                )

    def _check_rate_limited(self, op: Node, policy: str, statuses: tuple[int, ...], headers: set[str]) -> None:
        """A rate-limited operation documents what its limiter answers: 429 over the budget, 503 when the
        limiter cannot count (fail-closed), and the budget's headers on its success response."""
        for status, reason in ((429, "over its budget"), (503, "when the limiter cannot count")):
            if status not in statuses:
                self.problems.add(
                    op.child("responses").location,
                    f"operation is rate limited (policy {policy!r}): it must declare a {status} response ({reason})",
                )
        missing = [name for name in RATE_LIMIT_HEADERS if name not in headers]
        if missing and 429 in statuses and 503 in statuses:
            self.problems.add(
                op.child("responses").location,
                f"operation is rate limited (policy {policy!r}): its success response must declare the headers "
                + ", ".join(missing),
            )

    def _resolve_locations(self) -> None:
        by_id = {op.operation_id: op for op in self.contract.rest}
        for pending in self.pending_locations:
            header = self._location_header(pending, by_id)
            op = by_id.get(pending.operation_id)
            if header is not None and op is not None:
                self.contract.rest[self.contract.rest.index(op)] = _with_location(op, header)

    def _location_header(self, pending: _PendingLocation, by_id: dict[str, RestOperation]) -> LocationHeader | None:
        links = pending.response.child("links")
        properties = self._required_properties(pending.response_model)
        for name in links.value or {}:
            link = self.specs.deref(links.child(name), self.problems)
            linked_id = str(link.value.get("operationId")) if link is not None else ""
            if linked_id in self.seen_ids and linked_id not in by_id:
                return None  # the linked operation was rejected and its problems reported: nothing to judge by
            target = by_id.get(linked_id)
            if link is None or target is None or target.method != "get":
                continue
            mapping = link.value.get("parameters") or {}
            fields: list[tuple[str, str]] = []
            for param in (p for p in target.params if p.where == "path"):
                match = _BODY_FIELD.match(str(mapping.get(param.name, "")))
                if match is None or match.group(1) not in properties:
                    break
                fields.append((param.name, match.group(1)))
            else:
                return LocationHeader(template=target.path, fields=tuple(fields))
        self.problems.add(
            pending.response.child("headers", "Location").location,
            "a Location header needs a link to the GET operation of the created resource, with every path "
            "parameter taken from a required field of the body (`author_id: $response.body#/id`)",
        )
        return None

    def _required_properties(self, model: ModelRef | None) -> set[str]:
        schema = self.root.child("components", "schemas", model.name) if model else None
        if schema is None or not isinstance(schema.value, dict):
            return set()
        return set(schema.value.get("required", [])) & set(schema.value.get("properties", {}))


def _with_location(op: RestOperation, header: LocationHeader) -> RestOperation:
    return replace(op, location_header=header)
