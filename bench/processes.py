"""Servers under measurement: started as `make run` would (uvicorn, one worker), with their CPU time and
resident memory read from /proc."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Served:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    started_in: float  # seconds from the process start to its first answered request

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cpu_seconds(self) -> float:
        """User + system CPU time the server process has used so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS

    def rss_bytes(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError("no VmRSS")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start(name: str, command: list[str], env: dict[str, str], logs: Path, probe: str = "/health") -> Served:
    """Start `command` on a free port (it reads {port}) and wait until `probe` answers."""
    port = free_port()
    log = logs / f"{name}.log"
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    began = time.perf_counter()
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, *(part.format(port=port) for part in command)],
            cwd=ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited:\n{log.read_text()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}{probe}", timeout=1).status_code < 500:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"{name} did not start within 30 s:\n{log.read_text()}")
        time.sleep(0.01)
    return Served(name, process, port, log, time.perf_counter() - began)


def product(env: dict[str, str], logs: Path, name: str = "product") -> Served:
    return start(name, ["-m", "app", "serve", "--port", "{port}"], env, logs)


def baseline(env: dict[str, str], logs: Path, name: str = "baseline") -> Served:
    command = ["-m", "uvicorn", "bench.baselines:app", "--port", "{port}", "--log-level", "warning", "--ws", "wsproto"]
    return start(name, command, env, logs, probe="/plain/me")
