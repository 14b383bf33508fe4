"""The service as `make run` starts it: `python -m app serve` in a process of its own, on a free port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


class serving:  # noqa: N801 - used as a context manager, reads like one
    """`python -m app serve` on a free port, until the block ends."""

    def __init__(self, repository: Path, *, log: Path | None = None, **env: str) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        environment = {**os.environ, "PYTHONPATH": str(repository), **env}
        self.log = log or repository / "serve.log"
        with self.log.open("w") as log:  # a file, not a pipe: an unread pipe blocks a chatty server
            self.process = subprocess.Popen(
                [sys.executable, "-m", "app", "serve", "--port", str(self.port)],
                cwd=repository,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def __enter__(self) -> str:
        base_url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the service exited:\n{self.log.read_text()}")
            try:
                httpx.get(f"{base_url}/health", timeout=1)
                return base_url
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError(f"the service did not start within 30 s:\n{self.log.read_text()}")

    def __exit__(self, *exc: object) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=15)
