"""spec/asyncapi.yaml read as a client would read it: each operation's request and reply payload schemas,
with every $ref (into this document or into openapi.yaml) resolved in place."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, find, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from schemathesis import GenerationMode

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "spec" / "asyncapi.yaml"


@dataclass(frozen=True)
class RequestReply:
    name: str
    pkg_id: int
    request: dict[str, Any]  # the request envelope's schema
    replies: list[dict[str, Any]]  # the schemas a reply may match: the success reply, the error reply


class Documents:
    def __init__(self) -> None:
        self._loaded: dict[Path, Any] = {}

    def load(self, path: Path) -> Any:
        if path not in self._loaded:
            self._loaded[path] = YAML(typ="safe").load(path.read_text())
        return self._loaded[path]

    def resolve(self, node: Any, base: Path, depth: int = 0) -> Any:
        """`node` with every $ref replaced by what it points to (the specs have no recursive schemas)."""
        assert depth < 50, "a $ref cycle"
        if isinstance(node, dict):
            if "$ref" in node:
                target, target_base = self.follow(node["$ref"], base)
                return self.resolve(target, target_base, depth + 1)
            return {key: self.resolve(value, base, depth + 1) for key, value in node.items()}
        if isinstance(node, list):
            return [self.resolve(item, base, depth + 1) for item in node]
        return node

    def follow(self, ref: str, base: Path) -> tuple[Any, Path]:
        file_part, _, pointer = ref.partition("#")
        path = (base.parent / file_part).resolve() if file_part else base
        node = self.load(path)
        for step in pointer.split("/")[1:]:
            node = node[step.replace("~1", "/").replace("~0", "~")]
        return node, path


def request_replies() -> list[RequestReply]:
    documents = Documents()
    spec = documents.load(SPEC)
    found = []
    for name, operation in spec["operations"].items():
        if operation["action"] != "receive":
            continue
        [request_message] = documents.resolve(operation["messages"], SPEC)
        replies = documents.resolve(operation["reply"]["messages"], SPEC)
        request = request_message["payload"]
        found.append(
            RequestReply(name, request["properties"]["pkg_id"]["const"], request, [r["payload"] for r in replies])
        )
    return found


def error_reply_schema() -> dict[str, Any]:
    documents = Documents()
    schema: dict[str, Any] = documents.resolve({"$ref": "#/components/schemas/ErrorReply"}, SPEC)
    return schema


def event_schemas() -> dict[int, dict[str, Any]]:
    documents = Documents()
    spec = documents.load(SPEC)
    events = {}
    for operation in spec["operations"].values():
        if operation["action"] == "send":
            [message] = documents.resolve(operation["messages"], SPEC)
            events[message["payload"]["properties"]["pkg_id"]["const"]] = message["payload"]
    return events


def strategies(schemas: dict[str, dict[str, Any]], mode: GenerationMode) -> dict[str, st.SearchStrategy[Any]]:
    """For each named JSON Schema, the values schemathesis' generator (the one that fuzzes the REST API) makes
    of it: each schema is offered to it as the request body of an operation."""
    paths = {
        f"/{name}": {
            "post": {
                "operationId": name,
                "requestBody": {"required": True, "content": {"application/json": {"schema": schema}}},
                "responses": {"200": {"description": "the reply"}},
            }
        }
        for name, schema in schemas.items()
    }
    document = {"openapi": "3.1.0", "info": {"title": "/web payloads", "version": "1"}, "paths": paths}
    loaded = schemathesis.openapi.from_dict(document, config=schemathesis.Config.from_dict({}))
    return {
        name: loaded[f"/{name}"]["POST"].as_strategy(generation_mode=mode).map(lambda case: case.body)
        for name in schemas
    }


def example_data() -> dict[int, Any]:
    """For every request pkg_id, `data` that its schema accepts: the spec's own example where it gives one,
    otherwise the simplest value the generator finds for it (the same on every run)."""
    operations = request_replies()
    schemas = {operation.name: operation.request["properties"]["data"] for operation in operations}
    generated = strategies(schemas, GenerationMode.POSITIVE)
    examples = {}
    for operation in operations:
        schema = schemas[operation.name]
        if schema.get("examples"):
            examples[operation.pkg_id] = schema["examples"][0]
        else:
            simplest = settings(database=None, max_examples=200, suppress_health_check=list(HealthCheck))
            examples[operation.pkg_id] = find(generated[operation.name], lambda _: True, settings=simplest)
    return examples
