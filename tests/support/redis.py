"""Redis for the tests: the server at TEST_REDIS_URL (default: the local one), and servers of our own.

Each test gets its own key prefix, so tests never see each other's counts. A test that stops Redis on
purpose starts its own `redis-server` on a spare port (`OwnRedis`), never touching the shared one.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import redis

DEFAULT_URL = "redis://127.0.0.1:6379/0"


def test_redis_url() -> str:
    return os.environ.get("TEST_REDIS_URL", DEFAULT_URL)


def answers(url: str) -> bool:
    try:
        client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except (redis.RedisError, OSError):
        return False


class OwnRedis:
    """A redis-server of this test's own, on a spare port, that the test may stop and start again."""

    def __init__(self, *options: str) -> None:
        self.options = options  # more redis-server arguments, e.g. ("--requirepass", "secret")
        executable = shutil.which("redis-server")
        if executable is None:
            raise RuntimeError("redis-server is not installed")
        self.executable = executable
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port: int = probe.getsockname()[1]
        self._directory = tempfile.TemporaryDirectory(prefix="specbound-redis-")
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> OwnRedis:
        arguments = [self.executable, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly"]
        arguments += ["no", "--dir", self._directory.name, "--logfile", str(Path(self._directory.name) / "log")]
        arguments += self.options
        self._process = subprocess.Popen(arguments, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not self._listening():
            if time.monotonic() > deadline or self._process.poll() is not None:
                raise RuntimeError(f"redis-server on port {self.port} did not start")
            time.sleep(0.05)
        return self

    def _listening(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def pause(self) -> None:
        """Stop the server without closing its connections: it accepts, and answers nothing (a hung Redis)."""
        assert self._process is not None
        self._process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self._process is not None
        self._process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self._process is not None:
            self._process.send_signal(signal.SIGCONT)  # a paused process dies on SIGKILL too, but say it
            self._process.kill()
            self._process.wait(timeout=10)
            self._process = None

    def close(self) -> None:
        self.stop()
        self._directory.cleanup()
