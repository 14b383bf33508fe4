"""The path templates the spec serves, matched against concrete paths: for metric labels (a template, never a
raw path, so a client cannot mint label values) and for the methods a 405 names in `Allow`."""

from __future__ import annotations

import re

from app.http.docs import ASSETS_PATH, DOCS_PATHS
from generated.rest.operations import OPERATIONS
from generated.ws.protocol import WS_PATH

# Served beside the spec's operations (documentation, metrics, the WebSocket channel).
_OTHER_ROUTES = ("/openapi.json", *DOCS_PATHS, f"{ASSETS_PATH}/{{name}}", "/metrics", WS_PATH)


class Routes:
    def __init__(self) -> None:
        methods: dict[str, set[str]] = {}
        for operation in OPERATIONS.values():
            methods.setdefault(operation.path, set()).add(operation.method)
        self._static = {path: path for path in (*methods, *_OTHER_ROUTES) if "{" not in path}
        self._methods = {path: sorted(found) for path, found in methods.items()}
        self._patterns = [(_template_pattern(path), path) for path in (*methods, *_OTHER_ROUTES) if "{" in path]

    def template(self, path: str) -> str | None:
        """The template serving `path` (`/api/v1/authors/{author_id}`), or None when none does."""
        found = self._static.get(path)
        if found is not None:
            return found
        return next((template for pattern, template in self._patterns if pattern.fullmatch(path)), None)

    def allowed(self, path: str) -> list[str]:
        """The methods the spec serves at `path`."""
        template = self.template(path)
        return self._methods.get(template, []) if template else []


def _template_pattern(template: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)))


ROUTES = Routes()
