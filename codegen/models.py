"""Pydantic models for both specs, rendered by datamodel-code-generator (pinned; see pyproject.toml)."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from datamodel_code_generator import generate

# One set of options for both specs. Why the less obvious ones:
# - use_missing_sentinel + target 2.14: an optional, non-nullable field is `X | MISSING`, so `null` is rejected
#   and a PATCH body tells "absent" from "set" (model_fields_set); plain `X | None = None` would accept null.
# - collapse_root_models off: collapsing silently drops oneOf discriminators.
# - builtin formatter: already ruff-clean, and no subprocess per call.
_OPTIONS: dict[str, Any] = {
    "output_model_type": "pydantic_v2.BaseModel",
    "target_python_version": "3.11",
    "target_pydantic_version": "2.14",
    "use_annotated": True,
    "field_constraints": True,
    "use_standard_collections": True,
    "use_union_operator": True,
    "use_double_quotes": True,
    "use_schema_description": True,
    "use_missing_sentinel": True,
    "strict_nullable": True,  # a default does not make a field nullable
    "collapse_root_models": False,
    "use_type_alias": True,
    "disable_timestamp": True,
    "formatters": ["builtin"],
}
# The service's models take `format: email` from generated/_runtime.py: an EmailStr that checks the syntax and
# keeps the value as sent (a client's models keep Pydantic's own).
_SERVICE_OPTIONS: dict[str, Any] = {"import_overrides": {"EmailStr": "generated._runtime"}}


def render_rest_models(openapi: Path, header: str) -> str:
    """generated/rest/models.py: every schema in the OpenAPI document's components."""
    return _generate(openapi, header, input_file_type="openapi", openapi_scopes=["schemas"], **_SERVICE_OPTIONS)


def render_ws_models(asyncapi: Path, openapi: Path, header: str) -> str:
    """generated/ws/models.py: the AsyncAPI schemas; those it takes from the OpenAPI document are imported."""
    mapping = dict.fromkeys((openapi.name, f"./{openapi.name}"), "generated.rest.models")
    return _generate(asyncapi, header, input_file_type="asyncapi", external_ref_mapping=mapping, **_SERVICE_OPTIONS)


def render_standalone_models(source: Path, header: str) -> str:
    """Every schema of a self-contained AsyncAPI document (a client's models: nothing imported from generated/)."""
    return _generate(source, header, input_file_type="asyncapi")


def _generate(source: Path, header: str, **options: Any) -> str:
    with warnings.catch_warnings():
        # The generator warns about defaults changing in future releases; the version is pinned.
        warnings.simplefilter("ignore", FutureWarning)
        text = generate(source, custom_file_header=header, **_OPTIONS, **options)
    if not isinstance(text, str):
        raise TypeError(f"datamodel-code-generator returned {type(text).__name__} for {source}, expected one module")
    return text + "\n"
