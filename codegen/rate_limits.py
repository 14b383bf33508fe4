"""Rate-limit policies: the `x-rate-limits` catalogue of the OpenAPI document, and the policy each operation
or WebSocket message names in `x-rate-limit`.

    x-rate-limits:
      default: standard            # the policy of operations and messages that name none (optional)
      policies:
        standard: {limit: 600, window: 60, description: ...}

A caller may spend a policy's `limit` at once, and earns one request back every window/limit seconds (`limit`
per `window` on average, never more than `limit` in a burst). `x-rate-limit: unlimited`
exempts an operation (health probes). Without a catalogue nothing is limited, and naming a policy is an error.
"""

from __future__ import annotations

from codegen.contract import RatePolicies, RatePolicy
from codegen.errors import Problems
from codegen.names import ROLE_NAME
from codegen.refs import Node

UNLIMITED = "unlimited"
RATE_LIMIT_HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")
"""What the limiter adds to every response of a limited operation; its success response must declare them."""
_POLICY_KEYS = {"limit", "window", "description"}


def policy_of(policies: RatePolicies, owner: Node, problems: Problems) -> str | None:
    """The policy `owner` (an operation) is limited by: its `x-rate-limit`, else the default; None: unlimited."""
    if "x-rate-limit" not in owner.value:
        return policies.default
    node = owner.child("x-rate-limit")
    name = node.value
    if name == UNLIMITED:
        return None
    if not policies.policies:
        problems.add(node.location, "`x-rate-limit` names a policy, but the OpenAPI document has no `x-rate-limits`")
    elif not isinstance(name, str) or name not in policies.policies:
        known = ", ".join([*policies.policies, UNLIMITED])
        problems.add(node.location, f"unknown rate-limit policy {name!r}: x-rate-limits has {known}")
    return name if isinstance(name, str) and name in policies.policies else None


def read_policies(root: Node, problems: Problems) -> RatePolicies:
    """The `x-rate-limits` catalogue of the OpenAPI document `root`, each mistake located."""
    catalogue = root.child("x-rate-limits")
    if catalogue.value is None:
        return RatePolicies()
    if not isinstance(catalogue.value, dict) or not isinstance(catalogue.value.get("policies"), dict):
        problems.add(catalogue.location, "`x-rate-limits` needs `policies: {name: {limit, window}}` (and a `default`)")
        return RatePolicies()
    for key in set(catalogue.value) - {"default", "policies"}:
        problems.add(catalogue.child(key).location, f"`{key}` in x-rate-limits is not supported (default, policies)")
    policies = catalogue.child("policies")
    found = {name: policy for name in policies.value if (policy := _policy(policies.child(name), problems))}
    default = catalogue.value.get("default")
    if default is not None and default not in found:
        problems.add(
            catalogue.child("default").location,
            f"the default rate-limit policy {default!r} is not among the policies ({', '.join(found) or 'none'})",
        )
        default = None
    return RatePolicies(found, default)


def _policy(node: Node, problems: Problems) -> RatePolicy | None:
    name = node.path[-1]
    spec = node.value
    if not isinstance(name, str) or not ROLE_NAME.match(name) or name == UNLIMITED:
        problems.add(node.location, f"policy name {name!r} must match {ROLE_NAME.pattern} and not be {UNLIMITED!r}")
        return None
    if not isinstance(spec, dict):
        problems.add(node.location, f"policy {name!r} is `{{limit: <requests>, window: <seconds>}}`")
        return None
    for key in set(spec) - _POLICY_KEYS:
        problems.add(node.child(key).location, f"`{key}` in a rate-limit policy is not supported (limit, window)")
    limit, window = spec.get("limit"), spec.get("window")
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        problems.add(node.location, f"policy {name!r} needs `limit`: a whole number of requests, at least 1")
        return None
    if not isinstance(window, (int, float)) or isinstance(window, bool) or window <= 0:
        problems.add(node.location, f"policy {name!r} needs `window`: a number of seconds greater than 0")
        return None
    return RatePolicy(name, limit, float(window), str(spec.get("description", "")))
