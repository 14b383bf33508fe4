"""Connections at scale: N authenticated idle WebSocket connections on one instance, and one event to all.

For each N, a fresh product server (one worker, as `make run` serves) and client processes of bench.fleet,
each connection a user of its own. Measured: the time to open all N (first handshake started to last one
accepted), the server's resident memory per connection (after the N are open, against the same server
after a warm-up connection), and the arrival of one AUTHOR_CREATED event, sent by a REST create, at every
connection: p50, p99 and the last, counted from just before the create request went out. The clients share
the cores with the server, so an arrival time includes the moment its client got to read it: an upper bound.
"""

from __future__ import annotations

import json
import math
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from bench import processes

PER_CLIENT_PROCESS = 2500  # connections one bench.fleet process opens
TARGET_CONNECTIONS = 10_000
TARGET_BYTES_PER_CONNECTION = 30 * 1024
TARGET_FANOUT_P99 = 1.0  # seconds


def raise_file_limit() -> int:
    """Raise this process's soft limit on open files to the hard one (servers and clients started from here
    inherit it): the bench's business, not the product's. Returns the limit."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def measure(
    env: dict[str, str], logs: Path, *, tokens: Path, creator: str, counts: list[int], name: str
) -> list[dict[str, Any]]:
    """One run per N in `counts`, each on a new server started with `env`."""
    return [_one(env, logs, tokens=tokens, creator=creator, count=count, name=f"{name}-{count}") for count in counts]


def _one(env: dict[str, str], logs: Path, *, tokens: Path, creator: str, count: int, name: str) -> dict[str, Any]:
    server = processes.product(env, logs, name)
    fleet: list[subprocess.Popen[str]] = []
    try:
        _warm_up(server, tokens, creator)
        rss_before = server.rss_bytes()
        url = f"ws://127.0.0.1:{server.port}/web"
        per_process = math.ceil(count / math.ceil(count / PER_CLIENT_PROCESS))
        for first in range(0, count, per_process):
            command = [sys.executable, "-m", "bench.fleet", url, "--tokens", str(tokens)]
            command += ["--first", str(first + 1), "--count", str(min(per_process, count - first))]
            fleet.append(
                subprocess.Popen(command, cwd=processes.ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            )
        opened = [_read(client) for client in fleet]
        open_seconds = max(o["finished"] for o in opened) - min(o["started"] for o in opened)
        held = sum(o["opened"] for o in opened)
        time.sleep(1)  # let the server settle: connections admitted, nothing in flight
        rss_open = server.rss_bytes()

        sent = time.time()
        _create(server, creator, f"Scale {count}")
        answered = time.time() - sent
        reports = [_read(client) for client in fleet]
        arrivals = sorted(arrival - sent for report in reports for arrival in report["arrivals"])
    finally:
        for client in fleet:
            if client.stdin is not None:
                client.stdin.close()
        for client in fleet:
            try:
                client.wait(timeout=30)
            except subprocess.TimeoutExpired:
                client.kill()
        server.stop()
    per_connection = (rss_open - rss_before) / max(held, 1)
    p99 = _percentile(arrivals, 0.99)
    return {
        "connections": count,
        "opened": held,
        "refused_or_failed": sum(o["failed"] for o in opened),
        "closed_by_server": sum(r["closed"] for r in reports),
        "received_event": len(arrivals),
        "open_seconds": open_seconds,
        "rss_before_mb": rss_before / 1e6,
        "rss_open_mb": rss_open / 1e6,
        "bytes_per_connection": per_connection,
        "create_answered_seconds": answered,
        "event_first_seconds": arrivals[0] if arrivals else math.nan,
        "event_p50_seconds": _percentile(arrivals, 0.5),
        "event_p99_seconds": p99,
        "event_last_seconds": arrivals[-1] if arrivals else math.nan,
        "client_processes": len(fleet),
        "met": (
            len(arrivals) == count
            and per_connection <= TARGET_BYTES_PER_CONNECTION
            and (count < TARGET_CONNECTIONS or p99 <= TARGET_FANOUT_P99)
        ),
    }


def _warm_up(server: processes.Served, tokens: Path, creator: str) -> None:
    """One connection opened and closed, and one author created (with nobody to tell): what the first
    connection and the first create import and build is counted neither per connection nor in the event's
    arrival. (The connection's user, token 0, is none of the fleet's.)"""
    _create(server, creator, "Scale warm-up")
    command = [sys.executable, "-m", "bench.fleet", f"ws://127.0.0.1:{server.port}/web", "--tokens", str(tokens)]
    command += ["--count", "1", "--wait", "0"]
    subprocess.run(command, cwd=processes.ROOT, input="", capture_output=True, text=True, check=True, timeout=60)
    time.sleep(0.5)


def _create(server: processes.Served, creator: str, name: str) -> None:
    created = httpx.post(
        f"{server.url}/api/v1/authors", json={"name": name}, headers={"Authorization": f"Bearer {creator}"}, timeout=30
    )
    created.raise_for_status()


def _read(client: subprocess.Popen[str]) -> dict[str, Any]:
    assert client.stdout is not None
    line = client.stdout.readline()
    if not line:
        raise RuntimeError(f"a bench.fleet client exited with {client.wait()} before reporting")
    report: dict[str, Any] = json.loads(line)
    return report


def _percentile(values: list[float], fraction: float) -> float:
    return values[min(len(values) - 1, int(len(values) * fraction))] if values else math.nan
