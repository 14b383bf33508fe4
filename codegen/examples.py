"""Example values for JSON Schemas: the spec's own where it gives one, else one made from the schema.

The WebSocket reference shows an example of every message, and the client tests send one of every request. An
example the spec gives (`examples`, `example`, `default`, `const`, `enum`) is used as it is; otherwise one is
built from the type and its constraints, the same on every run. A made-up value satisfies `minimum`,
`minLength`, `format` and `required`, but not every `pattern`: give such schemas an example in the spec.
"""

from __future__ import annotations

from typing import Any

_STRINGS = {
    "date": "2024-05-01",
    "date-time": "2024-05-01T12:00:00Z",
    "time": "12:00:00Z",
    "uuid": "0b6e4f4c-8a7f-4d53-9a65-1f2d3c4b5a69",
    "email": "ann@example.com",
    "uri": "https://example.com/",
    "hostname": "example.com",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
}


def example(schema: Any, schemas: dict[str, Any], depth: int = 0) -> Any:
    """An example of `schema`, whose `$ref`s point into `schemas` (`#/components/schemas/<Name>`)."""
    if not isinstance(schema, dict) or depth > 20:
        return None
    if "$ref" in schema:
        return example(schemas.get(str(schema["$ref"]).rpartition("/")[2]), schemas, depth + 1)
    if isinstance(schema.get("examples"), list) and schema["examples"]:
        return schema["examples"][0]
    for key in ("example", "const", "default"):
        if key in schema:
            return schema[key]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    for key in ("oneOf", "anyOf", "allOf"):
        if isinstance(schema.get(key), list):
            return _first_not_null(schema[key], schemas, depth)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    return _BY_TYPE.get(str(kind), _untyped)(schema, schemas, depth)


def _first_not_null(options: list[Any], schemas: dict[str, Any], depth: int) -> Any:
    values = [example(option, schemas, depth + 1) for option in options]
    return next((value for value in values if value is not None), None)


def _object(schema: dict[str, Any], schemas: dict[str, Any], depth: int) -> Any:
    properties = schema.get("properties") or {}
    return {name: example(sub, schemas, depth + 1) for name, sub in properties.items()}


def _array(schema: dict[str, Any], schemas: dict[str, Any], depth: int) -> Any:
    count = max(1, int(schema.get("minItems", 1)))
    return [example(schema.get("items", {}), schemas, depth + 1) for _ in range(count)]


def _string(schema: dict[str, Any], _schemas: dict[str, Any], _depth: int) -> Any:
    if schema.get("format") in _STRINGS:
        return _STRINGS[schema["format"]]
    text = "string"
    minimum, maximum = int(schema.get("minLength", 0)), schema.get("maxLength")
    text = text.ljust(minimum, "x")
    return text[: int(maximum)] if isinstance(maximum, int) else text


def _integer(schema: dict[str, Any], _schemas: dict[str, Any], _depth: int) -> Any:
    value = 1
    if isinstance(schema.get("minimum"), int | float):
        value = max(value, int(schema["minimum"]))
    if isinstance(schema.get("exclusiveMinimum"), int | float):
        value = max(value, int(schema["exclusiveMinimum"]) + 1)
    if isinstance(schema.get("maximum"), int | float):
        value = min(value, int(schema["maximum"]))
    return value


def _number(schema: dict[str, Any], schemas: dict[str, Any], depth: int) -> Any:
    return float(_integer(schema, schemas, depth))


def _untyped(schema: dict[str, Any], schemas: dict[str, Any], depth: int) -> Any:
    return _object(schema, schemas, depth) if "properties" in schema else None


_BY_TYPE = {
    "object": _object,
    "array": _array,
    "string": _string,
    "integer": _integer,
    "number": _number,
    "boolean": lambda *_: True,
    "null": lambda *_: None,
}
