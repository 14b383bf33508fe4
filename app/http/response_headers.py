"""Headers that a request's handling leaves for its response (the rate limit's), whatever ends up answering it:
the route, or an error handler. RequestMiddleware adds them as the response starts."""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import Scope

RESPONSE_HEADERS = "response_headers"
"""Key in the request's state (`scope["state"]`) of headers to add to its response."""


def add_response_headers(scope: Scope, headers: list[tuple[bytes, bytes]]) -> None:
    """Have the response to this request carry `headers`, even when an error handler writes it."""
    scope.setdefault("state", {}).setdefault(RESPONSE_HEADERS, []).extend(headers)


def response_headers(scope: Scope) -> Iterable[tuple[bytes, bytes]]:
    """The headers left for the response to this request."""
    headers: Iterable[tuple[bytes, bytes]] = scope.get("state", {}).get(RESPONSE_HEADERS, ())
    return headers
