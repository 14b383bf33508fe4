"""The service's Prometheus metrics, served at /metrics, and the hooks the transports report through.

Each service has its own registry (tests run many services in one process). With several worker processes,
set PROMETHEUS_MULTIPROC_DIR to a directory they share: each writes its values there and /metrics, served
by any of them, adds them up (prometheus-client's multiprocess mode).
"""

from __future__ import annotations

import os
import platform

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from generated.ws.protocol import CloseCode, PkgID

CONTENT_TYPE = CONTENT_TYPE_LATEST
UNMATCHED = "unmatched"  # the route label of a path the API does not serve: raw paths would be unbounded

_KNOWN_PKG_IDS = {int(pkg_id) for pkg_id in PkgID}
# A client may close with any code: label by the spec's names only, so it cannot mint label values.
_CLOSE_CODES = {int(code): code.name.lower() for code in CloseCode} | {1006: "abnormal_closure"}


class Metrics:
    def __init__(self, version: str) -> None:
        registry = self.registry = CollectorRegistry()
        self.http_requests = Counter(
            "http_requests", "HTTP requests answered.", ["method", "route", "status"], registry=registry
        )
        self.http_duration = Histogram(
            "http_request_duration_seconds", "Time to answer an HTTP request.", ["method", "route"], registry=registry
        )
        self.http_in_progress = Gauge(
            "http_requests_in_progress",
            "HTTP requests being answered.",
            ["method", "route"],
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.ws_active = Gauge(
            "ws_connections_active", "Open WebSocket connections.", registry=registry, multiprocess_mode="livesum"
        )
        self.ws_connections = Counter(
            "ws_connections", "WebSocket connections, by how the upgrade went.", ["status"], registry=registry
        )
        self.ws_closed = Counter(
            "ws_connections_closed",
            "WebSocket connections ended, by close code (`other` for codes the spec does not define).",
            ["code"],
            registry=registry,
        )
        self.ws_received = Counter("ws_messages_received", "WebSocket text frames received.", registry=registry)
        self.ws_sent = Counter("ws_messages_sent", "WebSocket frames sent (replies and events).", registry=registry)
        self.ws_duration = Histogram(
            "ws_message_processing_duration_seconds",
            "Time to answer a WebSocket request, by pkg_id (`unknown` for frames naming no message).",
            ["pkg_id"],
            registry=registry,
        )
        self.rate_limit_hits = Counter(
            "rate_limit_hits", "Requests refused by a rate limit.", ["policy", "transport"], registry=registry
        )
        self.rate_limit_store_errors = Counter(
            "rate_limit_store_errors",
            "Rate-limit checks the store (Redis) could not answer.",
            registry=registry,
        )
        self.auth_attempts = Counter(
            "auth_attempts",
            "Logins, refreshes and bearer-token checks, by outcome.",
            ["method", "outcome"],
            registry=registry,
        )
        info = Gauge(
            "app_info", "The running service.", ["version", "python"], registry=registry, multiprocess_mode="max"
        )
        info.labels(version, platform.python_version()).set(1)
        self._in_progress: dict[tuple[str, str], Gauge] = {}
        self._answered: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}
        self._attempts: dict[tuple[str, bool], Counter] = {}
        self._ws_duration: dict[int | None, Histogram] = {
            pkg_id: self.ws_duration.labels(str(pkg_id) if pkg_id is not None else "unknown")
            for pkg_id in (*_KNOWN_PKG_IDS, None)
        }

    def exposition(self) -> bytes:
        """The text /metrics serves: this process's registry, or every worker's with multiprocess mode."""
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            return generate_latest(registry)
        return generate_latest(self.registry)

    def process_exiting(self) -> None:
        """In multiprocess mode, drop this process's live gauges (connections, requests in progress) from the
        sum the others serve."""
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]

    # --- hooks ------------------------------------------------------------------------------------------------

    # The labelled children are looked up once per label set: labels() takes a lock and builds a key each time,
    # and every request passes here.

    def http_in_progress_of(self, method: str, route: str) -> Gauge:
        key = (method, route)
        child = self._in_progress.get(key)
        if child is None:
            child = self._in_progress[key] = self.http_in_progress.labels(method, route)
        return child

    def http_request(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        children = self._answered.get(key)
        if children is None:
            children = self._answered[key] = (
                self.http_requests.labels(method, route, str(status)),
                self.http_duration.labels(method, route),
            )
        children[0].inc()
        children[1].observe(seconds)

    def rate_limited(self, policy: str, transport: str) -> None:
        self.rate_limit_hits.labels(policy, transport).inc()

    def rate_limit_store_failed(self) -> None:
        self.rate_limit_store_errors.inc()

    def authenticated(self, method: str, success: bool) -> None:
        key = (method, success)
        child = self._attempts.get(key)
        if child is None:
            child = self._attempts[key] = self.auth_attempts.labels(method, "success" if success else "failure")
        child.inc()

    # The WebSocket runtime's hooks (app.ws.hooks.WsHooks).

    def connection_opened(self) -> None:
        self.ws_active.inc()
        self.ws_connections.labels("accepted").inc()

    def connection_refused(self, reason: str) -> None:
        self.ws_connections.labels(reason).inc()

    def connection_closed(self, code: int) -> None:
        self.ws_active.dec()
        self.ws_closed.labels(_CLOSE_CODES.get(code, "other")).inc()

    def message_received(self) -> None:
        self.ws_received.inc()

    def message_sent(self) -> None:
        self.ws_sent.inc()

    def message_handled(self, pkg_id: int | None, seconds: float) -> None:
        self._ws_duration[pkg_id if pkg_id in _KNOWN_PKG_IDS else None].observe(seconds)

    def value(self, name: str, **labels: str) -> float:
        """A sample's current value in this process (0 when never set): for tests and diagnostics."""
        return self.registry.get_sample_value(name, labels) or 0.0
