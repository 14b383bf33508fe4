"""One request frame in, exactly one reply frame out: envelope, pkg_id, roles, data, handler, in that order.

Roles are checked before the data (as for REST: who may ask comes before what was asked). A handler's
NotFound or Conflict becomes its status code; anything unexpected is ERROR with a reference that is logged,
and nothing else of it reaches the client.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import ValidationError

from app.auth.access import describe, permits
from app.auth.principal import Principal
from app.context import RequestContext
from app.errors import AppError, Conflict, NotFound, PermissionDenied, Unavailable
from app.limits.limiter import RateLimiter, caller_key
from app.ws.envelope import BadEnvelope, Rejection, Request, error_reply, parse_request, reply
from app.ws.hooks import WsHooks
from generated._runtime import validate_json
from generated.permissions import WS_PERMISSIONS
from generated.rate_limits import DEFAULT_POLICY, WS_RATE_LIMITS
from generated.ws._runtime import WsRoute
from generated.ws.models import StatusCode
from generated.ws.protocol import MESSAGES, PkgID

log = logging.getLogger(__name__)

_EVENTS = frozenset(int(pkg_id) for pkg_id, message in MESSAGES.items() if message.kind == "event")
_STATUSES: Mapping[type[AppError], StatusCode] = {
    NotFound: StatusCode.NOT_FOUND,
    Conflict: StatusCode.CONFLICT,
    PermissionDenied: StatusCode.PERMISSION_DENIED,
    Unavailable: StatusCode.UNAVAILABLE,
}


class Dispatcher:
    def __init__(
        self,
        table: Mapping[PkgID, WsRoute[Any]],
        *,
        limiter: RateLimiter,
        contexts: Callable[[Principal], RequestContext],
        hooks: WsHooks,
    ) -> None:
        self.table: dict[int, WsRoute[Any]] = {int(pkg_id): route for pkg_id, route in table.items()}
        self.limiter = limiter
        self.contexts = contexts  # the handler context of one message
        self.hooks = hooks

    async def answer(self, principal: Principal, text: str) -> str:
        """The one reply to `text`, whatever happens on the way (an escape would leave a frame unanswered)."""
        started = time.perf_counter()
        pkg_id: int | None = None
        req_id: str | None = None
        try:
            parsed = parse_request(text)
            pkg_id, req_id = parsed.pkg_id, parsed.req_id
            limited = await self._spend(principal, pkg_id)
            if limited is not None:
                return error_reply(pkg_id, req_id, limited)
            if isinstance(parsed, BadEnvelope):
                return error_reply(pkg_id, req_id, parsed.rejection)
            return await self._answer(principal, parsed)
        except Exception:
            return error_reply(pkg_id, req_id, _failed(pkg_id))
        finally:
            # Labelled by a pkg_id of the spec only: a client must not be able to mint metric keys.
            known = pkg_id if pkg_id in self.table else None
            self.hooks.message_handled(known, time.perf_counter() - started)

    async def _answer(self, principal: Principal, request: Request) -> str:
        pkg_id, req_id = request.pkg_id, request.req_id
        route = self.table.get(pkg_id)
        if route is None:
            return error_reply(pkg_id, req_id, _unknown(pkg_id))
        access = WS_PERMISSIONS[route.pkg_id]
        if not permits(principal, access):
            message = f"this message needs the roles {describe(access)}"
            return error_reply(pkg_id, req_id, Rejection(StatusCode.PERMISSION_DENIED, message))
        try:
            validated = validate_json(route.data_model, json.dumps(request.data))
        except ValidationError as exc:
            return error_reply(pkg_id, req_id, _invalid(exc))
        context = self.contexts(principal)
        try:
            result = await route.handler(context, validated)
            data_out, meta = route.encode(result)
        except AppError as exc:
            return error_reply(pkg_id, req_id, Rejection(_STATUSES.get(type(exc), StatusCode.ERROR), exc.detail))
        except Exception:
            reference = uuid.uuid4().hex
            log.exception("pkg_id %s failed (reference %s)", pkg_id, reference)
            return error_reply(
                pkg_id, req_id, Rejection(StatusCode.ERROR, f"the service failed; reference {reference}")
            )
        finally:
            await context.close()
        return reply(pkg_id, req_id, StatusCode.OK, data_out, meta)

    async def _spend(self, principal: Principal, pkg_id: int | None) -> Rejection | None:
        """Spend one request of the user's budget for `pkg_id` (frames naming no request message spend the
        default policy's); the rejection when there is none left, or when the limiter cannot count."""
        policy = WS_RATE_LIMITS.get(pkg_id, DEFAULT_POLICY)  # type: ignore[call-overload]
        if policy is None:
            return None
        try:
            decision = await self.limiter.check(policy, caller_key(principal.subject, None), "ws")
        except Unavailable as exc:
            return Rejection(StatusCode.UNAVAILABLE, exc.detail)
        if decision is None or decision.allowed:
            return None
        message = f"over the {policy.name!r} rate limit of {decision.limit} requests per {policy.window:g} s"
        return Rejection(StatusCode.RATE_LIMITED, message, retry_after=decision.retry_after_seconds)


def _failed(pkg_id: int | None) -> Rejection:
    """ERROR, with a reference to the logged failure (call from an exception handler)."""
    reference = uuid.uuid4().hex
    log.exception("pkg_id %s failed (reference %s)", pkg_id, reference)
    return Rejection(StatusCode.ERROR, f"the service failed; reference {reference}")


def _unknown(pkg_id: int) -> Rejection:
    if pkg_id in _EVENTS:
        return Rejection(StatusCode.UNKNOWN_PKG_ID, f"pkg_id {pkg_id} is an event the server sends, not a request")
    return Rejection(StatusCode.UNKNOWN_PKG_ID, f"no message has pkg_id {pkg_id}")


def _invalid(exc: ValidationError) -> Rejection:
    errors = [
        {"loc": ["data", *error["loc"]], "msg": error["msg"], "type": error["type"]}
        for error in exc.errors(include_url=False, include_context=False, include_input=False)
    ]
    count = len(errors)
    return Rejection(
        StatusCode.INVALID_DATA, f"data breaks the schema in {count} place{'s' if count != 1 else ''}", errors
    )
