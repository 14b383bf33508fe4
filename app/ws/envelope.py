"""Request frames in, reply frames out, in the envelopes of spec/asyncapi.yaml.

A frame that is not a JSON object with an integer `pkg_id` and a UUID `req_id` is MALFORMED; its reply
carries whatever of the two could be read (or null), so a client can still correlate it when possible.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from generated.ws.models import StatusCode


@dataclass(frozen=True, slots=True)
class Request:
    pkg_id: int
    req_id: str
    data: Any  # the decoded `data` member, validated later against the message's model


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why a request is answered with an error, and what the error reply says."""

    status: StatusCode
    message: str
    errors: list[dict[str, Any]] | None = None
    retry_after: int | None = None  # RATE_LIMITED: seconds until the request would be accepted


@dataclass(frozen=True, slots=True)
class BadEnvelope:
    """A frame answered with an error before its data is looked at; what of the envelope could be read."""

    pkg_id: int | None
    req_id: str | None
    rejection: Rejection


_MISSING = object()
# The hyphenated form JSON Schema's `format: uuid` means (uuid.UUID would also take braces, urn:...).
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def parse_request(text: str) -> Request | BadEnvelope:
    """The request in a text frame, or what is wrong with its envelope."""
    try:
        envelope = json.loads(text)
    except ValueError:
        return BadEnvelope(None, None, Rejection(StatusCode.MALFORMED, "the frame is not JSON"))
    except RecursionError:  # `[[[[...]]]]` nested deeper than the parser goes
        return BadEnvelope(None, None, Rejection(StatusCode.MALFORMED, "the frame nests too deeply"))
    if not isinstance(envelope, dict):
        return BadEnvelope(
            None, None, Rejection(StatusCode.MALFORMED, "the frame is not a JSON object (the request envelope)")
        )
    pkg_id = envelope.get("pkg_id", _MISSING)
    req_id = envelope.get("req_id", _MISSING)
    readable_pkg_id = pkg_id if isinstance(pkg_id, int) and not isinstance(pkg_id, bool) else None
    readable_req_id = req_id if isinstance(req_id, str) and _UUID.fullmatch(req_id) else None
    errors = []
    if readable_pkg_id is None:
        errors.append(_issue("pkg_id", "an integer is required", pkg_id))
    if readable_req_id is None:
        errors.append(_issue("req_id", "a UUID string is required", req_id))
    if readable_pkg_id is None or readable_req_id is None:
        rejection = Rejection(StatusCode.MALFORMED, "the request envelope is malformed", errors)
        return BadEnvelope(readable_pkg_id, readable_req_id, rejection)
    if "data" not in envelope:
        issue = {"loc": ["data"], "msg": "Field required", "type": "missing"}
        rejection = Rejection(StatusCode.INVALID_DATA, "the request has no data", [issue])
        return BadEnvelope(readable_pkg_id, readable_req_id, rejection)
    return Request(readable_pkg_id, readable_req_id, envelope["data"])


def reply(pkg_id: int | None, req_id: str | None, status: StatusCode, data: Any, meta: Any = None) -> str:
    envelope = {"pkg_id": pkg_id, "req_id": req_id, "status_code": int(status), "data": data, "meta": meta}
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False)


def error_reply(pkg_id: int | None, req_id: str | None, rejection: Rejection) -> str:
    data: dict[str, Any] = {"message": rejection.message}
    if rejection.errors is not None:
        data["errors"] = rejection.errors
    if rejection.retry_after is not None:
        data["retry_after"] = rejection.retry_after
    return reply(pkg_id, req_id, rejection.status, data)


def _issue(field: str, message: str, value: object) -> dict[str, Any]:
    kind = "missing" if value is _MISSING else "invalid"
    return {"loc": [field], "msg": "Field required" if value is _MISSING else message, "type": kind}
