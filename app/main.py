"""The application: binds the handlers to the generated routers and serves the spec itself.

`create_app()` fails at start-up, not per request: invalid settings, or any operation or pkg_id without an
implementation, stop it with one message that says what to fix.
"""

from __future__ import annotations

import gc
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request, Response
from starlette.routing import WebSocketRoute
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app.handlers import handler_classes
from app.http.context_provider import HttpContexts
from app.http.docs import install_docs
from app.http.middleware import RequestMiddleware
from app.http.problems import install_problem_handlers
from app.metrics import CONTENT_TYPE, Metrics
from app.services import Services
from app.settings import Settings
from app.ws.endpoint import websocket_endpoint
from app.ws.hub import Hub
from generated.registry import bind, build_routers, build_ws_table
from generated.ws.protocol import WS_PATH


def load_openapi_document() -> dict[str, Any]:
    """spec/openapi.yaml as codegen rendered it to JSON: what /openapi.json serves."""
    document: dict[str, Any] = json.loads(resources.files("generated").joinpath("openapi.json").read_text("utf-8"))
    return document


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    handlers = bind(handler_classes())
    document = load_openapi_document()
    services = Services.from_settings(settings, version=document["info"]["version"])
    hub = Hub()  # every WebSocket connection of this instance: the events reach them through it
    services.events.subscribe(hub.broadcast)
    app = FastAPI(
        title=document["info"]["title"],
        version=document["info"]["version"],
        lifespan=_lifespan(services, hub),
        docs_url=None,  # FastAPI's page loads Swagger UI from a CDN: install_docs serves it from the package
        redoc_url=None,
        # No tracing or metrics hooks unless someone configures an exporter; they cost on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    serve_document: Callable[[], dict[str, Any]] = lambda: document  # noqa: E731
    app.openapi = serve_document  # type: ignore[method-assign]  # the spec itself, not FastAPI's derivation
    app.state.services = services
    app.state.hub = hub
    for router in build_routers(handlers, HttpContexts(services, handlers.auth_security)):
        # The routes themselves, not the routers: FastAPI matches an included router's routes through a layer
        # of its own on every request, which costs more than the matching.
        app.router.routes.extend(router.routes)
    install_docs(app, title=document["info"]["title"])
    # A Starlette route, not FastAPI's: FastAPI's would solve dependencies the endpoint has none of, and keep
    # two exit stacks and its frames alive for as long as each connection lives.
    app.router.routes.append(WebSocketRoute(WS_PATH, websocket_endpoint(services, hub, build_ws_table(handlers))))
    # Beside the API, like /docs: for the operators' scrapers, not part of the contract with clients.
    app.add_route("/metrics", _metrics_endpoint(services.metrics), methods=["GET"], include_in_schema=False)
    install_problem_handlers(app)
    app.add_middleware(RequestMiddleware, metrics=services.metrics)  # outermost: sees every response
    if settings.trusted_proxies:  # the client address behind them, for rate limits and logs
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    return app


def _metrics_endpoint(metrics: Metrics) -> Callable[[Request], Awaitable[Response]]:
    async def serve_metrics(_request: Request) -> Response:
        return Response(metrics.exposition(), media_type=CONTENT_TYPE)

    return serve_metrics


def _lifespan(services: Services, hub: Hub) -> Callable[[FastAPI], Any]:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await services.start()
        # What start-up built (modules, models, routes) lives as long as the process: out of the collector's
        # sight, a full collection walks only what requests allocate.
        gc.freeze()
        try:
            yield
        finally:
            await hub.shutdown(grace=0)  # whatever the server left open
            await services.close()

    return lifespan
