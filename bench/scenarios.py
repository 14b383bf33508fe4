"""What `make bench` measures: each scenario a pair of servers loaded in turn, A/B/A/B, the same way."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.load import Load, wrk
from bench.processes import ROOT, Served


@dataclass
class Round:
    throughput: float  # requests or messages per second
    p50: float
    p99: float
    cpu_per_request: float  # server CPU seconds per request
    utilization: float  # server CPU seconds per second: ~1.0 when the server is the bottleneck
    errors: int


@dataclass
class Side:
    name: str
    server: Served
    measure: Callable[[Served, float], Load]
    rounds: list[Round] = field(default_factory=list)

    def median(self, attribute: str) -> float:
        return statistics.median(getattr(round_, attribute) for round_ in self.rounds)


@dataclass
class Scenario:
    key: str
    title: str
    target: float | None  # None: shown for scale (a ceiling), nothing to meet
    product: Side
    baseline: Side

    @property
    def ratio(self) -> float:
        """Product throughput over baseline throughput, medians of the interleaved rounds."""
        return self.product.median("throughput") / self.baseline.median("throughput")

    @property
    def cpu_ratio(self) -> float:
        """Baseline server CPU per request over the product's: the same comparison, by cost rather than by
        throughput; it holds up better than throughput when the load generator and other work share the cores."""
        return self.baseline.median("cpu_per_request") / self.product.median("cpu_per_request")

    @property
    def met(self) -> bool:
        return self.target is None or self.ratio >= self.target

    def summary(self) -> dict[str, Any]:
        def side(s: Side) -> dict[str, Any]:
            return {
                "name": s.name,
                "throughput": s.median("throughput"),
                "p50_ms": s.median("p50") * 1e3,
                "p99_ms": s.median("p99") * 1e3,
                "cpu_us_per_request": s.median("cpu_per_request") * 1e6,
                "server_utilization": s.median("utilization"),
                "errors": sum(r.errors for r in s.rounds),
                "rounds": [r.__dict__ for r in s.rounds],
            }

        return {
            "title": self.title,
            "target": self.target,
            "ratio": self.ratio,
            "cpu_ratio": self.cpu_ratio,
            "met": self.met,
            "product": side(self.product),
            "baseline": side(self.baseline),
        }


def run(scenario: Scenario, *, rounds: int, seconds: float) -> Scenario:
    """Warm both sides up, then load them in turn, `rounds` times each."""
    for side in (scenario.product, scenario.baseline):
        side.measure(side.server, 1.0)
    for _ in range(rounds):
        for side in (scenario.product, scenario.baseline):
            before = side.server.cpu_seconds()
            load = side.measure(side.server, seconds)
            cpu = side.server.cpu_seconds() - before
            side.rounds.append(
                Round(
                    throughput=load.throughput,
                    p50=load.p50,
                    p99=load.p99,
                    cpu_per_request=cpu / max(load.requests, 1),
                    utilization=cpu / load.seconds,
                    errors=load.errors,
                )
            )
    return scenario


def http(path: str, headers: dict[str, str], connections: int = 32) -> Callable[[Served, float], Load]:
    def measure(server: Served, seconds: float) -> Load:
        return wrk(server.url + path, seconds=seconds, connections=connections, headers=headers)

    return measure


def http_tokens(path: str, tokens: Path, connections: int = 32) -> Callable[[Served, float], Load]:
    """Every request with the next of the tokens in the file `tokens`; each run goes on where the last ended,
    so that a token comes back only after all the others (a cache smaller than the file never hits)."""
    offset = 0

    def measure(server: Served, seconds: float) -> Load:
        nonlocal offset
        script = [str(ROOT / "bench" / "tokens.lua"), str(tokens), str(offset)]
        load = wrk(server.url + path, seconds=seconds, connections=connections, headers={}, script=script)
        offset += load.requests + connections  # the requests still in flight at the end were sent too
        return load

    return measure


def websocket(path: str, token: str | None, connections: int = 4, depth: int = 16) -> Callable[[Served, float], Load]:
    def measure(server: Served, seconds: float) -> Load:
        command = [sys.executable, "-m", "bench.wsload", f"ws://127.0.0.1:{server.port}{path}"]
        command += ["--connections", str(connections), "--depth", str(depth), "--seconds", str(seconds)]
        command += ["--token", token] if token else []
        output = subprocess.run(
            command, capture_output=True, text=True, check=True, cwd=ROOT, timeout=seconds + 60
        ).stdout
        result = json.loads(output)
        return Load(result["requests"], result["seconds"], result["p50"], result["p99"], result["errors"])

    return measure
