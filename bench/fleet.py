"""A fleet of idle WebSocket clients, for the connections-at-scale scenario (bench/scale.py).

    python -m bench.fleet ws://127.0.0.1:8000/web --tokens FILE --first 0 --count 2500

Opens `count` connections, each with its own token (lines `first`... of FILE, one user each), at most
`--concurrency` handshakes at a time, and prints one JSON line once all are open or refused:
{"opened", "failed", "started", "finished"} (wall-clock times). Then it waits for one frame on every open
connection (the event under measurement) and prints {"arrivals": [wall-clock times], "closed": n}, once every
connection has one or after `--wait` seconds. It exits when its standard input closes.

Each client is an asyncio protocol over wsproto, the sans-IO WebSocket library the server uses too: a few
kilobytes a connection, so that one process holds thousands and its own cost stays small beside the server's.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import resource
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, CloseConnection, Ping, RejectConnection, Request, TextMessage


class _Arrivals:
    """When the first frame of each connection came; `complete` is set once every open connection has one."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.expected: int | None = None
        self.complete = asyncio.Event()

    def add(self, moment: float) -> None:
        self.times.append(moment)
        self.check()

    def check(self) -> None:
        if self.expected is not None and len(self.times) >= self.expected:
            self.complete.set()


class _Client(asyncio.Protocol):
    """One idle connection: the handshake, pongs to the server's pings, and the time its first frame came."""

    def __init__(self, host: str, path: str, token: str, arrivals: _Arrivals) -> None:
        self.request = Request(host=host, target=path, extra_headers=[(b"authorization", f"Bearer {token}".encode())])
        self.arrivals = arrivals
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closed = False
        self._received = False
        self._ws = WSConnection(ConnectionType.CLIENT)
        self._transport: asyncio.WriteTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]  # a TCP transport, uvloop's or asyncio's
        self._write(self._ws.send(self.request))

    def data_received(self, data: bytes) -> None:
        self._ws.receive_data(data)
        for event in self._ws.events():
            if isinstance(event, AcceptConnection):
                self.opened.set_result(None)
            elif isinstance(event, TextMessage):
                if not self._received:
                    self._received = True
                    self.arrivals.add(time.time())
            elif isinstance(event, Ping):
                self._write(self._ws.send(event.response()))
            elif isinstance(event, CloseConnection):
                self.closed = True
                self._write(self._ws.send(event.response()))
            elif isinstance(event, RejectConnection) and not self.opened.done():
                self.opened.set_exception(ConnectionRefusedError(f"upgrade refused: {event.status_code}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self.opened.done():
            self.opened.set_exception(exc or ConnectionResetError("closed during the handshake"))

    def _write(self, data: bytes) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(data)


async def _run(url: str, tokens: list[str], concurrency: int, wait: float) -> None:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    loop = asyncio.get_running_loop()
    arrivals = _Arrivals()
    clients: list[_Client] = []
    gate = asyncio.Semaphore(concurrency)
    failed = 0

    async def open_one(token: str) -> None:
        nonlocal failed
        async with gate:
            try:
                _, client = await loop.create_connection(
                    lambda: _Client(f"{host}:{port}", parts.path or "/", token, arrivals), host, port
                )
                async with asyncio.timeout(60):
                    await client.opened
                clients.append(client)
            except (OSError, TimeoutError) as exc:
                if not failed:
                    print(f"bench.fleet: a connection failed: {exc!r}", file=sys.stderr)
                failed += 1

    started = time.time()
    await asyncio.gather(*(open_one(token) for token in tokens))
    _say({"opened": len(clients), "failed": failed, "started": started, "finished": time.time()})

    arrivals.expected = len(clients)
    arrivals.check()
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(wait):
            await arrivals.complete.wait()
    _say({"arrivals": arrivals.times, "closed": sum(client.closed for client in clients)})
    await loop.run_in_executor(None, sys.stdin.read)  # hold the connections until the bench is done with them


def _say(message: dict[str, object]) -> None:
    print(json.dumps(message), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.fleet")
    parser.add_argument("url")
    parser.add_argument("--tokens", type=Path, required=True, help="a file of tokens, one a line")
    parser.add_argument("--first", type=int, default=0)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--concurrency", type=int, default=64, help="handshakes in progress at once")
    parser.add_argument("--wait", type=float, default=15, help="seconds to wait for the frame on every connection")
    args = parser.parse_args()
    tokens = args.tokens.read_text().split()[args.first : args.first + args.count]
    if len(tokens) < args.count:
        parser.error(f"{args.tokens} holds fewer than {args.first + args.count} tokens")
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    try:
        import uvloop

        uvloop.run(_run(args.url, tokens, args.concurrency, args.wait))
    except ImportError:
        asyncio.run(_run(args.url, tokens, args.concurrency, args.wait))


if __name__ == "__main__":
    main()
