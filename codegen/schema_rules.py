"""What the generated models enforce: a schema keyword they would silently ignore is an error.

datamodel-code-generator renders the keywords below into Pydantic constraints; anything else (`not`,
`uniqueItems`, `minProperties`, `if`/`then`, `readOnly`...) would be dropped from the models, so the service
would accept what the spec forbids. Codegen refuses such a schema rather than let spec and code part.
"""

from __future__ import annotations

from codegen.errors import Problems
from codegen.refs import Node

ENFORCED = frozenset(
    {
        "type", "properties", "required", "additionalProperties", "items", "enum", "const", "format",
        "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
        "minLength", "maxLength", "pattern", "minItems", "maxItems",
        "allOf", "anyOf", "oneOf", "discriminator", "$ref", "default",
    }
)  # fmt: skip
ANNOTATIONS = frozenset({"title", "description", "examples", "example", "deprecated", "$comment", "externalDocs"})
_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
# Beside a single-member allOf (a reference wrapped to add a description), the generator keeps the
# annotations but drops any constraint: such a constraint must live in the referenced schema instead.
_CONSTRAINTS = ENFORCED - {"allOf", "anyOf", "oneOf", "$ref", "default", "discriminator", "properties", "required"}


def check_schema(node: Node, problems: Problems) -> None:
    """Report every keyword in `node` and its inline subschemas that the models would not enforce."""
    if not isinstance(node.value, dict) or "$ref" in node.value:
        return  # a reference: the named schema it points to is checked on its own
    for keyword in node.value:
        if keyword not in ENFORCED and keyword not in ANNOTATIONS and not keyword.startswith("x-"):
            problems.add(
                node.child(keyword).location,
                f"`{keyword}` is not enforced by the generated models, so the service would not keep to it; "
                "express the rule with supported keywords, or in a separate named schema",
            )
    if len(node.value.get("allOf") or []) == 1:
        for keyword in _CONSTRAINTS & set(node.value):
            problems.add(
                node.child(keyword).location,
                f"`{keyword}` beside a one-schema allOf is dropped by the model generator; put it in the schema itself",
            )
    for name in node.value.get("properties") or {}:
        check_schema(node.child("properties", name), problems)
    for keyword in ("items", "additionalProperties"):
        if isinstance(node.value.get(keyword), dict):
            check_schema(node.child(keyword), problems)
    for keyword in _SUBSCHEMA_LISTS:
        for index, _ in enumerate(node.value.get(keyword) or []):
            check_schema(node.child(keyword, index), problems)


def check_named_schemas(schemas: Node, problems: Problems) -> None:
    for name in schemas.value or {}:
        check_schema(schemas.child(name), problems)
