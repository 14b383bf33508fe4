"""What the WebSocket runtime reports as it works: the hooks, and an in-process count of them.

The runtime only calls the hooks; where the numbers go (Prometheus, say) is decided by whoever builds the
service. The in-process counts are what the service uses when nothing else is wired in.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Protocol


class WsMetrics(Protocol):
    def connection_opened(self) -> None: ...

    def connection_refused(self, code: int) -> None: ...

    def connection_closed(self, code: int) -> None: ...

    def message_received(self) -> None: ...

    def message_sent(self) -> None: ...

    def message_handled(self, pkg_id: int | None, seconds: float) -> None: ...


@dataclass
class WsCounts:
    """In-process counts: connections open now, closed by code, frames in and out, time spent per pkg_id."""

    active: int = 0
    closed: Counter[int] = field(default_factory=Counter)
    received: int = 0
    sent: int = 0
    handled: Counter[int | None] = field(default_factory=Counter)
    seconds: defaultdict[int | None, float] = field(default_factory=lambda: defaultdict(float))

    def connection_opened(self) -> None:
        self.active += 1

    def connection_refused(self, code: int) -> None:
        self.closed[code] += 1

    def connection_closed(self, code: int) -> None:
        self.active -= 1
        self.closed[code] += 1

    def message_received(self) -> None:
        self.received += 1

    def message_sent(self) -> None:
        self.sent += 1

    def message_handled(self, pkg_id: int | None, seconds: float) -> None:
        self.handled[pkg_id] += 1
        self.seconds[pkg_id] += seconds
