"""The rate limiter's own Redis connection (app.limits.resp): scripts, the URL's password and database,
scripts Redis forgot, errors, and a command Redis never answers."""

from __future__ import annotations

import asyncio

import pytest
import redis
from redis.exceptions import ResponseError

from app.limits.resp import ScriptRunner, sha1
from tests.support.redis import OwnRedis

ECHO = b"return {KEYS[1], ARGV[1]}"
ECHO_SHA = sha1(ECHO)


async def test_a_script_runs_pipelined_and_answers_each_caller_its_own_reply(redis_url: str) -> None:
    runner = ScriptRunner(redis_url, timeout=1)
    try:
        replies = await asyncio.gather(*(runner.run(ECHO, ECHO_SHA, [f"k{n}"], [n]) for n in range(200)))
    finally:
        await runner.close()

    assert replies == [[f"k{n}".encode(), str(n).encode()] for n in range(200)]


async def test_a_script_redis_forgot_is_loaded_again() -> None:
    server = OwnRedis().start()
    runner = ScriptRunner(server.url, timeout=1)
    try:
        first = await runner.run(ECHO, ECHO_SHA, ["a"], [1])
        redis.Redis.from_url(server.url).script_flush()
        again = await runner.run(ECHO, ECHO_SHA, ["b"], [2])
    finally:
        await runner.close()
        server.close()

    assert (first, again) == ([b"a", b"1"], [b"b", b"2"])


async def test_the_password_and_database_of_the_url_are_used() -> None:
    server = OwnRedis("--requirepass", "s3cret").start()
    url = f"redis://:s3cret@127.0.0.1:{server.port}/3"
    runner = ScriptRunner(url, timeout=1)
    wrong = ScriptRunner(f"redis://:wrong@127.0.0.1:{server.port}/3", timeout=1)
    try:
        await runner.run(
            b"return redis.call('SET', KEYS[1], ARGV[1])",
            sha1(b"return redis.call('SET', KEYS[1], ARGV[1])"),
            ["where"],
            ["db3"],
        )
        with pytest.raises(ResponseError, match="Redis refused AUTH"):
            await wrong.run(ECHO, ECHO_SHA, ["a"], [1])
        stored = redis.Redis.from_url(url).get("where")
    finally:
        await runner.close()
        await wrong.close()
        server.close()

    assert stored == b"db3"


async def test_an_error_of_the_script_is_a_response_error(redis_url: str) -> None:
    broken = b"return redis.call('NO_SUCH_COMMAND')"
    runner = ScriptRunner(redis_url, timeout=1)
    try:
        with pytest.raises(ResponseError):
            await runner.run(broken, sha1(broken), [], [])
        assert await runner.run(ECHO, ECHO_SHA, ["still"], ["works"]) == [b"still", b"works"]
    finally:
        await runner.close()


async def test_a_command_redis_never_answers_times_out_and_the_next_connection_works() -> None:
    server = OwnRedis().start()
    runner = ScriptRunner(server.url, timeout=0.2)
    try:
        await runner.run(ECHO, ECHO_SHA, ["a"], [1])
        server.pause()
        with pytest.raises(TimeoutError):
            await runner.run(ECHO, ECHO_SHA, ["b"], [2])
        server.resume()
        after = await runner.run(ECHO, ECHO_SHA, ["c"], [3])
    finally:
        await runner.close()
        server.close()

    assert after == [b"c", b"3"]
