"""The Python names a type annotation written by codegen uses, and where to import them from."""

from __future__ import annotations

import ast

# Names of the standard library a parameter's annotation may use (the models' names come from their module).
_MODULES = {
    "Any": "typing",
    "Literal": "typing",
    "UUID": "uuid",
    "date": "datetime",
    "datetime": "datetime",
    "time": "datetime",
    "timedelta": "datetime",
    "Decimal": "decimal",
}


def annotation_imports(annotation: str) -> set[tuple[str, str]]:
    """(module, name) for each standard-library name `annotation` uses: `Literal['a', 'b']` -> typing.Literal."""
    tree = ast.parse(annotation, mode="eval")
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    return {(_MODULES[name], name) for name in names if name in _MODULES}
