"""Every HTTP error as an RFC 9457 problem document (`application/problem+json`), as the spec declares.

Validation failures are 422 with `errors` locating each problem; an unexpected exception is logged with a
reference that the 500 response carries, and nothing else of it leaks.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from app.errors import AppError, Unauthenticated
from generated.rest.models import Problem, ValidationIssue, ValidationProblem
from generated.rest.operations import OPERATIONS

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


def problem(
    request: Request,
    status: int,
    detail: str | None = None,
    *,
    headers: Mapping[str, str] | None = None,
    errors: Sequence[ValidationIssue] | None = None,
) -> Response:
    fields: dict[str, Any] = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status}
    fields["instance"] = quote(request.url.path, safe="/")  # a URI reference: percent-encoded, as sent
    if detail:
        fields["detail"] = detail
    body = ValidationProblem(**fields, errors=list(errors)) if errors is not None else Problem(**fields)
    return Response(body.model_dump_json(), status_code=status, media_type=PROBLEM_JSON, headers=headers)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected_error)


async def _app_error(request: Request, exc: AppError) -> Response:
    headers = {"WWW-Authenticate": exc.challenge} if isinstance(exc, Unauthenticated) else None
    return problem(request, exc.http_status, exc.detail, headers=headers)


async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
    issues = [
        ValidationIssue(
            loc=[part for part in error.get("loc", ()) if isinstance(part, (str, int))],
            msg=error.get("msg", ""),
            type=error.get("type", "invalid"),
        )
        for error in exc.errors()
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
        allowed = _SPEC_METHODS.allowed(request.url.path)
        if allowed:
            headers["Allow"] = ", ".join(allowed)
    detail = exc.detail if exc.detail != HTTPStatus(exc.status_code).phrase else None
    return problem(request, exc.status_code, detail, headers=headers)


class _MethodsByPath:
    """The methods the spec declares for each path template, matched against concrete paths."""

    def __init__(self) -> None:
        methods: dict[str, set[str]] = {}
        for operation in OPERATIONS.values():
            methods.setdefault(operation.path, set()).add(operation.method)
        self._patterns = [(_template_pattern(path), sorted(found)) for path, found in methods.items()]

    def allowed(self, path: str) -> list[str]:
        return next((found for pattern, found in self._patterns if pattern.fullmatch(path)), [])


def _template_pattern(template: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)))


_SPEC_METHODS = _MethodsByPath()


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    reference = uuid.uuid4().hex
    log.error("unhandled error on %s %s (reference %s)", request.method, request.url.path, reference, exc_info=exc)
    return problem(request, 500, f"the service failed; reference {reference}")
