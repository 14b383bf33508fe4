"""Load generators on loopback: wrk for HTTP, a Python client for the WebSocket (bounded in time)."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass

_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0}


@dataclass(frozen=True)
class Load:
    requests: int
    seconds: float
    p50: float  # seconds
    p99: float
    errors: int  # non-2xx answers and socket errors

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds


def wrk(
    url: str, *, seconds: float, connections: int, headers: dict[str, str], script: list[str] | None = None
) -> Load:
    """Load `url` for `seconds`; `script` is a Lua script and its arguments (see tokens.lua)."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency", "--timeout", "5s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command += [url]
    if script is not None:
        command[-1:-1] = ["-s", script[0]]
        command += ["--", *script[1:]]
    output = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 30).stdout
    requests = int(re.search(r"(\d+) requests in ([\d.]+)(\w+)", output).group(1))  # type: ignore[union-attr]
    duration = re.search(r"requests in ([\d.]+)(\w+)", output)
    assert duration is not None
    elapsed = float(duration.group(1)) * {"s": 1.0, "ms": 1e-3, "m": 60.0}[duration.group(2)]
    errors = sum(int(found) for found in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if socket_errors:
        errors += sum(int(value) for value in socket_errors.groups())
    return Load(requests, elapsed, _percentile(output, "50%"), _percentile(output, "99%"), errors)


def _percentile(output: str, which: str) -> float:
    match = re.search(rf"^\s+{re.escape(which)}\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
    assert match is not None, output
    return float(match.group(1)) * _UNITS[match.group(2)]
