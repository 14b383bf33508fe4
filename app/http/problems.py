"""Every HTTP error as an RFC 9457 problem document (`application/problem+json`), as the spec declares.

Validation failures are 422 with `errors` locating each problem; an unexpected exception is logged with a
reference that the 500 response carries, and nothing else of it leaks.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.types import Receive, Scope, Send

from app.errors import AppError, NotReady, TooManyRequests, Unauthenticated
from app.http.routes import ROUTES
from app.logs import current_request_id
from generated.rest._runtime import body_errors
from generated.rest.models import NotReadyProblem, Problem, ValidationIssue, ValidationProblem

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


def problem(
    request: Request,
    status: int,
    detail: str | None = None,
    *,
    headers: Mapping[str, str] | None = None,
    errors: Sequence[ValidationIssue] | None = None,
    checks: Mapping[str, str] | None = None,
) -> Response:
    fields: dict[str, Any] = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status}
    fields["instance"] = quote(request.url.path, safe="/")  # a URI reference: percent-encoded, as sent
    if detail:
        fields["detail"] = detail
    request_id = current_request_id()
    if request_id is not None:
        fields["request_id"] = request_id
    body: Problem | ValidationProblem | NotReadyProblem
    if errors is not None:
        body = ValidationProblem(**fields, errors=list(errors))
    elif checks is not None:
        body = NotReadyProblem(**fields, checks=checks)
    else:
        body = Problem(**fields)
    # An error answers one request at one moment (and may name a token or a user): never cached.
    headers = {"Cache-Control": "no-store", **(headers or {})}
    return Response(body.model_dump_json(), status_code=status, media_type=PROBLEM_JSON, headers=headers)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]


async def _app_error(request: Request, exc: AppError) -> Response:
    headers: dict[str, str] = {}
    if isinstance(exc, Unauthenticated) and exc.challenge:
        headers["WWW-Authenticate"] = exc.challenge
    elif isinstance(exc, TooManyRequests):
        headers["Retry-After"] = str(exc.retry_after)
    checks = exc.checks if isinstance(exc, NotReady) else None
    return problem(request, exc.http_status, exc.detail, headers=headers, checks=checks)


async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
    errors = list(exc.errors())
    # The body is validated before the path and query; when they failed too, its errors are reported with theirs.
    errors += [error for error in body_errors(request) if error not in errors]
    issues = [
        ValidationIssue(
            loc=[part for part in error.get("loc", ()) if isinstance(part, (str, int))],
            msg=error.get("msg", ""),
            type=error.get("type", "invalid"),
        )
        for error in errors
    ]
    count = len(issues)
    return problem(
        request, 422, f"the request breaks the schema in {count} place{'s' if count != 1 else ''}", errors=issues
    )


async def _http_error(request: Request, exc: HTTPException) -> Response:
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        # Starlette names only the methods of the one route it tried; the client needs every method the spec
        # serves at this path.
        allowed = ROUTES.allowed(request.url.path)
        if allowed:
            headers["Allow"] = ", ".join(allowed)
    detail = exc.detail if exc.detail != HTTPStatus(exc.status_code).phrase else None
    return problem(request, exc.status_code, detail, headers=headers)


async def unexpected_error(scope: Scope, receive: Receive, send: Send, exc: Exception) -> None:
    """Answer an exception nothing handled with a 500 problem, logged once with a reference the client gets.
    (RequestMiddleware calls it: an exception handler for Exception would have Starlette re-raise it after
    answering, and the server log it a second time.)"""
    request = Request(scope)
    reference = uuid.uuid4().hex
    log.error("unhandled error on %s %s (reference %s)", request.method, request.url.path, reference, exc_info=exc)
    await problem(request, 500, f"the service failed; reference {reference}")(scope, receive, send)
