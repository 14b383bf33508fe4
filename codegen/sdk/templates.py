"""The Jinja2 environment of the client templates (codegen/templates/sdk/): Python, TypeScript and TOML out."""

from __future__ import annotations

import json

from jinja2 import Environment, PackageLoader, StrictUndefined

ENV = Environment(
    loader=PackageLoader("codegen", "templates/sdk"),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    autoescape=False,  # noqa: S701 - renders source code, not HTML
)
ENV.filters["py"] = repr
ENV.filters["tojson"] = lambda value: json.dumps(value, ensure_ascii=False)
