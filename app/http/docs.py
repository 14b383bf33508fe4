"""Documentation for both channels, served from files installed with the project: nothing from a CDN.

- `/docs`: Swagger UI over `/openapi.json`. Its JavaScript and CSS come from the `fastapi-offline` package
  (Swagger UI's dist, pinned in pyproject.toml); the start-up script and the navigation are ours.
- `/docs/ws`: the WebSocket reference, rendered by codegen from spec/asyncapi.yaml (generated/docs/ws.html).
- `/asyncapi.json`: the AsyncAPI document, bundled by codegen (references into openapi.yaml made local).

Every file is read once, at start-up; a missing one stops start-up.
"""

from __future__ import annotations

import html
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request, Response
from starlette.exceptions import HTTPException

ASSETS_PATH = "/docs/assets"
DOCS_PATHS = ("/docs", "/docs/ws", "/asyncapi.json")
"""The documentation routes (besides /openapi.json and the assets under ASSETS_PATH)."""

_SWAGGER_UI = resources.files("fastapi_offline") / "static"
_OURS = resources.files("app.http") / "docs_assets"
_ASSETS = {
    "swagger-ui-bundle.js": (_SWAGGER_UI / "swagger-ui-bundle.js", "text/javascript"),
    "swagger-ui.css": (_SWAGGER_UI / "swagger-ui.css", "text/css"),
    "favicon.png": (_SWAGGER_UI / "favicon.png", "image/png"),
    "swagger-init.js": (_OURS / "swagger-init.js", "text/javascript"),
    "docs.css": (_OURS / "docs.css", "text/css"),
    "ws.css": (_OURS / "ws.css", "text/css"),
}
# The assets change only with the installed packages: a browser may keep them for an hour.
_ASSET_HEADERS = {"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"}
# The pages load nothing from elsewhere, and the browser is told so: a script, style, image or request for
# another host is refused. Swagger UI sets style attributes and draws its icons from data: URLs.
_PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

_SWAGGER_PAGE = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{title}}: REST API</title>
<link rel="stylesheet" href="{ASSETS_PATH}/swagger-ui.css">
<link rel="stylesheet" href="{ASSETS_PATH}/docs.css">
<link rel="icon" type="image/png" href="{ASSETS_PATH}/favicon.png">
</head>
<body>
<nav class="top">
  <a href="/docs" aria-current="page">REST API (OpenAPI)</a>
  <a href="/docs/ws">WebSocket API (AsyncAPI)</a>
  <a href="/openapi.json">openapi.json</a>
</nav>
<div id="swagger-ui"></div>
<script src="{ASSETS_PATH}/swagger-ui-bundle.js"></script>
<script src="{ASSETS_PATH}/swagger-init.js"></script>
</body>
</html>
"""


@dataclass(frozen=True)
class _Asset:
    body: bytes
    media_type: str


def install_docs(app: FastAPI, *, title: str) -> None:
    """Add the documentation routes to `app` (built with docs_url=None: FastAPI's own page uses a CDN)."""
    generated = resources.files("generated")
    asyncapi: dict[str, Any] = json.loads(generated.joinpath("asyncapi.json").read_text("utf-8"))
    pages = {
        "/docs": _Asset(_SWAGGER_PAGE.replace("{title}", html.escape(title)).encode(), "text/html; charset=utf-8"),
        "/docs/ws": _Asset(generated.joinpath("docs", "ws.html").read_bytes(), "text/html; charset=utf-8"),
    }
    for path, page in pages.items():
        app.add_route(path, _serve(page), methods=["GET"], include_in_schema=False)
    app.add_route("/asyncapi.json", _serve_json(asyncapi), methods=["GET"], include_in_schema=False)
    assets = {name: _Asset(path.read_bytes(), media_type) for name, (path, media_type) in _ASSETS.items()}
    app.add_route(f"{ASSETS_PATH}/{{name}}", _serve_asset(assets), methods=["GET"], include_in_schema=False)


def _serve(page: _Asset) -> Callable[[Request], Awaitable[Response]]:
    async def serve_page(_request: Request) -> Response:
        return Response(page.body, media_type=page.media_type, headers=_PAGE_HEADERS)

    return serve_page


def _serve_json(document: dict[str, Any]) -> Callable[[Request], Awaitable[Response]]:
    body = json.dumps(document, ensure_ascii=False).encode()

    async def serve_document(_request: Request) -> Response:
        return Response(body, media_type="application/json")

    return serve_document


def _serve_asset(assets: dict[str, _Asset]) -> Callable[[Request], Awaitable[Response]]:
    async def serve_asset(request: Request) -> Response:
        asset = assets.get(request.path_params["name"])
        if asset is None:
            raise HTTPException(status_code=404)  # a problem document, like every other 404
        return Response(asset.body, media_type=asset.media_type, headers=_ASSET_HEADERS)

    return serve_asset
