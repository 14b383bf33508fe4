"""WebSocket load: `connections` clients, each keeping `depth` requests in flight, for `seconds`.

    python -m bench.wsload ws://127.0.0.1:8000/web --token T --connections 4 --depth 16 --seconds 5

Prints one JSON object: replies received, seconds, p50/p99 round-trip latency, and errors (replies whose
status is not OK). Every frame is a GET_AUTHOR request; an echo endpoint sends it back as it came, so the
client does the same work against either.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid

from websockets.asyncio.client import connect


async def _client(url: str, token: str | None, depth: int, deadline: float, latencies: list[float]) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    frames = {
        req_id: json.dumps({"pkg_id": 4, "req_id": req_id, "data": {"id": 1}})
        for req_id in (str(uuid.uuid4()) for _ in range(depth))
    }
    errors = 0
    async with connect(url, additional_headers=headers, max_size=None, compression=None) as ws:
        sent: dict[str, float] = {}
        for req_id, frame in frames.items():
            sent[req_id] = time.perf_counter()
            await ws.send(frame)
        async for message in ws:
            reply = json.loads(message)
            now = time.perf_counter()
            req_id = reply["req_id"]
            latencies.append(now - sent[req_id])
            if reply.get("status_code", 0) != 0:
                errors += 1
            if now >= deadline:
                break
            sent[req_id] = now
            await ws.send(frames[req_id])
    return errors


async def run(url: str, token: str | None, connections: int, depth: int, seconds: float) -> dict[str, float]:
    latencies: list[float] = []
    started = time.perf_counter()
    errors = await asyncio.gather(
        *(_client(url, token, depth, started + seconds, latencies) for _ in range(connections))
    )
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "seconds": elapsed,
        "p50": latencies[len(latencies) // 2] if latencies else 0.0,
        "p99": latencies[int(len(latencies) * 0.99)] if latencies else 0.0,
        "errors": sum(errors),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.wsload")
    parser.add_argument("url")
    parser.add_argument("--token")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--depth", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5)
    args = parser.parse_args()
    result = asyncio.run(run(args.url, args.token, args.connections, args.depth, args.seconds))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
