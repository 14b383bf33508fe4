"""Every rule of the gate: its id, its severity and one sentence saying who a change under it breaks.

REST rule ids are oasdiff's (github.com/oasdiff/oasdiff, checker/rules.go) where oasdiff has the rule, with its
classification, except where this project's contract asks for more: adding a security requirement or a role is
an error here (oasdiff reports it as info), because callers that were allowed are refused; a removed response
enum value is a warning (oasdiff: info). Rules oasdiff lacks are ours: format changes, security tightened
otherwise, rate limits, and every `ws-` rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"  # breaks clients: fails the gate unless the major version moved or the allowlist names it
    WARNING = "warning"  # may break some clients: reported, never fails
    INFO = "info"  # safe: an addition or a loosening


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    breaks: str  # who it breaks, or why it is safe


E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO  # noqa: E741 (read as the severity letters)

_RULES = [
    # operations and paths
    Rule("api-path-removed-without-deprecation", E, "every client calling this path gets 404"),
    Rule("api-removed-without-deprecation", E, "every client calling this operation gets 404 or 405"),
    Rule("api-path-removed-with-deprecation", I, "the path was deprecated before it was removed"),
    Rule("api-removed-with-deprecation", I, "the operation was deprecated before it was removed"),
    Rule("endpoint-added", I, "a new operation; existing clients are not affected"),
    Rule("webhook-removed", E, "subscribers waiting for this webhook are never called"),
    # parameters
    Rule("new-required-request-parameter", E, "clients that do not send it are refused with 4xx"),
    Rule("new-request-path-parameter", E, "clients build the old URL and miss the operation"),
    Rule("new-optional-request-parameter", I, "existing clients may leave it out"),
    Rule("request-parameter-became-required", E, "clients that leave it out are refused with 4xx"),
    Rule("request-parameter-became-optional", I, "clients that send it are not affected"),
    Rule("request-parameter-removed", W, "clients that still send it see it ignored"),
    # request bodies
    Rule("request-body-added-required", E, "clients that send no body are refused"),
    Rule("request-body-added-optional", I, "existing clients may leave it out"),
    Rule("request-body-became-required", E, "clients that send no body are refused"),
    Rule("request-body-became-optional", I, "clients that send a body are not affected"),
    Rule("request-body-removed", E, "clients that send a body are refused or see it ignored"),
    Rule("request-body-media-type-removed", E, "clients that send this media type are refused with 415"),
    Rule("request-body-media-type-added", I, "clients may send another media type as well"),
    Rule("new-required-request-property", E, "clients that leave it out are refused with 422"),
    Rule("new-optional-request-property", I, "existing clients may leave it out"),
    Rule("request-property-became-required", E, "clients that leave it out are refused with 422"),
    Rule("request-property-became-optional", I, "clients that send it are not affected"),
    Rule("request-property-removed", W, "clients that still send it are refused or see it ignored"),
    # responses
    Rule("response-success-status-removed", E, "clients that expect this status see another one"),
    Rule("response-non-success-status-removed", I, "clients are not sent this error any more"),
    Rule("response-success-status-added", I, "clients may get another success status"),
    Rule("response-non-success-status-added", I, "clients may get another error status"),
    Rule("response-media-type-removed", E, "clients that accept only this media type get 406 or cannot parse"),
    Rule("response-media-type-added", I, "clients may ask for another media type"),
    Rule("response-required-property-removed", E, "clients that read it find it missing"),
    Rule("response-optional-property-removed", W, "clients that read it when present never find it"),
    Rule("response-property-became-optional", E, "clients that read it may find it missing"),
    Rule("response-required-property-added", I, "clients get one more field"),
    Rule("response-optional-property-added", I, "clients may get one more field"),
    Rule("required-response-header-removed", E, "clients that read this header find it missing"),
    Rule("optional-response-header-removed", W, "clients that read this header when present never find it"),
    Rule("response-header-became-optional", E, "clients that read this header may find it missing"),
    # security and rate limits
    Rule("api-security-added", E, "callers without credentials, allowed before, are refused with 401"),
    Rule("api-security-scope-added", E, "callers without the added role, allowed before, are refused with 403"),
    Rule("api-security-tightened", E, "callers allowed before are refused with 401 or 403"),
    Rule("api-security-removed", I, "the operation is open to more callers"),
    Rule("api-security-scope-removed", I, "the operation is open to more callers"),
    Rule("api-rate-limit-tightened", W, "clients near their budget get 429 sooner"),
    # WebSocket (ours)
    Rule("ws-message-removed", E, "clients that send this pkg_id get UNKNOWN_PKG_ID"),
    Rule("ws-pkg-id-changed", E, "clients that send the old pkg_id reach another message or none"),
    Rule("ws-message-added", I, "a new message; existing clients are not affected"),
    Rule("ws-event-removed", E, "clients waiting for this event never receive it"),
    Rule("ws-event-pkg-id-changed", E, "clients that dispatch events by pkg_id misread this one"),
    Rule("ws-event-added", I, "clients may receive an event they do not know and should ignore it"),
    Rule("ws-message-role-added", E, "callers without the added role, allowed before, get PERMISSION_DENIED"),
    Rule("ws-message-role-removed", I, "the message is open to more callers"),
    Rule("ws-event-role-added", E, "clients without the added role, who received it before, no longer do"),
    Rule("ws-event-role-removed", I, "more clients receive the event"),
    Rule("ws-status-code-removed", E, "clients that handle this status code never see it, or see it mean nothing"),
    Rule("ws-status-code-meaning-changed", E, "clients that handle this status code misread it"),
    Rule("ws-status-code-added", I, "clients may see a status code they do not know"),
    Rule("ws-close-code-removed", E, "clients that handle this close code never see it"),
    Rule("ws-close-code-meaning-changed", E, "clients that handle this close code misread it"),
    Rule("ws-close-code-added", I, "clients may see a close code they do not know"),
    Rule("ws-max-connections-lowered", W, "users who hold many connections get some closed with 1008"),
    Rule("ws-rate-limit-tightened", W, "clients near their budget get RATE_LIMITED sooner"),
]


def _schema_rules() -> list[Rule]:
    """The schema rules, for each place a schema stands: a request body (its root, or a property in it), a
    parameter, a response body (root or property). Their ids follow oasdiff's pattern."""
    rules: list[Rule] = []
    for scope in ("body", "property", "parameter"):
        req = f"request-{scope}"
        rules += [
            Rule(f"{req}-type-changed", E, "clients that send the old type are refused with 422"),
            Rule(f"{req}-became-not-nullable", E, "clients that send null are refused with 422"),
            Rule(f"{req}-format-changed", E, "clients that send values in the old format are refused with 422"),
            Rule(f"{req}-became-enum", E, "clients that send a value outside the new list are refused with 422"),
            Rule(f"{req}-enum-value-removed", E, "clients that send the removed value are refused with 422"),
            Rule(f"{req}-enum-value-added", I, "clients may send one more value"),
            Rule(f"{req}-const-changed", E, "clients that send the old value are refused with 422"),
            Rule(f"{req}-const-added", E, "clients that send any other value are refused with 422"),
            Rule(f"{req}-pattern-added", E, "clients that send values not matching it are refused with 422"),
            Rule(f"{req}-pattern-changed", W, "clients that send values not matching the new pattern are refused"),
            Rule(f"{req}-one-of-removed", E, "clients that send the removed alternative are refused with 422"),
            Rule(f"{req}-any-of-removed", E, "clients that send the removed alternative are refused with 422"),
            Rule(f"{req}-one-of-added", I, "clients may send one more alternative"),
            Rule(f"{req}-any-of-added", I, "clients may send one more alternative"),
        ]
        for stem in UPPER_BOUNDS.values():
            rules += [
                Rule(f"{req}-{stem}-decreased", E, "clients that send values above the new bound are refused"),
                Rule(f"{req}-{stem}-set", W, "clients that send values above the new bound are refused"),
            ]
        for stem in LOWER_BOUNDS.values():
            rules += [
                Rule(f"{req}-{stem}-increased", E, "clients that send values below the new bound are refused"),
                Rule(f"{req}-{stem}-set", W, "clients that send values below the new bound are refused"),
            ]
        if scope == "parameter":
            continue
        res = f"response-{scope}"
        rules += [
            Rule(f"{res}-type-changed", E, "clients that parse the old type fail on the new one"),
            Rule(f"{res}-became-nullable", E, "clients that do not expect null fail on it"),
            Rule(f"{res}-format-changed", E, "clients that parse the old format fail on the new one"),
            Rule(f"{res}-enum-value-added", W, "clients that switch on the known values meet one they do not know"),
            Rule(f"{res}-enum-value-removed", W, "clients waiting for the removed value never receive it"),
            Rule(f"{res}-const-changed", E, "clients that rely on the old value get another one"),
            Rule(f"{res}-const-removed", E, "clients that rely on the one value get others"),
            Rule(f"{res}-one-of-added", E, "clients that handle the known alternatives meet one they do not know"),
            Rule(f"{res}-any-of-added", E, "clients that handle the known alternatives meet one they do not know"),
            Rule(f"{res}-one-of-removed", I, "clients are sent fewer alternatives"),
            Rule(f"{res}-any-of-removed", I, "clients are sent fewer alternatives"),
        ]
        for stem in UPPER_BOUNDS.values():
            rules += [
                Rule(f"{res}-{stem}-increased", E, "clients that rely on the old bound get larger values"),
                Rule(f"{res}-{stem}-unset", E, "clients that rely on the old bound get larger values"),
            ]
        for stem in LOWER_BOUNDS.values():
            rules += [
                Rule(f"{res}-{stem}-decreased", E, "clients that rely on the old bound get smaller values"),
                Rule(f"{res}-{stem}-unset", E, "clients that rely on the old bound get smaller values"),
            ]
    return rules


# JSON Schema bounds, as the stem of their rule ids: an upper bound narrows a request when it goes down.
UPPER_BOUNDS = {
    "maximum": "max",
    "exclusiveMaximum": "exclusive-max",
    "maxLength": "max-length",
    "maxItems": "max-items",
}
LOWER_BOUNDS = {
    "minimum": "min",
    "exclusiveMinimum": "exclusive-min",
    "minLength": "min-length",
    "minItems": "min-items",
}

RULES: dict[str, Rule] = {rule.id: rule for rule in [*_RULES, *_schema_rules()]}
