"""The routes FastAPI registered are the operations of spec/openapi.yaml, no more and no fewer, each with the
spec's method, path, operationId, status, parameters (types, constraints, defaults), body and response."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args

import annotated_types
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import BaseModel
from ruamel.yaml import YAML

from app.main import create_app
from generated.rest import models
from generated.rest._runtime import JsonBody
from tests.conftest import settings_for

ROOT = Path(__file__).resolve().parents[2]
SPEC = YAML(typ="safe").load((ROOT / "spec" / "openapi.yaml").read_text())
METHODS = {"get", "post", "put", "patch", "delete"}
TYPES = {"integer": int, "string": str, "number": float, "boolean": bool}
CONSTRAINTS = {
    annotated_types.Ge: ("minimum", "ge"),
    annotated_types.Le: ("maximum", "le"),
    annotated_types.Gt: ("exclusiveMinimum", "gt"),
    annotated_types.Lt: ("exclusiveMaximum", "lt"),
    annotated_types.MinLen: ("minLength", "min_length"),
    annotated_types.MaxLen: ("maxLength", "max_length"),
}


def deref(node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = SPEC
        for step in node["$ref"].removeprefix("#/").split("/"):
            target = target[step]
        node = target
    return node


def ref_name(node: dict[str, Any]) -> str:
    return str(node["$ref"]).rsplit("/", 1)[-1]


def spec_operations() -> Iterator[tuple[str, str, dict[str, Any], list[dict[str, Any]]]]:
    for path, item in SPEC["paths"].items():
        for method in [key for key in item if key in METHODS]:  # in the spec's order, the same in every process
            operation = item[method]
            params = {
                (p["name"], p["in"]): p
                for p in map(deref, item.get("parameters", []) + operation.get("parameters", []))
            }
            yield method.upper(), path, operation, list(params.values())


def registered(app: FastAPI) -> dict[tuple[str, str], APIRoute]:
    """Every API route, including those of included routers (FastAPI keeps them on `original_router`)."""
    routes: dict[tuple[str, str], APIRoute] = {}
    pending = list(app.router.routes)
    while pending:
        route = pending.pop()
        if isinstance(route, APIRoute):
            routes.update({(method, route.path): route for method in route.methods})
        elif hasattr(route, "original_router"):
            pending += route.original_router.routes
    return routes


@pytest.fixture(scope="module")
def routes(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], APIRoute]:
    app = create_app(settings_for(f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('routes') / 'unused.db'}"))
    return registered(app)


def test_the_registered_routes_are_exactly_the_operations_of_the_spec(routes: dict[tuple[str, str], APIRoute]) -> None:
    assert set(routes) == {(method, path) for method, path, _, _ in spec_operations()}


@pytest.mark.parametrize(
    ("method", "path", "operation", "params"), list(spec_operations()), ids=lambda v: v if isinstance(v, str) else ""
)
def test_each_route_is_its_operation(
    routes: dict[tuple[str, str], APIRoute],
    method: str,
    path: str,
    operation: dict[str, Any],
    params: list[dict[str, Any]],
) -> None:
    route = routes[(method, path)]
    success = next(code for code in operation["responses"] if code.startswith("2"))

    assert route.operation_id == operation["operationId"]
    assert route.status_code == int(success)
    assert _parameters(route) == {(p["name"], p["in"]): _spec_parameter(p) for p in params}
    _assert_body(route, operation)
    _assert_response(route, deref(operation["responses"][success]))


def _parameters(route: APIRoute) -> dict[tuple[str, str], dict[str, Any]]:
    found = {}
    for where, fields in (("path", route.dependant.path_params), ("query", route.dependant.query_params)):
        for field in fields:
            info = field.field_info
            annotation = next((arg for arg in get_args(info.annotation) if arg is not type(None)), info.annotation)
            constraints = {
                CONSTRAINTS[type(m)][0]: getattr(m, CONSTRAINTS[type(m)][1])
                for m in info.metadata
                if type(m) in CONSTRAINTS
            }
            patterns = [m.pattern for m in info.metadata if getattr(m, "pattern", None)]
            if patterns:
                constraints["pattern"] = patterns[0]
            default = None if info.is_required() else info.default
            found[(field.alias, where)] = {
                "type": annotation,
                "required": info.is_required(),
                "default": default,
                **constraints,
            }
    return found


def _spec_parameter(param: dict[str, Any]) -> dict[str, Any]:
    schema = deref(param["schema"])
    keys = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "pattern")
    return {
        "type": TYPES[schema["type"]],
        "required": bool(param.get("required")),
        "default": schema.get("default"),
        **{key: schema[key] for key in keys if key in schema},
    }


def _assert_body(route: APIRoute, operation: dict[str, Any]) -> None:
    readers = [dependency.call for dependency in route.dependant.dependencies if isinstance(dependency.call, JsonBody)]
    if "requestBody" not in operation:
        assert readers == []
        return
    schema = deref(operation["requestBody"])["content"]["application/json"]["schema"]
    assert [reader.model.__name__ for reader in readers] == [ref_name(schema)]
    _assert_model_matches_schema(readers[0].model, deref(schema))


def _assert_response(route: APIRoute, response: dict[str, Any]) -> None:
    if "content" not in response:
        assert route.response_model is None
        return
    schema = response["content"]["application/json"]["schema"]
    assert route.response_model is getattr(models, ref_name(schema))
    _assert_model_matches_schema(route.response_model, deref(schema))


def _assert_model_matches_schema(model: type[BaseModel], schema: dict[str, Any]) -> None:
    """The model has the schema's properties, the same ones required, and forbids extras where it does."""
    fields = {field.alias or name: field for name, field in model.model_fields.items()}
    assert set(fields) == set(schema.get("properties", {}))
    assert {name for name, field in fields.items() if field.is_required()} == set(schema.get("required", []))
    assert (model.model_config.get("extra") == "forbid") == (schema.get("additionalProperties") is False)
