"""The hooks the WebSocket runtime reports through as it works; app.metrics.Metrics implements them."""

from __future__ import annotations

from typing import Protocol


class WsHooks(Protocol):
    def connection_opened(self) -> None: ...

    def connection_refused(self, reason: str) -> None:
        """An upgrade closed before serving: `unauthenticated`, `too_many_connections`, `shutting_down`..."""

    def connection_closed(self, code: int) -> None: ...

    def message_received(self) -> None: ...

    def message_sent(self) -> None: ...

    def message_handled(self, pkg_id: int | None, seconds: float) -> None: ...
