"""What the service raises when a request cannot be served as asked. Transports render them:
HTTP as problem+json (`app/http/problems.py`), WebSocket as a status code in the reply envelope.

    AppError
    ├── Unauthenticated    401  no valid credentials
    ├── PermissionDenied   403  credentials lack a role
    ├── NotFound           404  no such resource, or a resource named in the request does not exist
    ├── Conflict           409  the request conflicts with the current state
    ├── TooManyRequests    429  the caller spent the budget of a rate-limit policy
    └── Unavailable        503  a dependency the request needs does not answer
        └── NotReady       503  (readiness) which dependencies answer and which do not
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar


class AppError(Exception):
    http_status: ClassVar[int] = 500

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class Unauthenticated(AppError):
    http_status = 401

    def __init__(self, detail: str, *, token_rejected: bool = False, challenges: tuple[str, ...] | None = None) -> None:
        super().__init__(detail)
        self.token_rejected = token_rejected
        self.challenges = challenges

    @property
    def challenge(self) -> str:
        """The WWW-Authenticate value: the operation's own challenges (`Basic realm=...`, ...) when it names
        them, else Bearer (RFC 6750), saying whether a token was presented and refused. Empty: none applies
        (an API key has no HTTP authentication scheme)."""
        if self.challenges is not None:
            return ", ".join(self.challenges)
        return 'Bearer error="invalid_token"' if self.token_rejected else "Bearer"


class PermissionDenied(AppError):
    http_status = 403


class NotFound(AppError):
    http_status = 404


class Conflict(AppError):
    http_status = 409


class TooManyRequests(AppError):
    http_status = 429

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class Unavailable(AppError):
    http_status = 503


class NotReady(Unavailable):
    def __init__(self, answers: Mapping[str, bool], detail: str) -> None:
        super().__init__(detail)
        self.checks = {name: "ok" if answered else "failed" for name, answered in answers.items()}
