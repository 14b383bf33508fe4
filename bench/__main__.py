"""`make bench`: the product and hand-written baselines measured side by side, in one interleaved run.

Each scenario loads two servers in turn (A/B/A/B...), `--rounds` times each, and compares their median
throughput; server CPU comes from /proc. Loopback only; every load is bounded in time. Results go to the
terminal, bench/results/results.json and bench/results/results.png.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import redis

from bench import fixtures, processes, report, scale, synthetic
from bench.load import wrk
from bench.scenarios import Scenario, Side, http, http_tokens, run, websocket

RESULTS = processes.ROOT / "bench" / "results"


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="rounds per side and scenario (median taken)")
    parser.add_argument("--seconds", type=float, default=4.0, help="seconds per round")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--memory-requests", type=int, default=100_000)
    parser.add_argument(
        "--distinct-tokens", type=int, default=12_000, help="tokens of the cache-miss scenario (above the cache size)"
    )
    parser.add_argument(
        "--connections",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[1_000, 5_000, 10_000],
        help="connection counts of the connections-at-scale runs (comma-separated)",
    )
    parser.add_argument(
        "--only",
        type=lambda text: set(text.split(",")),
        help="comma-separated parts to run (scenario keys as in results.json, codegen, startup, memory); default all",
    )
    args = parser.parse_args()

    def wanted(part: str) -> bool:
        return args.only is None or part in args.only

    if shutil.which("wrk") is None:
        print("bench: wrk is not installed (make bench installs it: apt-get install wrk)", file=sys.stderr)
        return 2
    redis.Redis.from_url(args.redis, socket_timeout=2).ping()

    started = time.monotonic()
    file_limit = scale.raise_file_limit()
    if max(args.connections) + 1000 > file_limit:
        print(f"bench: the hard limit on open files ({file_limit}) is below {max(args.connections)} connections")
        return 2
    work = Path(tempfile.mkdtemp(prefix="specbound-bench-"))
    logs = RESULTS / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    print("bench: preparing a database of 10,000 authors, a signing key and a token", flush=True)
    dsn = fixtures.database(args.postgres, "specbound_bench")
    private_key, public_key = fixtures.signing_key(work)
    token = fixtures.token(private_key)
    # More distinct users than the product caches verified tokens of (10,000): cycled through, none is cached.
    print(f"bench: signing {args.distinct_tokens:,} tokens of distinct users", flush=True)
    many_tokens = work / "tokens.txt"
    many_tokens.write_text("\n".join(fixtures.tokens(private_key, args.distinct_tokens)) + "\n")
    bearer = {"Authorization": f"Bearer {token}"}
    product_env = {"DATABASE_URL": dsn, "SIGNING_KEY_FILE": str(private_key), "LOG_LEVEL": "WARNING"}

    servers = [
        product := processes.product({**product_env, "RATE_LIMIT_ENABLED": "false"}, logs, "product"),
        limited := processes.product(
            # Limits far above what the load reaches: every request is counted in Redis, none refused.
            {
                **product_env,
                "REDIS_URL": args.redis,
                "REDIS_PREFIX": f"bench:{uuid.uuid4().hex[:8]}:",
                "RATE_LIMIT_SCALE": "1000000",
            },
            logs,
            "product-redis-limits",
        ),
        baseline := processes.baseline({"BENCH_DSN": dsn, "BENCH_PUBLIC_KEY": str(public_key)}, logs),
    ]
    try:
        scenarios = [
            Scenario(
                "auth_overhead",
                "1 secured in-memory read vs plain FastAPI",
                0.6,
                Side("GET /api/v1/users/me (RS256 + roles)", product, http("/api/v1/users/me", bearer)),
                Side("GET /plain/me (unsecured)", baseline, http("/plain/me", {})),
            ),
            Scenario(
                "row_read",
                "2 one-row read from PostgreSQL",
                0.8,
                Side("GET /api/v1/authors/1", product, http("/api/v1/authors/1", bearer)),
                Side("raw asyncpg + PyJWT", baseline, http("/raw/authors/1", bearer)),
            ),
            Scenario(
                "page",
                "3 page of 20 + total of 10,000",
                0.8,
                Side("GET /api/v1/authors?page=50", product, http("/api/v1/authors?page=50", bearer)),
                Side("raw asyncpg + PyJWT", baseline, http("/raw/authors?page=50", bearer)),
            ),
            Scenario(
                "websocket",
                "4 WS GET_AUTHOR vs hand-written Starlette",
                0.8,
                Side("/web GET_AUTHOR, 4 x 16 in flight", product, websocket("/web", token)),
                Side("/hand/web: PyJWT at connect, asyncpg", baseline, websocket("/hand/web", token)),
            ),
            Scenario(
                "websocket_echo",
                "4b WS GET_AUTHOR vs bare echo (ceiling)",
                None,
                Side("/web GET_AUTHOR, 4 x 16 in flight", product, websocket("/web", token)),
                Side("/echo, same frames", baseline, websocket("/echo", None)),
            ),
            Scenario(
                "websocket_vs_rest",
                "4c WS GET_AUTHOR vs our own REST read",
                2.0,
                Side("/web GET_AUTHOR, 4 x 16 in flight", product, websocket("/web", token)),
                Side("GET /api/v1/authors/1, 32 connections", product, http("/api/v1/authors/1", bearer)),
            ),
            Scenario(
                "rate_limited",
                "5 read (2) with Redis limits vs without",
                0.9,
                Side("GET /api/v1/authors/1, Redis limits", limited, http("/api/v1/authors/1", bearer)),
                Side("GET /api/v1/authors/1, no limits", product, http("/api/v1/authors/1", bearer)),
            ),
            Scenario(
                "token_miss",
                f"6 row read (2), a new token each ({args.distinct_tokens // 1000}k users)",
                1.0,
                Side("GET /api/v1/authors/1", product, http_tokens("/api/v1/authors/1", many_tokens)),
                Side("raw asyncpg + PyJWT", baseline, http_tokens("/raw/authors/1", many_tokens)),
            ),
        ]
        scenarios = [scenario for scenario in scenarios if wanted(scenario.key)]
        for scenario in scenarios:
            print(f"bench: {scenario.title}", flush=True)
            run(scenario, rounds=args.rounds, seconds=args.seconds)
    finally:
        for server in servers:
            server.stop()

    results: dict[str, Any] = {"scenarios": {scenario.key: scenario.summary() for scenario in scenarios}}
    if wanted("scale") and args.connections:
        results["scale"] = {}
        for mode, extra in (
            ("in-process", {}),
            ("redis", {"REDIS_URL": args.redis, "REDIS_PREFIX": f"bench:{uuid.uuid4().hex[:8]}:"}),
        ):
            print(f"bench: {', '.join(f'{n:,}' for n in args.connections)} connections, events {mode}", flush=True)
            creator = fixtures.token(private_key, subject="2", roles=["create-author"])
            results["scale"][mode] = scale.measure(
                {**product_env, **extra},
                logs,
                tokens=many_tokens,
                creator=creator,
                counts=args.connections,
                name=f"scale-{mode}",
            )
    if wanted("codegen"):
        print("bench: codegen on a synthetic spec of 500 operations and 500 messages", flush=True)
        results["codegen"] = _codegen(work)
    if wanted("startup"):
        print("bench: start-up", flush=True)
        results["startup"] = _startup(product_env, logs)
    if wanted("memory"):
        print("bench: memory", flush=True)
        results["memory"] = _memory(product_env, logs, bearer, args.memory_requests)
    results["settings"] = {"rounds": args.rounds, "seconds": args.seconds, "machine_cores": _cores()}
    results["elapsed_seconds"] = time.monotonic() - started
    data, chart = report.write(results, RESULTS)
    print()
    print(report.table(results))
    print(f"\nbench: {results['elapsed_seconds']:.0f} s; results in {data} and {chart}")
    shutil.rmtree(work, ignore_errors=True)
    met = (
        all(s["met"] for s in results["scenarios"].values())
        and all(run["met"] for runs in results.get("scale", {}).values() for run in runs)
        and all(results[part]["met"] for part in ("codegen", "startup", "memory") if part in results)
    )
    if not met:
        print("bench: some targets are missed (MISSED above)", file=sys.stderr)
    return 0 if met else 1


def _codegen(work: Path) -> dict[str, Any]:
    root = work / "synthetic"
    synthetic.write(root, resources=100)
    command = [sys.executable, "-m", "codegen", "generate"]
    env = {"PYTHONPATH": str(processes.ROOT), "PATH": "/usr/bin:/bin"}

    def timed() -> float:
        began = time.perf_counter()
        subprocess.run(command, cwd=root, env=env, check=True, capture_output=True)
        return time.perf_counter() - began

    full = timed()
    first = _snapshot(root / "generated")
    rerun = timed()
    identical = _snapshot(root / "generated") == first
    return {
        "full_seconds": full,
        "rerun_seconds": rerun,
        "identical": identical,
        "met": full < 15 and rerun < 1 and identical,
    }


def _startup(env: dict[str, str], logs: Path) -> dict[str, Any]:
    """Process start to the first answered request, three times (median)."""
    times = []
    for attempt in range(3):
        server = processes.product({**env, "RATE_LIMIT_ENABLED": "false"}, logs, f"startup-{attempt}")
        times.append(server.started_in)
        server.stop()
    seconds = statistics.median(times)
    return {"seconds": seconds, "all": times, "met": seconds < 2}


def _memory(env: dict[str, str], logs: Path, bearer: dict[str, str], requests: int) -> dict[str, Any]:
    """Resident memory after start (and a warm-up), then after `requests` more authenticated reads."""
    server = processes.product({**env, "RATE_LIMIT_ENABLED": "false"}, logs, "memory")
    try:
        wrk(server.url + "/api/v1/authors/1", seconds=2, connections=32, headers=bearer)
        after_start = server.rss_bytes()
        done = 0
        while done < requests:
            load = wrk(server.url + "/api/v1/authors/1", seconds=5, connections=32, headers=bearer)
            done += load.requests
        after = server.rss_bytes()
    finally:
        server.stop()
    growth = (after - after_start) / after_start * 100
    return {
        "after_start_mb": after_start / 1e6,
        "after_requests_mb": after / 1e6,
        "requests": done,
        "growth_percent": growth,
        "met": growth < 10,
    }


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def _cores() -> int:
    import os

    return os.cpu_count() or 1


if __name__ == "__main__":
    sys.exit(main())
