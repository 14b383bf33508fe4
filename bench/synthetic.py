"""A synthetic pair of specs for the codegen benchmark: `resources` resources, each with five REST operations
(list, create, get, change, delete) and five WebSocket messages, written as codegen's rules ask."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ERROR = {"$ref": "#/components/responses/Problem"}
LIMITED = {"429": ERROR, "503": ERROR}
RATE_HEADERS = {
    name: {"schema": {"type": "integer"}} for name in ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")
}


def write(root: Path, resources: int) -> None:
    (root / "spec").mkdir(parents=True, exist_ok=True)
    # JSON is YAML: the readers locate errors in it as well.
    (root / "spec" / "openapi.yaml").write_text(json.dumps(openapi(resources), indent=1), encoding="utf-8")
    (root / "spec" / "asyncapi.yaml").write_text(json.dumps(asyncapi(resources), indent=1), encoding="utf-8")
    (root / "pyproject.toml").write_text(
        '[tool.ruff]\nline-length = 120\ntarget-version = "py311"\n\n[tool.ruff.lint.isort]\nknown-first-party = ["generated"]\n',
        encoding="utf-8",
    )


def _ok(schema: str, **extra: Any) -> dict[str, Any]:
    return {
        "description": "OK",
        "headers": RATE_HEADERS,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
        **extra,
    }


def _secured(role: str) -> dict[str, Any]:
    return {"security": [{"bearerAuth": [role]}]}


def openapi(resources: int) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {
        "Problem": {
            "type": "object",
            "required": ["title", "status"],
            "properties": {"title": {"type": "string"}, "status": {"type": "integer"}},
        },
        "PageMeta": {
            "type": "object",
            "required": ["page", "pages"],
            "properties": {"page": {"type": "integer", "minimum": 1}, "pages": {"type": "integer", "minimum": 0}},
        },
    }
    tags = []
    for n in range(resources):
        name, tag = f"Thing{n}", f"things{n}"
        tags.append({"name": tag, "description": f"Things of kind {n}."})
        errors = {"401": ERROR, "403": ERROR, "422": ERROR, **LIMITED}
        item = {"name": f"thing{n}_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
        paths[f"/api/v1/things{n}"] = {
            "get": {
                "operationId": f"listThings{n}",
                "tags": [tag],
                "summary": "List",
                **_secured("read"),
                "parameters": [
                    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 1}}
                ],
                "responses": {"200": _ok(f"{name}Page"), **errors},
            },
            "post": {
                "operationId": f"createThing{n}",
                "tags": [tag],
                "summary": "Create",
                **_secured("write"),
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}Create"}}},
                },
                "responses": {
                    "201": {
                        **_ok(name),
                        "headers": {**RATE_HEADERS, "Location": {"required": True, "schema": {"type": "string"}}},
                        "links": {
                            "Get": {"operationId": f"getThing{n}", "parameters": {f"thing{n}_id": "$response.body#/id"}}
                        },
                    },
                    **errors,
                },
            },
        }
        paths[f"/api/v1/things{n}/{{thing{n}_id}}"] = {
            "parameters": [item],
            "get": {
                "operationId": f"getThing{n}",
                "tags": [tag],
                "summary": "Get",
                **_secured("read"),
                "responses": {"200": _ok(name), "404": ERROR, **errors},
            },
            "patch": {
                "operationId": f"updateThing{n}",
                "tags": [tag],
                "summary": "Change",
                **_secured("write"),
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}Update"}}},
                },
                "responses": {"200": _ok(name), "404": ERROR, **errors},
            },
            "delete": {
                "operationId": f"deleteThing{n}",
                "tags": [tag],
                "summary": "Delete",
                **_secured("write"),
                "responses": {"204": {"description": "Gone", "headers": RATE_HEADERS}, "404": ERROR, **errors},
            },
        }
        fields = {"label": {"type": "string", "maxLength": 100}, "size": {"type": "integer", "minimum": 0}}
        schemas[name] = {
            "type": "object",
            "required": ["id", "label"],
            "properties": {"id": {"type": "integer", "minimum": 1}, **fields},
        }
        schemas[f"{name}Create"] = {
            "type": "object",
            "required": ["label"],
            "additionalProperties": False,
            "properties": fields,
        }
        schemas[f"{name}Update"] = {"type": "object", "additionalProperties": False, "properties": fields}
        schemas[f"{name}Page"] = {
            "type": "object",
            "required": ["items", "meta"],
            "properties": {
                "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{name}"}},
                "meta": {"$ref": "#/components/schemas/PageMeta"},
            },
        }
    return {
        "openapi": "3.1.0",
        "info": {"title": "synthetic", "version": "1.0.0"},
        "x-roles": {"read": "Read.", "write": "Write."},
        "x-rate-limits": {"default": "standard", "policies": {"standard": {"limit": 100, "window": 60}}},
        "tags": tags,
        "paths": paths,
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "responses": {
                "Problem": {
                    "description": "An error.",
                    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
                }
            },
            "schemas": schemas,
        },
    }


def asyncapi(resources: int) -> dict[str, Any]:
    messages: dict[str, Any] = {"ErrorReply": {"payload": {"$ref": "#/components/schemas/ErrorReply"}}}
    channel_messages: dict[str, Any] = {"errorReply": {"$ref": "#/components/messages/ErrorReply"}}
    operations: dict[str, Any] = {}
    schemas: dict[str, Any] = {
        "ErrorReply": {
            "type": "object",
            "properties": {"pkg_id": {"type": ["integer", "null"]}, "status_code": {"type": "integer", "minimum": 1}},
        },
    }
    pkg_id = 0

    def envelope(kind: str, data: Any, meta: Any = None, status: bool = False) -> dict[str, Any]:
        properties: dict[str, Any] = {
            "pkg_id": {"const": pkg_id},
            "req_id": {"type": "string", "format": "uuid"},
            "data": data,
        }
        if status:
            properties |= {"status_code": {"const": 0}, "meta": meta or {"type": "null"}}
        return {"type": "object", "required": list(properties), "properties": properties}

    for n in range(resources):
        thing = f"./openapi.yaml#/components/schemas/Thing{n}"
        schemas[f"Thing{n}Ref"] = {
            "type": "object",
            "required": ["id"],
            "additionalProperties": False,
            "properties": {"id": {"type": "integer", "minimum": 1}},
        }
        schemas[f"Thing{n}Query"] = {
            "type": "object",
            "additionalProperties": False,
            "properties": {"page": {"type": "integer", "minimum": 1, "default": 1}},
        }
        shapes = [
            (
                "list",
                f"#/components/schemas/Thing{n}Query",
                {"type": "array", "maxItems": 100, "items": {"$ref": thing}},
                None,
            ),
            (
                "page",
                f"#/components/schemas/Thing{n}Query",
                {"type": "array", "items": {"$ref": thing}},
                {"$ref": "./openapi.yaml#/components/schemas/PageMeta"},
            ),
            ("create", f"./openapi.yaml#/components/schemas/Thing{n}Create", {"$ref": thing}, None),
            ("get", f"#/components/schemas/Thing{n}Ref", {"$ref": thing}, None),
            ("delete", f"#/components/schemas/Thing{n}Ref", {"type": "null"}, None),
        ]
        for verb, request, reply, meta in shapes:
            pkg_id += 1
            operation = f"{verb}Thing{n}Ws"
            upper = operation[0].upper() + operation[1:]
            schemas[f"{upper}Request"] = envelope("request", {"$ref": request})
            schemas[f"{upper}Reply"] = envelope("reply", reply, meta, status=True)
            for suffix in ("Request", "Reply"):
                messages[f"{upper}{suffix}"] = {"payload": {"$ref": f"#/components/schemas/{upper}{suffix}"}}
                channel_messages[f"{operation}{suffix}"] = {"$ref": f"#/components/messages/{upper}{suffix}"}
            operations[operation] = {
                "action": "receive",
                "channel": {"$ref": "#/channels/web"},
                "summary": verb,
                "tags": [{"name": f"things{n}"}],
                "x-roles": ["read"] if verb in ("list", "page", "get") else ["write"],
                "messages": [{"$ref": f"#/channels/web/messages/{operation}Request"}],
                "reply": {
                    "channel": {"$ref": "#/channels/web"},
                    "messages": [
                        {"$ref": f"#/channels/web/messages/{operation}Reply"},
                        {"$ref": "#/channels/web/messages/errorReply"},
                    ],
                },
            }
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "synthetic WebSocket API", "version": "1.0.0"},
        "channels": {"web": {"address": "/web", "messages": channel_messages}},
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }
