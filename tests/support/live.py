"""The application served for real: uvicorn (through app.server.Server, as `make run` serves it) on a free
port, in a thread with its own event loop, so tests talk to it over TCP like any client."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Coroutine
from typing import Any, TypeVar

import uvicorn
from fastapi import FastAPI

from app.server import build_server

T = TypeVar("T")


class LiveServer:
    def __init__(self, app: FastAPI, *, port: int | None = None, **config: Any) -> None:
        """`port`: where to listen (a free one by default; a restarted service takes the port it had)."""
        if port is None:
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
        self.port: int = port
        options = {"log_level": "warning", "log_config": uvicorn.config.LOGGING_CONFIG, **config}
        self.app = app
        self.server = build_server(app, host="127.0.0.1", port=self.port, **options)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_until_complete, args=(self.server.serve(),), daemon=True)

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/web"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LiveServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Shut down as on SIGTERM (uvicorn's handle_exit), and wait for it."""
        self.server.should_exit = True
        self._thread.join(timeout=30)
        self.loop.close()

    async def acall(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run `coroutine` on the server's event loop, from a test's own loop, without blocking it."""
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coroutine, self.loop))

    def call(self, coroutine: Coroutine[Any, Any, T], timeout: float = 10) -> T:
        """Run `coroutine` on the server's own event loop (where its database engine lives)."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)
