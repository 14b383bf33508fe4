"""The Jinja2 environment of the client templates (codegen/templates/sdk/): Python, TypeScript and TOML out."""

from __future__ import annotations

import json

from codegen.templating import environment

ENV = environment("sdk")
ENV.filters["py"] = repr
ENV.filters["tojson"] = lambda value: json.dumps(value, ensure_ascii=False)
